package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OSQP in general form with Q, A, G as operators against the dense OSQP (its structured KKT
 * derivative) and central finite differences of re-solved dense problems.
 */
class OperatorOSQPTest {

    private static final int N = 30;
    private static final int P = 3;
    private static final int M = 20;
    private static final double THETA = 0.2;

    private static final Random RND = new Random(77);
    private static final double[] Q0 = QpFixtures.spd(RND, N, 1.0);
    private static final double[] A = QpFixtures.gaussian(RND, P * N);
    private static final double[] G = QpFixtures.gaussian(RND, M * N);
    private static final double[] C = QpFixtures.gaussian(RND, N);
    private static final double[] B = QpFixtures.gaussian(RND, P);
    private static final double[] H = h();

    private static double[] h() {
        double[] h = new double[M];
        for (int i = 0; i < M; i++) {
            h[i] = 0.5 + RND.nextDouble();
        }
        h[M - 1] = 50;
        return h;
    }

    private static final OSQP DENSE = OSQP.create().tol(1e-12).maxiter(10_000);

    private static Kkt.Point<Tensor> dense(double theta, double[] c, double[] b, double[] h) {
        return DENSE.run(new OSQP.Problem(QpFixtures.matrix(Q0, N, N).add(Tensor.eye(N).mul(theta)), Tensor.of(c.clone()),
                QpFixtures.matrix(A, P, N), Tensor.of(b.clone()), QpFixtures.matrix(G, M, N), Tensor.of(h.clone())))
                .params();
    }

    private static OperatorOSQP<Tensor, List<Tensor>, List<Tensor>> operators(boolean givenTransposes) {
        Tensor q0 = QpFixtures.matrix(Q0, N, N);
        Tensor a = QpFixtures.matrix(A, P, N);
        Tensor g = QpFixtures.matrix(G, M, N);
        BiFunction<Tensor, Tensor, Tensor> mq = (t, x) -> q0.matmul(x).add(x.mul(t));
        BiFunction<List<Tensor>, Tensor, Tensor> ma = (none, x) -> a.matmul(x);
        BiFunction<List<Tensor>, Tensor, Tensor> mg = (none, x) -> g.matmul(x);
        OperatorOSQP<Tensor, List<Tensor>, List<Tensor>> s = givenTransposes
                ? OperatorOSQP.create(mq, ma, (none, y) -> a.transposeMatmul(y), mg, (none, y) -> g.transposeMatmul(y))
                : OperatorOSQP.create(mq, ma, mg);
        return s.tol(1e-11).maxiter(20_000);
    }

    private static OperatorOSQP.Problem<Tensor, List<Tensor>, List<Tensor>> problem(Tensor theta, Tensor c, Tensor b,
                                                                                     Tensor h) {
        return new OperatorOSQP.Problem<>(theta, c, List.of(), b, List.of(), h);
    }

    private static double[] flat(Kkt.Point<Tensor> z) {
        double[] out = new double[N + P + M];
        System.arraycopy(z.primal().toArray(), 0, out, 0, N);
        System.arraycopy(z.eqDual().toArray(), 0, out, N, P);
        System.arraycopy(z.ineqDual().toArray(), 0, out, N + P, M);
        return out;
    }

