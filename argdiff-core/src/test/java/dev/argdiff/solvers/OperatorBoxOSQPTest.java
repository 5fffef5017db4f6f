package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BoxOSQP with Q and A as operators: the same solution and derivatives as the dense BoxOSQP on a
 * random QP, both against central finite differences of re-solved dense problems; a 20000-variable
 * banded problem solved by products only (checked by its KKT conditions and by the memory its run
 * allocates); bad operators refused by name; warm start.
 */
class OperatorBoxOSQPTest {

    private static final int N = 30;
    private static final int M = 20;

    /** A random QP: Q(θ) = Q0 + θI, A(φ) = A0 + φE, one equality row, one row with no upper bound. */
    private record Qp(double[] q0, double[] a0, double[] e, double[] c, double[] l, double[] u) {
        static Qp random() {
            Random rnd = new Random(2020);
            double[] q0 = QpFixtures.spd(rnd, N, 1.0);
            double[] a0 = QpFixtures.gaussian(rnd, M * N);
            double[] e = QpFixtures.gaussian(rnd, M * N);
            double[] c = QpFixtures.gaussian(rnd, N);
            for (int j = 0; j < N; j++) {
                c[j] *= 2;
            }
            double[] l = new double[M];
            double[] u = new double[M];
            for (int i = 0; i < M; i++) {
                u[i] = 1 + 2 * rnd.nextDouble();
                l[i] = -1 - 2 * rnd.nextDouble();
            }
            l[0] = u[0] = 0.3;
            u[1] = Double.POSITIVE_INFINITY;
            return new Qp(q0, a0, e, c, l, u);
        }

        BoxOSQP.Problem dense(double theta, double phi, double[] c, double[] l, double[] u) {
            Tensor q = QpFixtures.matrix(q0, N, N).add(Tensor.eye(N).mul(theta));
            Tensor a = QpFixtures.matrix(a0, M, N).add(QpFixtures.matrix(e, M, N).mul(phi));
            return new BoxOSQP.Problem(q, Tensor.of(c.clone()), a, Tensor.of(l.clone()), Tensor.of(u.clone()));
        }
    }

    private static final double THETA = 0.3;
    private static final double PHI = 0.1;

    /** Products of Q(θ) and A(φ) written with tensor operations on θ, φ (0-d tensors). */
    private static BiFunction<Tensor, Tensor, Tensor> matvecQ(Qp qp) {
        Tensor q0 = QpFixtures.matrix(qp.q0, N, N);
        return (theta, x) -> q0.matmul(x).add(x.mul(theta));
    }

    private static BiFunction<Tensor, Tensor, Tensor> matvecA(Qp qp) {
        Tensor a0 = QpFixtures.matrix(qp.a0, M, N);
        Tensor e = QpFixtures.matrix(qp.e, M, N);
        return (phi, x) -> a0.matmul(x).add(e.matmul(x).mul(phi));
    }

    private static BiFunction<Tensor, Tensor, Tensor> rmatvecA(Qp qp) {
        Tensor a0 = QpFixtures.matrix(qp.a0, M, N);
        Tensor e = QpFixtures.matrix(qp.e, M, N);
        return (phi, y) -> a0.transposeMatmul(y).add(e.transposeMatmul(y).mul(phi));
    }

    private static final BoxOSQP DENSE = BoxOSQP.create().tol(1e-12).maxiter(10_000);

    private static OperatorBoxOSQP<Tensor, Tensor> operators(Qp qp, boolean givenTranspose) {
        OperatorBoxOSQP<Tensor, Tensor> s = givenTranspose ? OperatorBoxOSQP.create(matvecQ(qp), matvecA(qp), rmatvecA(qp))
                : OperatorBoxOSQP.create(matvecQ(qp), matvecA(qp));
        return s.tol(1e-11).maxiter(20_000);
    }

