package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OSQP and BoxOSQP against exhaustive active-set enumeration, BoxCDQP and ProjectedGradient on
 * small random QPs; derivatives in every datum against closed forms and central finite
 * differences of re-solved problems on a QP whose active set is fixed by construction;
 * infeasible and unbounded problems end with their status.
 */
class OSQPTest {

    private static final int N = 6;
    private static final int P = 1;
    private static final int M = 5;
    /** Inequalities 0, 2 and 3 active with multipliers in [0.5, 1.5]; 1 and 4 inactive with slack ≥ 0.5. */
    private static final boolean[] ACTIVE = {true, false, true, true, false};

    private record Qp(double[] q, double[] c, double[] a, double[] b, double[] g, double[] h, double[] x,
                      double[] nu, double[] lambda) {
        OSQP.Problem problem() {
            return new OSQP.Problem(QpFixtures.matrix(q, N, N), Tensor.of(c.clone()), QpFixtures.matrix(a, P, N),
                    Tensor.of(b.clone()), QpFixtures.matrix(g, M, N), Tensor.of(h.clone()));
        }
    }

    private static Qp constructed() {
        Random rnd = new Random(17);
        double[] q = QpFixtures.spd(rnd, N, 0.2);
        double[] a = QpFixtures.gaussian(rnd, P * N);
        double[] g = QpFixtures.gaussian(rnd, M * N);
        double[] x = QpFixtures.gaussian(rnd, N);
        double[] nu = QpFixtures.gaussian(rnd, P);
        double[] lambda = new double[M];
        double[] h = QpFixtures.matvec(g, M, N, x);
        for (int i = 0; i < M; i++) {
            if (ACTIVE[i]) {
                lambda[i] = 0.5 + rnd.nextDouble();
            } else {
                h[i] += 0.5 + rnd.nextDouble();
            }
        }
        double[] b = QpFixtures.matvec(a, P, N, x);
        double[] c = QpFixtures.matvec(q, N, N, x);
        double[] atnu = transposeTimes(a, P, N, nu);
        double[] gtl = transposeTimes(g, M, N, lambda);
        for (int j = 0; j < N; j++) {
            c[j] = -(c[j] + atnu[j] + gtl[j]);
        }
        return new Qp(q, c, a, b, g, h, x, nu, lambda);
    }