    @Test
    void solutionAndDerivativesMatchTheDenseOsqpAndFiniteDifferences() {
        double[] ref = flat(dense(THETA, C, B, H));
        int active = 0;
        for (int i = 0; i < M; i++) {
            active += ref[N + P + i] > 1e-6 ? 1 : 0;
        }
        assertTrue(active >= 3 && active <= 15, "active inequalities: " + active);
        double[] w = QpFixtures.gaussian(new Random(4), N + P + M);
        Function<List<Tensor>, Tensor> denseLoss = t -> {
            Kkt.Point<Tensor> z = DENSE.run(new OSQP.Problem(QpFixtures.matrix(Q0, N, N).add(Tensor.eye(N).mul(t.get(0))),
                    t.get(1), QpFixtures.matrix(A, P, N), t.get(2), QpFixtures.matrix(G, M, N), t.get(3))).params();
            return Tensor.of(w.clone()).vdot(Tensor.concatenate(List.of(z.primal(), z.eqDual(), z.ineqDual()), 0));
        };
        List<Tensor> at = List.of(Tensor.scalar(THETA), Tensor.of(C.clone()), Tensor.of(B.clone()), Tensor.of(H.clone()));
        List<Tensor> dg = Autodiff.grad(denseLoss).apply(at);
        for (boolean given : new boolean[]{false, true}) {
            OperatorOSQP<Tensor, List<Tensor>, List<Tensor>> solver = operators(given);
            SolverResult<Kkt.Point<Tensor>, OperatorBoxOSQP.State> r = solver.run(problem(at.get(0), at.get(1),
                    at.get(2), at.get(3)));
            assertTrue(r.converged(), () -> r.status() + " error " + r.error());
            double diff = QpFixtures.maxAbsDiff(flat(r.params()), ref);
            assertTrue(diff <= 1e-7, "transposes given " + given + ": off by " + diff);
            Function<List<Tensor>, Tensor> loss = t -> {
                Kkt.Point<Tensor> z = solver.run(problem(t.get(0), t.get(1), t.get(2), t.get(3))).params();
                return Tensor.of(w.clone()).vdot(Tensor.concatenate(List.of(z.primal(), z.eqDual(), z.ineqDual()), 0));
            };
            List<Tensor> g = Autodiff.grad(loss).apply(at);
            String[] names = {"θ", "c", "b", "h"};
            for (int k = 0; k < 4; k++) {
                double d = QpFixtures.maxAbsDiff(dg.get(k).toArray(), g.get(k).toArray());
                assertTrue(d <= 1e-7 * Math.max(1, QpFixtures.maxAbsDiff(dg.get(k).toArray(),
                        new double[dg.get(k).size()])), names[k] + " (transposes given " + given + "): off by " + d);
            }
            double step = 1e-6;
            double fd = (dot(w, flat(dense(THETA + step, C, B, H))) - dot(w, flat(dense(THETA - step, C, B, H))))
                    / (2 * step);
            assertEquals(fd, g.get(0).item(), 1e-6 * Math.max(1, Math.abs(fd)), "θ vs FD");
            double[] bp = B.clone();
            double[] bm = B.clone();
            bp[1] += step;
            bm[1] -= step;
            double fdb = (dot(w, flat(dense(THETA, C, bp, H))) - dot(w, flat(dense(THETA, C, bm, H)))) / (2 * step);
            assertEquals(fdb, g.get(2).toArray()[1], 1e-6 * Math.max(1, Math.abs(fdb)), "b[1] vs FD");
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The operator of a small dense matrix, transpose by reverse mode. */
    private static BiFunction<List<Tensor>, Tensor, Tensor> dense(double[][] m) {
        Tensor t = Tensor.of(m);
        return (none, x) -> t.matmul(x);
    }

    @Test
    void infeasibleAndUnboundedProblemsEndWithTheirStatus() {
        // x ≤ −1 and x ≥ 1: no feasible point.
        OperatorOSQP<List<Tensor>, List<Tensor>, List<Tensor>> infeasible = OperatorOSQP.<List<Tensor>, List<Tensor>, List<Tensor>>create(
                dense(new double[][]{{1, 0}, {0, 1}}), null, dense(new double[][]{{1, 0}, {-1, 0}})).maxiter(5000);
        Function<Tensor, OperatorOSQP.Problem<List<Tensor>, List<Tensor>, List<Tensor>>> withH =
                h -> new OperatorOSQP.Problem<>(List.of(), Tensor.of(1.0, 1.0), List.of(), null, List.of(), h);
        assertEquals(SolverStatus.PRIMAL_INFEASIBLE, infeasible.run(withH.apply(Tensor.of(-1.0, -1.0))).status());
        // min −x₂ + ½x₁² subject to x₁ ≤ 1: unbounded along x₂.
        OperatorOSQP<List<Tensor>, List<Tensor>, List<Tensor>> unbounded = OperatorOSQP.<List<Tensor>, List<Tensor>, List<Tensor>>create(
                dense(new double[][]{{1, 0}, {0, 0}}), null, dense(new double[][]{{1, 0}})).maxiter(5000);
        assertEquals(SolverStatus.DUAL_INFEASIBLE, unbounded.run(new OperatorOSQP.Problem<>(List.of(),
                Tensor.of(0.0, -1.0), List.of(), null, List.of(), Tensor.of(1.0))).status());
        // Equality-constrained infeasibility: x₁ + x₂ = 1 and x₁ + x₂ = 2.
        OperatorOSQP<List<Tensor>, List<Tensor>, List<Tensor>> inconsistent = OperatorOSQP.<List<Tensor>, List<Tensor>, List<Tensor>>create(
                dense(new double[][]{{1, 0}, {0, 1}}), dense(new double[][]{{1, 1}, {1, 1}}), null).maxiter(5000);
        assertEquals(SolverStatus.PRIMAL_INFEASIBLE, inconsistent.run(new OperatorOSQP.Problem<>(List.of(),
                Tensor.of(0.0, 0.0), List.of(), Tensor.of(1.0, 2.0), List.of(), null)).status());
        // No derivative from an infeasible run.
        assertThrows(dev.argdiff.implicit.ImplicitDiffException.class, () -> Autodiff.grad((Tensor h) ->
                infeasible.run(withH.apply(h)).params().primal().sum()).apply(Tensor.of(-1.0, -1.0)));
    }

    @Test
    void refusesMismatchedDataAndBadOperatorsByName() {
        OperatorOSQP<Tensor, List<Tensor>, List<Tensor>> solver = operators(false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> solver.run(problem(
                Tensor.scalar(THETA), Tensor.of(C.clone()), null, Tensor.of(H.clone()))));
        assertTrue(e.getMessage().contains("b must be given"), e.getMessage());
        Tensor g = QpFixtures.matrix(G, M, N);
        OperatorOSQP<Tensor, List<Tensor>, List<Tensor>> bad = OperatorOSQP.create((Tensor t, Tensor x) -> x,
                (List<Tensor> none, Tensor x) -> x.slice(0, 0, P), (List<Tensor> none, Tensor x) -> g.matmul(x).slice(0, 0, M - 1));
        e = assertThrows(IllegalArgumentException.class, () -> bad.run(problem(Tensor.scalar(THETA), Tensor.of(C.clone()),
                Tensor.of(B.clone()), Tensor.of(H.clone()))));
        assertTrue(e.getMessage().contains("matvecG") && e.getMessage().contains("[20]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OperatorOSQP.create((Tensor t, Tensor x) -> x, null, null));
        assertTrue(e.getMessage().contains("matvecA and matvecG"), e.getMessage());
    }
}