    private static OperatorBoxOSQP.Problem<Tensor, Tensor> problem(Qp qp) {
        return new OperatorBoxOSQP.Problem<>(Tensor.scalar(THETA), Tensor.of(qp.c.clone()), Tensor.scalar(PHI),
                Tensor.of(qp.l.clone()), Tensor.of(qp.u.clone()));
    }

    private static double[] flat(BoxOSQP.Point p) {
        double[] out = new double[N + M];
        System.arraycopy(p.x().toArray(), 0, out, 0, N);
        System.arraycopy(p.y().toArray(), 0, out, N, M);
        return out;
    }

    @Test
    void sameSolutionAsTheDenseForm() {
        Qp qp = Qp.random();
        SolverResult<BoxOSQP.Point, BoxOSQP.State> dense = DENSE.run(qp.dense(THETA, PHI, qp.c, qp.l, qp.u));
        assertTrue(dense.converged(), () -> "dense " + dense.status());
        double[] ref = flat(dense.params());
        int active = 0;
        for (int i = 0; i < M; i++) {
            active += Math.abs(ref[N + i]) > 1e-6 ? 1 : 0;
        }
        assertTrue(active >= 3 && active <= 12, "a QP with several active and inactive constraints: " + active);
        for (boolean given : new boolean[]{false, true}) {
            SolverResult<BoxOSQP.Point, OperatorBoxOSQP.State> r = operators(qp, given).run(problem(qp));
            assertTrue(r.converged(), () -> "operators " + r.status() + " error " + r.error());
            double diff = QpFixtures.maxAbsDiff(flat(r.params()), ref);
            assertTrue(diff <= 1e-7, "transpose given " + given + ": off by " + diff);
        }
    }