    private static double[] transposeTimes(double[] a, int rows, int cols, double[] y) {
        double[] out = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j] += a[i * cols + j] * y[i];
            }
        }
        return out;
    }

    /** The solution with the constructed active set imposed as equalities: (x, ν, λ) by plain elimination. */
    private static double[] reference(double[] q, double[] c, double[] a, double[] b, double[] g, double[] h) {
        int k = 0;
        for (boolean act : ACTIVE) {
            k += act ? 1 : 0;
        }
        double[] rows = new double[(P + k) * N];
        double[] rhs = new double[P + k];
        System.arraycopy(a, 0, rows, 0, P * N);
        System.arraycopy(b, 0, rhs, 0, P);
        int r = P;
        for (int i = 0; i < M; i++) {
            if (ACTIVE[i]) {
                System.arraycopy(g, i * N, rows, r * N, N);
                rhs[r++] = h[i];
            }
        }
        double[] z = QpFixtures.equalityQp(q, c, rows, rhs, N, P + k);
        double[] out = new double[N + P + M];
        System.arraycopy(z, 0, out, 0, N + P);
        r = N + P;
        for (int i = 0; i < M; i++) {
            out[N + P + i] = ACTIVE[i] ? z[r++] : 0;
        }
        return out;
    }

    private static double[] flat(Kkt.Point<Tensor> z) {
        double[] out = new double[N + P + M];
        System.arraycopy(z.primal().toArray(), 0, out, 0, N);
        System.arraycopy(z.eqDual().toArray(), 0, out, N, P);
        System.arraycopy(z.ineqDual().toArray(), 0, out, N + P, M);
        return out;
    }

    private static final OSQP SOLVER = OSQP.create().tol(1e-12).maxiter(4000);

    @Test
    void findsTheConstructedKktPoint() {
        Qp qp = constructed();
        SolverResult<Kkt.Point<Tensor>, OSQP.State> r = SOLVER.run(qp.problem());
        assertTrue(r.converged(), () -> r.status() + " error " + r.error());
        double[] expected = new double[N + P + M];
        System.arraycopy(qp.x, 0, expected, 0, N);
        System.arraycopy(qp.nu, 0, expected, N, P);
        System.arraycopy(qp.lambda, 0, expected, N + P, M);
        assertTrue(QpFixtures.maxAbsDiff(flat(r.params()), expected) <= 1e-10,
                () -> "off by " + QpFixtures.maxAbsDiff(flat(r.params()), expected));
        assertTrue(r.state().inner().polished(), "polished");
    }

    @Test
    void jacobianInCMatchesTheClosedForm() {
        Qp qp = constructed();
        // dx/dc = −[K_S⁻¹]_xx with K_S the KKT matrix of the equality rows and active inequalities.
        double[] rows = new double[4 * N];
        System.arraycopy(qp.a, 0, rows, 0, N);
        int r = 1;
        for (int i = 0; i < M; i++) {
            if (ACTIVE[i]) {
                System.arraycopy(qp.g, i * N, rows, r++ * N, N);
            }
        }
        double[][] k = QpFixtures.kkt(qp.q, rows, N, 4);
        double[][] id = new double[N + 4][N];
        for (int i = 0; i < N; i++) {
            id[i][i] = 1;
        }
        double[][] inv = PlainLinearAlgebra.solve(k, id);
        Function<Tensor, Tensor> x = c -> SOLVER.run(new OSQP.Problem(QpFixtures.matrix(qp.q, N, N), c,
                QpFixtures.matrix(qp.a, P, N), Tensor.of(qp.b.clone()), QpFixtures.matrix(qp.g, M, N),
                Tensor.of(qp.h.clone()))).params().primal();
        double[] fwd = Autodiff.jacfwd(x).apply(Tensor.of(qp.c.clone())).toArray();
        double[] rev = Autodiff.jacrev(x).apply(Tensor.of(qp.c.clone())).toArray();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(-inv[i][j], fwd[i * N + j], 1e-9, "forward " + i + ", " + j);
                assertEquals(-inv[i][j], rev[i * N + j], 1e-9, "reverse " + i + ", " + j);
            }
        }
    }

    @Test
    void anInfiniteRightHandSideIsNoConstraint() {
        // h = +∞ on the two inactive rows: the same solution and derivatives as the problem without them
        // (the residual used to hold 0·∞ = NaN there, so the derivative was refused).
        Qp qp = constructed();
        int kept = 3;
        double[] gKept = new double[kept * N];
        double[] hKept = new double[kept];
        double[] hInf = qp.h.clone();
        for (int i = 0, r = 0; i < M; i++) {
            if (ACTIVE[i]) {
                System.arraycopy(qp.g, i * N, gKept, r * N, N);
                hKept[r++] = qp.h[i];
            } else {
                hInf[i] = Double.POSITIVE_INFINITY;
            }
        }
        Function<Tensor, Tensor> withInf = c -> SOLVER.run(new OSQP.Problem(QpFixtures.matrix(qp.q, N, N), c,
                QpFixtures.matrix(qp.a, P, N), Tensor.of(qp.b.clone()), QpFixtures.matrix(qp.g, M, N),
                Tensor.of(hInf.clone()))).params().primal();
        Function<Tensor, Tensor> without = c -> SOLVER.run(new OSQP.Problem(QpFixtures.matrix(qp.q, N, N), c,
                QpFixtures.matrix(qp.a, P, N), Tensor.of(qp.b.clone()), QpFixtures.matrix(gKept, kept, N),
                Tensor.of(hKept))).params().primal();
        Tensor c0 = Tensor.of(qp.c.clone());
        SolverResult<Kkt.Point<Tensor>, ?> r = SOLVER.run(new OSQP.Problem(QpFixtures.matrix(qp.q, N, N), c0,
                QpFixtures.matrix(qp.a, P, N), Tensor.of(qp.b.clone()), QpFixtures.matrix(qp.g, M, N),
                Tensor.of(hInf.clone())));
        assertTrue(r.converged(), () -> "status " + r.status() + ", error " + r.state().error());
        assertTrue(QpFixtures.maxAbsDiff(withInf.apply(c0).toArray(), qp.x) <= 1e-8);
        double[] expected = Autodiff.jacrev(without).apply(c0).toArray();
        assertTrue(QpFixtures.maxAbsDiff(Autodiff.jacfwd(withInf).apply(c0).toArray(), expected) <= 1e-9);
        assertTrue(QpFixtures.maxAbsDiff(Autodiff.jacrev(withInf).apply(c0).toArray(), expected) <= 1e-9);
        Tensor hGrad = Autodiff.grad((Tensor h) -> SOLVER.run(new OSQP.Problem(QpFixtures.matrix(qp.q, N, N), c0,
                QpFixtures.matrix(qp.a, P, N), Tensor.of(qp.b.clone()), QpFixtures.matrix(qp.g, M, N), h))
                .params().primal().sum()).apply(Tensor.of(hInf.clone()));
        for (int i = 0; i < M; i++) {
            double gi = hGrad.toArray()[i];
            assertTrue(Double.isFinite(gi) && (ACTIVE[i] || gi == 0), "h gradient row " + i + ": " + gi);
        }
    }

    @Test
    void gradientInEveryDatumMatchesFiniteDifferencesOfResolvedProblems() {
        Qp qp = constructed();
        double[] w = QpFixtures.gaussian(new Random(9), N + P + M);
        Function<OSQP.Problem, Tensor> loss = pr -> Tensor.of(w.clone()).vdot(flatTensor(SOLVER.run(pr).params()));
        OSQP.Problem g = Autodiff.grad(loss).apply(qp.problem());
        double[][] data = {qp.q, qp.c, qp.a, qp.b, qp.g, qp.h};
        double[][] grads = {g.q().toArray(), g.c().toArray(), g.a().toArray(), g.b().toArray(), g.g().toArray(),
                g.h().toArray()};
        double step = 1e-6;
        for (int d = 0; d < data.length; d++) {
            for (int i = 0; i < data[d].length; i++) {
                if (d == 0 && i / N > i % N) {
                    continue;
                }
                double[][] plus = copy(data);
                double[][] minus = copy(data);
                bump(plus, d, i, step);
                bump(minus, d, i, -step);
                double fd = (dot(w, reference(plus[0], plus[1], plus[2], plus[3], plus[4], plus[5]))
                        - dot(w, reference(minus[0], minus[1], minus[2], minus[3], minus[4], minus[5]))) / (2 * step);
                double implicit = grads[d][i] + (d == 0 && i / N != i % N ? grads[0][(i % N) * N + i / N] : 0);
                assertEquals(fd, implicit, 1e-6 * Math.max(1, Math.abs(fd)), "datum " + d + " entry " + i);
            }
        }
    }

    @Test
    void secondDerivativeAlongADataPathMatchesFiniteDifferences() {
        Qp qp = constructed();
        double[] w = QpFixtures.gaussian(new Random(10), N + P + M);
        double[] e = QpFixtures.gaussian(new Random(11), M * N);
        Function<Tensor, Tensor> f = t -> Tensor.of(w.clone()).vdot(flatTensor(SOLVER.run(new OSQP.Problem(
                QpFixtures.matrix(qp.q, N, N), Tensor.of(qp.c.clone()), QpFixtures.matrix(qp.a, P, N),
                Tensor.of(qp.b.clone()), QpFixtures.matrix(qp.g, M, N).add(QpFixtures.matrix(e, M, N).mul(t)),
                Tensor.of(qp.h.clone()))).params()));
        double theta = 0.05;
        double hess = Autodiff.hessian(f).apply(Tensor.scalar(theta)).item();
        double step = 1e-3;
        double fd = (path(qp, w, e, theta + step) - 2 * path(qp, w, e, theta) + path(qp, w, e, theta - step))
                / (step * step);
        assertEquals(fd, hess, 1e-5 * Math.max(1, Math.abs(fd)));
    }

    private static double path(Qp qp, double[] w, double[] e, double t) {
        double[] g = qp.g.clone();
        for (int i = 0; i < g.length; i++) {
            g[i] += t * e[i];
        }
        return dot(w, reference(qp.q, qp.c, qp.a, qp.b, g, qp.h));
    }

    private static Tensor flatTensor(Kkt.Point<Tensor> z) {
        return Tensor.concatenate(java.util.List.of(z.primal(), z.eqDual(), z.ineqDual()), 0);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void bump(double[][] data, int d, int i, double h) {
        data[d][i] += h;
        if (d == 0 && i / N != i % N) {
            data[0][(i % N) * N + i / N] += h;
        }
    }

    private static double[][] copy(double[][] d) {
        double[][] c = new double[d.length][];
        for (int i = 0; i < d.length; i++) {
            c[i] = d[i].clone();
        }
        return c;
    }

    @Test
    void agreesWithEnumerationBoxCdqpAndProjectedGradientOnRandomQps() {
        Random rnd = new Random(99);
        for (int trial = 0; trial < 12; trial++) {
            int n = 2 + trial % 7;
            int p = trial % 3 == 0 ? 0 : 1;
            int m = 2 + trial % 6;
            double[] q = QpFixtures.spd(rnd, n, 0.1);
            double[] c = QpFixtures.gaussian(rnd, n);
            double[] a = QpFixtures.gaussian(rnd, p * n);
            double[] g = QpFixtures.gaussian(rnd, m * n);
            double[] x0 = QpFixtures.gaussian(rnd, n);
            double[] b = QpFixtures.matvec(a, p, n, x0);
            double[] h = QpFixtures.matvec(g, m, n, x0);
            for (int i = 0; i < m; i++) {
                h[i] += rnd.nextDouble() * 0.5;
            }
            ActiveSetEnumeration.Solution ref = ActiveSetEnumeration.solve(q, c, a, b, g, h, n, p, m);
            OSQP.Problem pr = new OSQP.Problem(QpFixtures.matrix(q, n, n), Tensor.of(c),
                    p == 0 ? null : QpFixtures.matrix(a, p, n), p == 0 ? null : Tensor.of(b),
                    QpFixtures.matrix(g, m, n), Tensor.of(h));
            SolverResult<Kkt.Point<Tensor>, OSQP.State> r = OSQP.create().tol(1e-10).maxiter(10_000).run(pr);
            int t = trial;
            assertTrue(r.converged(), () -> "trial " + t + ": " + r.status());
            assertTrue(QpFixtures.maxAbsDiff(r.params().primal().toArray(), ref.x()) <= 1e-8, () -> "trial " + t + " x "
                    + Arrays.toString(r.params().primal().toArray()) + " vs " + Arrays.toString(ref.x()));
            assertTrue(QpFixtures.maxAbsDiff(r.params().ineqDual().toArray(), ref.lambda()) <= 1e-7, "trial " + t + " λ");
        }
        // Box problems: BoxOSQP (A = I) vs BoxCDQP vs enumeration vs ProjectedGradient.
        for (int trial = 0; trial < 6; trial++) {
            int n = 2 + trial;
            double[] q = QpFixtures.spd(rnd, n, 0.1);
            double[] c = QpFixtures.gaussian(rnd, n);
            double[] l = new double[n];
            double[] u = new double[n];
            for (int i = 0; i < n; i++) {
                l[i] = -rnd.nextDouble();
                u[i] = rnd.nextDouble();
            }
            double[] ref = ActiveSetEnumeration.box(q, c, l, u, n).x();
            double[] osqp = BoxOSQP.create().tol(1e-10).maxiter(10_000).run(new BoxOSQP.Problem(QpFixtures.matrix(q, n, n),
                    Tensor.of(c), Tensor.eye(n), Tensor.of(l), Tensor.of(u))).params().x().toArray();
            BoxCDQP.Problem bp = new BoxCDQP.Problem(QpFixtures.matrix(q, n, n), Tensor.of(c), Tensor.of(l), Tensor.of(u));
            double[] cd = BoxCDQP.create().tol(1e-12).maxiter(10_000).run(bp).params().toArray();
            double[] pg = ProjectedGradient.<Tensor, BoxCDQP.Problem>of(
                            (z, ar) -> z.vdot(ar.q().matmul(z)).mul(0.5).add(ar.c().vdot(z)),
                            (z, ar) -> BoxCDQP.clip(z, ar.lower(), ar.upper()))
                    .tol(1e-10).maxiter(20_000).run(Tensor.zeros(n), bp).params().toArray();
            assertTrue(QpFixtures.maxAbsDiff(osqp, ref) <= 1e-8, "box trial " + trial + " BoxOSQP");
            assertTrue(QpFixtures.maxAbsDiff(cd, ref) <= 1e-9, "box trial " + trial + " BoxCDQP");
            assertTrue(QpFixtures.maxAbsDiff(pg, ref) <= 1e-7, "box trial " + trial + " ProjectedGradient");
        }
    }

    @Test
    void infeasibleAndUnboundedProblemsEndWithTheirStatus() {
        // x ≤ −1 and x ≥ 1: no feasible point.
        OSQP.Problem infeasible = new OSQP.Problem(Tensor.eye(2), Tensor.of(1.0, 1.0), null, null,
                Tensor.of(new double[][]{{1, 0}, {-1, 0}}), Tensor.of(-1.0, -1.0));
        SolverResult<Kkt.Point<Tensor>, OSQP.State> r = OSQP.create().maxiter(5000).run(infeasible);
        assertEquals(SolverStatus.PRIMAL_INFEASIBLE, r.status());
        // min −x₂ + ½x₁² subject to x₁ ≤ 1: unbounded along x₂.
        OSQP.Problem unbounded = new OSQP.Problem(Tensor.of(new double[][]{{1, 0}, {0, 0}}), Tensor.of(0.0, -1.0),
                null, null, Tensor.of(new double[][]{{1, 0}}), Tensor.of(1.0));
        SolverResult<Kkt.Point<Tensor>, OSQP.State> u = OSQP.create().maxiter(5000).run(unbounded);
        assertEquals(SolverStatus.DUAL_INFEASIBLE, u.status());
        // Equality-constrained infeasibility: x₁ + x₂ = 1 and x₁ + x₂ = 2.
        OSQP.Problem inconsistent = new OSQP.Problem(Tensor.eye(2), Tensor.of(0.0, 0.0),
                Tensor.of(new double[][]{{1, 1}, {1, 1}}), Tensor.of(1.0, 2.0), null, null);
        assertEquals(SolverStatus.PRIMAL_INFEASIBLE, OSQP.create().maxiter(5000).run(inconsistent).status());
        // No derivative from an infeasible run.
        assertThrows(ImplicitDiffException.class, () -> Autodiff.grad((Tensor h) -> OSQP.create().maxiter(5000)
                .run(new OSQP.Problem(Tensor.eye(2), Tensor.of(1.0, 1.0), null, null,
                        Tensor.of(new double[][]{{1, 0}, {-1, 0}}), h)).params().primal().sum())
                .apply(Tensor.of(-1.0, -1.0)));
    }

    @Test
    void warmStartAndFactorizationReuse() {
        Qp qp = constructed();
        SolverResult<Kkt.Point<Tensor>, OSQP.State> cold = SOLVER.withAdaptiveRho(false).run(qp.problem());
        assertTrue(cold.converged());
        assertEquals(1, cold.state().inner().factorizations(), "without adaptation the system is prepared once");
        SolverResult<Kkt.Point<Tensor>, OSQP.State> warm = SOLVER.run(cold.params(), qp.problem());
        assertTrue(warm.converged());
        assertTrue(warm.iterations() < cold.iterations(), () -> warm.iterations() + " vs " + cold.iterations());
        SolverResult<Kkt.Point<Tensor>, OSQP.State> adaptive = SOLVER.run(qp.problem());
        assertTrue(adaptive.state().inner().factorizations() <= 1 + adaptive.iterations() / 25);
    }

    @Test
    void nonNegativeLeastSquaresContract() {
        // OSQP on the contract's non-negative ridge: the solution, its implicit derivative in λ against the
        // support-restricted closed form and central differences, and refusal when stopped early.
        SolverFixtures.Regression data = SolverFixtures.regression(7, 40, 6);
        double lam = 0.05;
        Function<Tensor, OSQP.Problem> problem = t -> {
            int p = data.p();
            return new OSQP.Problem(data.x().transposeMatmul(data.x()).div(data.n()).add(Tensor.eye(p).mul(t)),
                    data.x().transposeMatmul(data.y()).div(-data.n()), null, null, Tensor.eye(p).neg(), Tensor.zeros(p));
        };
        Function<Tensor, Tensor> sol = t -> SOLVER.run(problem.apply(t)).params().primal();
        double[] w = sol.apply(Tensor.scalar(lam)).toArray();
        double[] jac = Autodiff.jacfwd(sol).apply(Tensor.scalar(lam)).toArray();
        double[] rev = Autodiff.jacrev(sol).apply(Tensor.scalar(lam)).toArray();
        double[] closed = SolverFixtures.supportDerivative(data, w, lam, false);
        assertTrue(QpFixtures.maxAbsDiff(jac, closed) <= 1e-8, () -> "forward " + QpFixtures.maxAbsDiff(jac, closed));
        assertTrue(QpFixtures.maxAbsDiff(rev, closed) <= 1e-8);
        double step = 1e-4 * lam;
        double[] plus = sol.apply(Tensor.scalar(lam + step)).toArray();
        double[] minus = sol.apply(Tensor.scalar(lam - step)).toArray();
        for (int i = 0; i < w.length; i++) {
            assertEquals((plus[i] - minus[i]) / (2 * step), jac[i], 1e-6);
        }
        Function<Tensor, Tensor> early = t -> OSQP.create().maxiter(2).run(problem.apply(t)).params().primal();
        assertThrows(ImplicitDiffException.class, () -> Autodiff.jacfwd(early).apply(Tensor.scalar(lam)));
    }

    @Test
    void weaklyActiveConstraintIsRefusedByOsqpAndOneSidedInBoxOsqp() {
        // min ½x² + cx subject to x ≤ 0, at c = 0: x* = 0 with multiplier 0, the constraint weakly active.
        Function<Tensor, Tensor> general = c -> OSQP.create().tol(1e-12).run(new OSQP.Problem(Tensor.of(new double[][]{{1}}),
                c.reshape(1), null, null, Tensor.of(new double[][]{{1}}), Tensor.of(0.0))).params().primal().sum();
        assertEquals(0.0, general.apply(Tensor.scalar(0.0)).item(), 1e-12);
        RuntimeException refused = assertThrows(RuntimeException.class,
                () -> Autodiff.grad(general).apply(Tensor.scalar(0.0)));
        assertTrue(refused.getMessage().toLowerCase().contains("singular"), refused.getMessage());
        // BoxOSQP differentiates it as inactive: dx/dc = −1, the one-sided derivative from the side where the
        // constraint is slack (c > 0, x = −c < 0); from the other side (c < 0, x = 0 strictly active) it is 0.
        Function<Tensor, Tensor> box = c -> BoxOSQP.create().tol(1e-12).run(new BoxOSQP.Problem(
                Tensor.of(new double[][]{{1}}), c.reshape(1), Tensor.of(new double[][]{{1}}),
                Tensor.of(Double.NEGATIVE_INFINITY), Tensor.of(0.0))).params().x().sum();
        assertEquals(-1.0, Autodiff.grad(box).apply(Tensor.scalar(0.0)).item(), 1e-12);
        double h = 1e-6;
        assertEquals(-1.0, (box.apply(Tensor.scalar(h)).item() - box.apply(Tensor.scalar(0.0)).item()) / h, 1e-8);
        assertEquals(0.0, (box.apply(Tensor.scalar(0.0)).item() - box.apply(Tensor.scalar(-h)).item()) / h, 1e-8);
    }

    @Test
    void aForwardJacobianSolvesOnce() {
        Qp qp = constructed();
        int[] steps = {0};
        OSQP counted = SOLVER.listener((params, state) -> steps[0]++);
        int once = counted.run(qp.problem()).iterations();
        assertEquals(once, steps[0]);
        steps[0] = 0;
        Function<Tensor, Tensor> x = c -> counted.run(new OSQP.Problem(QpFixtures.matrix(qp.q, N, N), c,
                QpFixtures.matrix(qp.a, P, N), Tensor.of(qp.b.clone()), QpFixtures.matrix(qp.g, M, N),
                Tensor.of(qp.h.clone()))).params().primal();
        Autodiff.jacfwd(x).apply(Tensor.of(qp.c.clone()));
        assertEquals(once, steps[0], "one solve for the " + N + " columns");
    }

    @Test
    void linearlyDependentActiveConstraintsAreRefused() {
        // min ½‖x‖² + x₁ subject to −x₁ ≤ 0.5 written twice: x* = (−0.5, 0), total multiplier 0.5 split between two
        // identical rows in a way the data do not determine. Whatever split OSQP returns, the derivative is refused
        // (both rows active: the reduced KKT matrix is singular; one row with zero multiplier: weakly active).
        Function<Tensor, Tensor> x = c -> OSQP.create().tol(1e-9).maxiter(20_000).run(new OSQP.Problem(Tensor.eye(2), c,
                null, null, Tensor.of(new double[][]{{-1, 0}, {-1, 0}}), Tensor.of(0.5, 0.5))).params().primal();
        double[] sol = x.apply(Tensor.of(1.0, 0.0)).toArray();
        assertEquals(-0.5, sol[0], 1e-7);
        assertEquals(0.0, sol[1], 1e-7);
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.jacrev(x).apply(Tensor.of(1.0, 0.0)));
        assertTrue(e.getMessage().contains("singular"), e.getMessage());
        assertThrows(ImplicitDiffException.class, () -> Autodiff.jacfwd(x).apply(Tensor.of(1.0, 0.0)));
    }

    @Test
    void refusesBadDataAndOptions() {
        Qp qp = constructed();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OSQP.create().run(
                new OSQP.Problem(QpFixtures.matrix(qp.q, N, N), Tensor.of(qp.c.clone()), null, null, null, null)));
        assertTrue(e.getMessage().contains("no constraints; use EqualityConstrainedQP"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BoxOSQP.Options.defaults().withAlpha(2.0));
        assertTrue(e.getMessage().contains("alpha must be in (0, 2), got 2.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BoxOSQP.Options.defaults().withRho(Double.NaN));
        assertTrue(e.getMessage().contains("rho must be finite and > 0, got NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OSQP.create().run(new OSQP.Problem(
                QpFixtures.matrix(qp.q, N, N), Tensor.of(qp.c.clone()), null, null, QpFixtures.matrix(qp.g, M, N),
                Tensor.of(1.0))));
        assertTrue(e.getMessage().contains("h must have shape [5]"), e.getMessage());
    }

    @Test
    void unrolledDerivativesMatchTheImplicitOnesAndTheClosedForm() {
        Qp qp = constructed();
        double[] rows = new double[4 * N];
        System.arraycopy(qp.a, 0, rows, 0, N);
        int r = 1;
        for (int i = 0; i < M; i++) {
            if (ACTIVE[i]) {
                System.arraycopy(qp.g, i * N, rows, r++ * N, N);
            }
        }
        double[][] id = new double[N + 4][N];
        for (int i = 0; i < N; i++) {
            id[i][i] = 1;
        }
        double[][] inv = PlainLinearAlgebra.solve(QpFixtures.kkt(qp.q, rows, N, 4), id);
        Function<Tensor, Tensor> x = c -> SOLVER.implicitDiff(false).run(new OSQP.Problem(QpFixtures.matrix(qp.q, N, N),
                c, QpFixtures.matrix(qp.a, P, N), Tensor.of(qp.b.clone()), QpFixtures.matrix(qp.g, M, N),
                Tensor.of(qp.h.clone()))).params().primal();
        double[] fwd = Autodiff.jacfwd(x).apply(Tensor.of(qp.c.clone())).toArray();
        double[] rev = Autodiff.jacrev(x).apply(Tensor.of(qp.c.clone())).toArray();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(-inv[i][j], fwd[i * N + j], 1e-9, "unrolled forward " + i + ", " + j);
                assertEquals(-inv[i][j], rev[i * N + j], 1e-9, "unrolled reverse " + i + ", " + j);
            }
        }
        // The gradient of a loss in every datum, unrolled vs implicit (the latter checked against finite differences
        // above); the unrolled run ends with a polished point, whose derivative is exact on its active set.
        Function<OSQP, Function<OSQP.Problem, Tensor>> loss = solver -> pr -> {
            Kkt.Point<Tensor> z = solver.run(pr).params();
            return z.primal().squaredNorm().add(z.ineqDual().sum()).add(z.eqDual().sum());
        };
        OSQP.Problem pr = qp.problem();
        OSQP.Problem unrolled = Autodiff.grad(loss.apply(SOLVER.implicitDiff(false))).apply(pr);
        OSQP.Problem implicit = Autodiff.grad(loss.apply(SOLVER)).apply(pr);
        double[] u = dev.argdiff.ad.Pytree.toArray(unrolled);
        double[] im = dev.argdiff.ad.Pytree.toArray(implicit);
        assertEquals(im.length, u.length);
        assertTrue(QpFixtures.maxAbsDiff(u, im) <= 1e-8 * Math.max(1, SolverFixtures.maxAbs(im)),
                () -> "unrolled vs implicit gradient in (Q, c, A, b, G, h): " + QpFixtures.maxAbsDiff(u, im));
        // BoxOSQP unrolled, same check on the box form of the same problem.
        BoxOSQP box = BoxOSQP.create().tol(1e-12).maxiter(4000);
        double[] lower = new double[P + M];
        double[] upper = new double[P + M];
        java.util.Arrays.fill(lower, P, P + M, Double.NEGATIVE_INFINITY);
        System.arraycopy(qp.b, 0, lower, 0, P);
        System.arraycopy(qp.b, 0, upper, 0, P);
        System.arraycopy(qp.h, 0, upper, P, M);
        double[] stacked = new double[(P + M) * N];
        System.arraycopy(qp.a, 0, stacked, 0, P * N);
        System.arraycopy(qp.g, 0, stacked, P * N, M * N);
        Function<Tensor, Tensor> bx = c -> box.implicitDiff(false).run(new BoxOSQP.Problem(QpFixtures.matrix(qp.q, N, N),
                c, QpFixtures.matrix(stacked, P + M, N), Tensor.of(lower), Tensor.of(upper))).params().x();
        double[] boxRev = Autodiff.jacrev(bx).apply(Tensor.of(qp.c.clone())).toArray();
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(-inv[i][j], boxRev[i * N + j], 1e-9, "BoxOSQP unrolled reverse " + i + ", " + j);
            }
        }
    }
}