    /** w·(x, y) of the dense solution, re-solved. */
    private static double denseLoss(Qp qp, double[] w, double theta, double phi, double[] c, double[] l, double[] u) {
        return dot(w, flat(DENSE.run(qp.dense(theta, phi, c, l, u)).params()));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void derivativesMatchTheDenseFormAndFiniteDifferences() {
        Qp qp = Qp.random();
        double[] w = QpFixtures.gaussian(new Random(5), N + M);
        for (boolean given : new boolean[]{false, true}) {
            OperatorBoxOSQP<Tensor, Tensor> solver = operators(qp, given);
            Function<OperatorBoxOSQP.Problem<Tensor, Tensor>, Tensor> loss = p -> {
                BoxOSQP.Point z = solver.run(p).params();
                return Tensor.of(w.clone()).vdot(Tensor.concatenate(List.of(z.x(), z.y()), 0));
            };
            OperatorBoxOSQP.Problem<Tensor, Tensor> g = Autodiff.grad(loss).apply(problem(qp));
            // The dense form's implicit gradient, θ and φ entering through Q0 + θI and A0 + φE.
            Function<List<Tensor>, Tensor> denseLoss = t -> {
                Tensor q = QpFixtures.matrix(qp.q0, N, N).add(Tensor.eye(N).mul(t.get(0)));
                Tensor a = QpFixtures.matrix(qp.a0, M, N).add(QpFixtures.matrix(qp.e, M, N).mul(t.get(1)));
                BoxOSQP.Point z = DENSE.run(new BoxOSQP.Problem(q, t.get(2), a, t.get(3), t.get(4))).params();
                return Tensor.of(w.clone()).vdot(Tensor.concatenate(List.of(z.x(), z.y()), 0));
            };
            List<Tensor> dg = Autodiff.grad(denseLoss).apply(List.of(Tensor.scalar(THETA), Tensor.scalar(PHI),
                    Tensor.of(qp.c.clone()), Tensor.of(qp.l.clone()), Tensor.of(qp.u.clone())));
            String tag = given ? " (transpose given)" : " (transpose by reverse mode)";
            // Forward mode along θ gives the same number as reverse mode.
            double forward = Autodiff.jvp(loss, problem(qp), new OperatorBoxOSQP.Problem<>(Tensor.scalar(1.0),
                    Tensor.zeros(N), Tensor.scalar(0.0), Tensor.zeros(M), Tensor.zeros(M))).tangent().item();
            assertEquals(g.paramsQ().item(), forward, 1e-8 * Math.max(1, Math.abs(forward)), "θ forward" + tag);
            assertEquals(dg.get(0).item(), g.paramsQ().item(), 1e-7 * Math.max(1, Math.abs(dg.get(0).item())), "θ" + tag);
            assertEquals(dg.get(1).item(), g.paramsA().item(), 1e-7 * Math.max(1, Math.abs(dg.get(1).item())), "φ" + tag);
            assertTrue(QpFixtures.maxAbsDiff(dg.get(2).toArray(), g.c().toArray()) <= 1e-7, "c" + tag);
            assertTrue(QpFixtures.maxAbsDiff(dg.get(3).toArray(), g.lower().toArray()) <= 1e-7, "lower" + tag);
            assertTrue(QpFixtures.maxAbsDiff(dg.get(4).toArray(), g.upper().toArray()) <= 1e-7, "upper" + tag);
            // Both against central differences of re-solved dense problems.
            double h = 1e-6;
            double fdTheta = (denseLoss(qp, w, THETA + h, PHI, qp.c, qp.l, qp.u)
                    - denseLoss(qp, w, THETA - h, PHI, qp.c, qp.l, qp.u)) / (2 * h);
            double fdPhi = (denseLoss(qp, w, THETA, PHI + h, qp.c, qp.l, qp.u)
                    - denseLoss(qp, w, THETA, PHI - h, qp.c, qp.l, qp.u)) / (2 * h);
            assertEquals(fdTheta, g.paramsQ().item(), 1e-6 * Math.max(1, Math.abs(fdTheta)), "θ vs FD" + tag);
            assertEquals(fdPhi, g.paramsA().item(), 1e-6 * Math.max(1, Math.abs(fdPhi)), "φ vs FD" + tag);
            if (given) {
                continue;
            }
            double[] gc = g.c().toArray();
            double[] gl = g.lower().toArray();
            double[] gu = g.upper().toArray();
            for (int j = 0; j < N; j += 3) {
                double[] cp = qp.c.clone();
                double[] cm = qp.c.clone();
                cp[j] += h;
                cm[j] -= h;
                double fd = (denseLoss(qp, w, THETA, PHI, cp, qp.l, qp.u) - denseLoss(qp, w, THETA, PHI, cm, qp.l, qp.u))
                        / (2 * h);
                assertEquals(fd, gc[j], 1e-6 * Math.max(1, Math.abs(fd)), "c[" + j + "] vs FD");
            }
            for (int i = 0; i < M; i++) {
                // Equality row 0 moves both bounds together; its derivative is split between them.
                double[] lp = qp.l.clone();
                double[] lm = qp.l.clone();
                double[] up = qp.u.clone();
                double[] um = qp.u.clone();
                if (i == 0) {
                    lp[0] += h;
                    up[0] += h;
                    lm[0] -= h;
                    um[0] -= h;
                    double fd = (denseLoss(qp, w, THETA, PHI, qp.c, lp, up) - denseLoss(qp, w, THETA, PHI, qp.c, lm, um))
                            / (2 * h);
                    assertEquals(fd, gl[0] + gu[0], 1e-6 * Math.max(1, Math.abs(fd)), "equality row vs FD");
                    continue;
                }
                lp[i] += h;
                lm[i] -= h;
                double fdl = (denseLoss(qp, w, THETA, PHI, qp.c, lp, qp.u) - denseLoss(qp, w, THETA, PHI, qp.c, lm, qp.u))
                        / (2 * h);
                assertEquals(fdl, gl[i], 1e-6 * Math.max(1, Math.abs(fdl)), "lower[" + i + "] vs FD");
                if (Double.isFinite(qp.u[i])) {
                    up[i] += h;
                    um[i] -= h;
                    double fdu = (denseLoss(qp, w, THETA, PHI, qp.c, qp.l, up)
                            - denseLoss(qp, w, THETA, PHI, qp.c, qp.l, um)) / (2 * h);
                    assertEquals(fdu, gu[i], 1e-6 * Math.max(1, Math.abs(fdu)), "upper[" + i + "] vs FD");
                }
            }
        }
    }

    @Test
    void threadsSharingASolverGetTheirOwnProblemsSolutions() throws Exception {
        Qp qp = Qp.random();
        OperatorBoxOSQP<Tensor, Tensor> solver = operators(qp, false).tol(1e-9);
        double[] c2 = qp.c.clone();
        for (int j = 0; j < N; j++) {
            c2[j] = -c2[j];
        }
        OperatorBoxOSQP.Problem<Tensor, Tensor> other = new OperatorBoxOSQP.Problem<>(Tensor.scalar(THETA),
                Tensor.of(c2), Tensor.scalar(PHI), Tensor.of(qp.l.clone()), Tensor.of(qp.u.clone()));
        double[] first = flat(solver.run(problem(qp)).params());
        double[] second = flat(solver.run(other).params());
        assertTrue(QpFixtures.maxAbsDiff(first, second) > 0.1, "two different problems");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<double[]>> runs = new java.util.ArrayList<>();
            for (int k = 0; k < 6; k++) {
                boolean even = k % 2 == 0;
                runs.add(pool.submit(() -> flat(solver.run(even ? problem(qp) : other).params())));
            }
            for (int k = 0; k < runs.size(); k++) {
                double[] expected = k % 2 == 0 ? first : second;
                assertEquals(0.0, QpFixtures.maxAbsDiff(runs.get(k).get(), expected), "run " + k);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aMutableParameterTreeChangedBetweenRunsIsReadAgain() {
        // φ in a list the caller changes between two runs of one problem object: the transpose by reverse mode,
        // recorded once per run, must be recorded again.
        Qp qp = Qp.random();
        BiFunction<Tensor, Tensor, Tensor> a = matvecA(qp);
        OperatorBoxOSQP<Tensor, List<Tensor>> implicit = OperatorBoxOSQP.<Tensor, List<Tensor>>create(matvecQ(qp),
                (ps, x) -> a.apply(ps.get(0), x)).tol(1e-10).maxiter(20_000);
        // Without implicit differentiation the loop receives the caller's very problem object.
        for (OperatorBoxOSQP<Tensor, List<Tensor>> solver : List.of(implicit, implicit.implicitDiff(false))) {
            List<Tensor> phi = new java.util.ArrayList<>(List.of(Tensor.scalar(PHI)));
            OperatorBoxOSQP.Problem<Tensor, List<Tensor>> p = new OperatorBoxOSQP.Problem<>(Tensor.scalar(THETA),
                    Tensor.of(qp.c.clone()), phi, Tensor.of(qp.l.clone()), Tensor.of(qp.u.clone()));
            double[] first = flat(solver.run(p).params());
            phi.set(0, Tensor.scalar(-0.4));
            double[] second = flat(solver.run(p).params());
            double[] reference = flat(DENSE.run(qp.dense(THETA, -0.4, qp.c, qp.l, qp.u)).params());
            assertTrue(QpFixtures.maxAbsDiff(first, second) > 1e-2, "the change of φ is seen");
            assertTrue(QpFixtures.maxAbsDiff(second, reference) <= 1e-7, "off by "
                    + QpFixtures.maxAbsDiff(second, reference));
        }
    }

    @Test
    void aParameterCapturedByTheProductsIsDifferentiatedLikeAnExplicitOne() {
        Qp qp = Qp.random();
        double[] w = QpFixtures.gaussian(new Random(8), N + M);
        Tensor q0 = QpFixtures.matrix(qp.q0, N, N);
        BiFunction<Tensor, Tensor, Tensor> a = matvecA(qp);
        // θ and φ read from the enclosing scope (closures), not passed as parameters.
        Function<List<Tensor>, Tensor> captured = t -> {
            OperatorBoxOSQP<List<Tensor>, List<Tensor>> solver = OperatorBoxOSQP.<List<Tensor>, List<Tensor>>create(
                    (none, x) -> q0.matmul(x).add(x.mul(t.get(0))), (none, x) -> a.apply(t.get(1), x))
                    .tol(1e-11).maxiter(20_000);
            BoxOSQP.Point z = solver.run(new OperatorBoxOSQP.Problem<>(List.of(), Tensor.of(qp.c.clone()), List.of(),
                    Tensor.of(qp.l.clone()), Tensor.of(qp.u.clone()))).params();
            return Tensor.of(w.clone()).vdot(Tensor.concatenate(List.of(z.x(), z.y()), 0));
        };
        List<Tensor> gc = Autodiff.grad(captured).apply(List.of(Tensor.scalar(THETA), Tensor.scalar(PHI)));
        OperatorBoxOSQP<Tensor, Tensor> explicit = operators(qp, false);
        OperatorBoxOSQP.Problem<Tensor, Tensor> ge = Autodiff.grad((OperatorBoxOSQP.Problem<Tensor, Tensor> p) -> {
            BoxOSQP.Point z = explicit.run(p).params();
            return Tensor.of(w.clone()).vdot(Tensor.concatenate(List.of(z.x(), z.y()), 0));
        }).apply(problem(qp));
        assertTrue(Math.abs(ge.paramsQ().item()) > 1e-3 && Math.abs(ge.paramsA().item()) > 1e-3, "nonzero gradients");
        assertEquals(ge.paramsQ().item(), gc.get(0).item(), 1e-8 * Math.max(1, Math.abs(ge.paramsQ().item())), "θ");
        assertEquals(ge.paramsA().item(), gc.get(1).item(), 1e-8 * Math.max(1, Math.abs(ge.paramsA().item())), "φ");
    }

    @Test
    void warmStartReducesIterations() {
        Qp qp = Qp.random();
        OperatorBoxOSQP<Tensor, Tensor> solver = operators(qp, false).tol(1e-9);
        SolverResult<BoxOSQP.Point, OperatorBoxOSQP.State> cold = solver.run(problem(qp));
        assertTrue(cold.converged());
        // Warm start from the solution of a nearby problem (c perturbed by 1%).
        double[] c2 = qp.c.clone();
        for (int j = 0; j < N; j++) {
            c2[j] *= 1.01;
        }
        OperatorBoxOSQP.Problem<Tensor, Tensor> near = new OperatorBoxOSQP.Problem<>(Tensor.scalar(THETA),
                Tensor.of(c2), Tensor.scalar(PHI), Tensor.of(qp.l.clone()), Tensor.of(qp.u.clone()));
        SolverResult<BoxOSQP.Point, OperatorBoxOSQP.State> coldNear = solver.run(near);
        SolverResult<BoxOSQP.Point, OperatorBoxOSQP.State> warmNear = solver.run(cold.params(), near);
        assertTrue(coldNear.converged() && warmNear.converged());
        assertTrue(warmNear.iterations() < coldNear.iterations(),
                () -> "warm " + warmNear.iterations() + " vs cold " + coldNear.iterations());
        assertTrue(warmNear.state().cgIterations() < coldNear.state().cgIterations(),
                () -> "CG steps warm " + warmNear.state().cgIterations() + " vs cold " + coldNear.state().cgIterations());
        assertTrue(QpFixtures.maxAbsDiff(flat(warmNear.params()), flat(coldNear.params())) <= 1e-6);
    }

    @Test
    void badOperatorsAreRefusedByName() {
        Qp qp = Qp.random();
        OperatorBoxOSQP.Problem<Tensor, Tensor> p = problem(qp);
        BiFunction<Tensor, Tensor, Tensor> q = matvecQ(qp);
        BiFunction<Tensor, Tensor, Tensor> a = matvecA(qp);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(
                (t, x) -> Tensor.concatenate(List.of(q.apply(t, x), Tensor.zeros(1)), 0), a).run(p));
        assertTrue(e.getMessage().contains("matvecQ") && e.getMessage().contains("[30]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(q,
                (t, x) -> a.apply(t, x).mul(Double.NaN)).run(p));
        assertTrue(e.getMessage().contains("matvecA") && e.getMessage().contains("non-finite"), e.getMessage());
        // NaN only once the iterate leaves a neighbourhood of 0: caught during the run, by name.
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(
                (t, x) -> x.concrete().abs().max().item() > 1.5 ? x.mul(Double.NaN) : q.apply(t, x), a).run(p));
        assertTrue(e.getMessage().contains("matvecQ") && e.getMessage().contains("non-finite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(q,
                (t, x) -> a.apply(t, x).slice(0, 0, M - 1)).run(p));
        assertTrue(e.getMessage().contains("matvecA") && e.getMessage().contains("[20]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(q, a,
                (t, y) -> rmatvecA(qp).apply(t, y).mul(1.5)).run(p));
        assertTrue(e.getMessage().contains("rmatvecA"), e.getMessage());
        Tensor skew = QpFixtures.matrix(QpFixtures.gaussian(new Random(3), N * N), N, N);
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(
                (t, x) -> q.apply(t, x).add(skew.matmul(x)), a).run(p));
        assertTrue(e.getMessage().contains("matvecQ is not symmetric"), e.getMessage());
        // Q = −I is symmetric but not positive semidefinite: conjugate gradients finds it.
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(
                (t, x) -> x.mul(-1.0), a).run(p));
        assertTrue(e.getMessage().contains("positive semidefinite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.<Tensor, Tensor>create(q,
                (t, x) -> a.apply(t, x).add(1.0)).run(p));
        assertTrue(e.getMessage().contains("matvecA is not linear"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OperatorBoxOSQP.create(null, a));
        assertTrue(e.getMessage().contains("matvecQ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> operators(qp, false).run(
                new OperatorBoxOSQP.Problem<>(Tensor.scalar(THETA), Tensor.of(qp.c.clone()), Tensor.scalar(PHI),
                        Tensor.of(qp.l.clone()), Tensor.zeros(M + 1))));
        assertTrue(e.getMessage().contains("upper"), e.getMessage());
    }

    @Test
    void unrollingIsRefusedNamingImplicitDifferentiation() {
        Qp qp = Qp.random();
        OperatorBoxOSQP<Tensor, Tensor> unrolled = operators(qp, false).implicitDiff(false).maxiter(50);
        // A concrete run without implicit differentiation is fine; differentiating it is not.
        assertEquals(50, unrolled.tol(0).run(problem(qp)).iterations());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autodiff.grad((Tensor c) ->
                unrolled.run(new OperatorBoxOSQP.Problem<>(Tensor.scalar(THETA), c, Tensor.scalar(PHI),
                        Tensor.of(qp.l.clone()), Tensor.of(qp.u.clone()))).params().x().sum()).apply(Tensor.of(qp.c.clone())));
        assertTrue(e.getMessage().contains("implicit differentiation"), e.getMessage());
    }

    /**
     * n = 20000: Q = tridiag(−1, 2 + θ, −1), A the forward difference (m = n − 1) with |Ax| ≤ 0.02; a
     * dense Q would take n²·8 B = 3.2 GB. The solution is checked by the KKT conditions computed here
     * in plain loops, and the run by the memory it allocates between two products.
     */
    @Test
    void largeBandedProblemSolvesByProductsOnly() {
        int n = 20_000;
        int m = n - 1;
        BiFunction<Tensor, Tensor, Tensor> tridiagonal = (theta, x) -> {
            Tensor z = Tensor.zeros(1);
            Tensor up = Tensor.concatenate(List.of(x.slice(0, 1, n), z), 0);
            Tensor down = Tensor.concatenate(List.of(z, x.slice(0, 0, n - 1)), 0);
            return x.mul(theta.add(2.0)).sub(up).sub(down);
        };
        BiFunction<List<Tensor>, Tensor, Tensor> difference = (none, x) -> x.slice(0, 1, n).sub(x.slice(0, 0, n - 1));
        BiFunction<List<Tensor>, Tensor, Tensor> differenceT = (none, y) -> {
            Tensor z = Tensor.zeros(1);
            return Tensor.concatenate(List.of(z, y), 0).sub(Tensor.concatenate(List.of(y, z), 0));
        };
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long[] last = {threads.getThreadAllocatedBytes(thread)};
        long[] maxBetween = {0};
        int[] products = {0};
        BiFunction<Tensor, Tensor, Tensor> watchedQ = (theta, x) -> {
            long now = threads.getThreadAllocatedBytes(thread);
            maxBetween[0] = Math.max(maxBetween[0], now - last[0]);
            products[0]++;
            assertEquals(1, x.rank(), "Q is only ever applied to a vector");
            Tensor out = tridiagonal.apply(theta, x);
            last[0] = threads.getThreadAllocatedBytes(thread);
            return out;
        };
        double[] c = new double[n];
        for (int j = 0; j < n; j++) {
            c[j] = Math.sin(0.01 * j) + 0.3 * Math.sin(0.37 * j);
        }
        double[] l = new double[m];
        double[] u = new double[m];
        java.util.Arrays.fill(l, -0.02);
        java.util.Arrays.fill(u, 0.02);
        Tensor theta = Tensor.scalar(0.5);
        OperatorBoxOSQP<Tensor, List<Tensor>> solver = OperatorBoxOSQP.create(watchedQ, difference, differenceT)
                .tol(1e-6).maxiter(2000);
        SolverResult<BoxOSQP.Point, OperatorBoxOSQP.State> r = solver.run(new OperatorBoxOSQP.Problem<>(theta,
                Tensor.of(c), List.of(), Tensor.of(l), Tensor.of(u)));
        long after = threads.getThreadAllocatedBytes(thread);
        maxBetween[0] = Math.max(maxBetween[0], after - last[0]);
        assertTrue(r.converged(), () -> r.status() + " error " + r.error() + " after " + r.iterations());
        long dense = 8L * n * n;
        assertTrue(maxBetween[0] < dense / 50, "at most " + maxBetween[0] + " bytes allocated between two products of Q");
        assertTrue(products[0] > r.iterations(), "Q applied by products: " + products[0]);
        // KKT conditions in plain loops: stationarity, feasibility, multiplier signs and complementarity.
        double[] x = r.params().x().toArray();
        double[] y = r.params().y().toArray();
        double stat = 0;
        for (int j = 0; j < n; j++) {
            double qx = 2.5 * x[j] - (j + 1 < n ? x[j + 1] : 0) - (j > 0 ? x[j - 1] : 0);
            double aty = (j > 0 ? y[j - 1] : 0) - (j < m ? y[j] : 0);
            stat = Math.max(stat, Math.abs(qx + c[j] + aty));
        }
        assertTrue(stat <= 1e-4, "stationarity " + stat);
        int active = 0;
        for (int i = 0; i < m; i++) {
            double ax = x[i + 1] - x[i];
            assertTrue(ax >= l[i] - 1e-5 && ax <= u[i] + 1e-5, "row " + i + ": " + ax);
            if (y[i] > 1e-5) {
                assertEquals(u[i], ax, 1e-5, "row " + i + " upper multiplier " + y[i]);
                active++;
            } else if (y[i] < -1e-5) {
                assertEquals(l[i], ax, 1e-5, "row " + i + " lower multiplier " + y[i]);
                active++;
            }
        }
        assertTrue(active > 100 && active < m - 100, "active constraints: " + active);
    }
}
