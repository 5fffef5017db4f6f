package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
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
 * BoxCDQP on a QP whose active set is fixed by construction (solution and derivative in closed
 * form), against exhaustive active-set enumeration on random small QPs, and its derivatives in
 * Q, c, l, u against central finite differences of re-solved problems.
 */
class BoxCDQPTest {

    private static final int N = 7;

    /** Free coordinates 0, 3, 5; 1 and 4 at the lower bound, 2 and 6 at the upper bound. */
    private static final int[] STATUS = {0, -1, 1, 0, -1, 0, 1};

    private record Built(double[] q, double[] c, double[] l, double[] u, double[] x) {
    }

    /** A QP with solution x* and strictly complementary multipliers by construction. */
    private static Built built() {
        Random rnd = new Random(3);
        double[] q = QpFixtures.spd(rnd, N, 0.3);
        double[] l = new double[N];
        double[] u = new double[N];
        double[] x = new double[N];
        double[] grad = new double[N];
        for (int i = 0; i < N; i++) {
            l[i] = -1 - rnd.nextDouble();
            u[i] = 1 + rnd.nextDouble();
            x[i] = STATUS[i] < 0 ? l[i] : STATUS[i] > 0 ? u[i] : 0.8 * (rnd.nextDouble() - 0.5);
            // Gradient zero on the free set, pointing out of the box at an active bound (multiplier 0.5 to 1.5).
            grad[i] = STATUS[i] == 0 ? 0 : -STATUS[i] * (0.5 + rnd.nextDouble());
        }
        double[] qx = QpFixtures.matvec(q, N, N, x);
        double[] c = new double[N];
        for (int i = 0; i < N; i++) {
            c[i] = grad[i] - qx[i];
        }
        return new Built(q, c, l, u, x);
    }

    private static BoxCDQP.Problem problem(double[] q, double[] c, double[] l, double[] u) {
        return new BoxCDQP.Problem(QpFixtures.matrix(q, N, N), Tensor.of(c.clone()), Tensor.of(l.clone()),
                Tensor.of(u.clone()));
    }

    @Test
    void findsTheConstructedSolutionAndItsClosedFormJacobianInC() {
        Built p = built();
        SolverResult<Tensor, BoxCDQP.State> r = BoxCDQP.create().tol(1e-13).maxiter(5000).run(problem(p.q, p.c, p.l, p.u));
        assertTrue(r.converged(), () -> "status " + r.status());
        assertTrue(QpFixtures.maxAbsDiff(r.params().toArray(), p.x) <= 1e-11,
                () -> "off by " + QpFixtures.maxAbsDiff(r.params().toArray(), p.x));
        // dx/dc: −(Q_FF)⁻¹ on the free block, 0 elsewhere.
        int[] free = {0, 3, 5};
        double[][] qff = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                qff[i][j] = p.q[free[i] * N + free[j]];
            }
        }
        double[][] id = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        double[][] inv = PlainLinearAlgebra.solve(qff, id);
        double[] expected = new double[N * N];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                expected[free[i] * N + free[j]] = -inv[i][j];
            }
        }
        BoxCDQP solver = BoxCDQP.create().tol(1e-13).maxiter(5000);
        Function<Tensor, Tensor> x = c -> solver.run(new BoxCDQP.Problem(QpFixtures.matrix(p.q, N, N), c,
                Tensor.of(p.l.clone()), Tensor.of(p.u.clone()))).params();
        double[] fwd = Autodiff.jacfwd(x).apply(Tensor.of(p.c.clone())).toArray();
        double[] rev = Autodiff.jacrev(x).apply(Tensor.of(p.c.clone())).toArray();
        assertTrue(QpFixtures.maxAbsDiff(fwd, expected) <= 1e-10, () -> "forward " + QpFixtures.maxAbsDiff(fwd, expected));
        assertTrue(QpFixtures.maxAbsDiff(rev, expected) <= 1e-10, () -> "reverse " + QpFixtures.maxAbsDiff(rev, expected));
    }

    @Test
    void gradientInAllDataMatchesFiniteDifferencesOfResolvedProblems() {
        Built p = built();
        double[] w = QpFixtures.gaussian(new Random(8), N);
        BoxCDQP solver = BoxCDQP.create().tol(1e-14).maxiter(20_000);
        BoxCDQP.Problem g = Autodiff.grad((BoxCDQP.Problem pr) -> solver.run(pr).params().vdot(Tensor.of(w.clone())))
                .apply(problem(p.q, p.c, p.l, p.u));
        double[][] data = {p.q, p.c, p.l, p.u};
        double[][] grads = {g.q().toArray(), g.c().toArray(), g.lower().toArray(), g.upper().toArray()};
        double h = 1e-6;
        for (int d = 0; d < 4; d++) {
            for (int i = 0; i < data[d].length; i++) {
                if (d == 0 && i / N > i % N) {
                    continue;
                }
                double[][] plus = copy(data);
                double[][] minus = copy(data);
                bump(plus, d, i, h);
                bump(minus, d, i, -h);
                double fd = (enumerated(plus, w) - enumerated(minus, w)) / (2 * h);
                double implicit = grads[d][i] + (d == 0 && i / N != i % N ? grads[0][(i % N) * N + i / N] : 0);
                assertEquals(fd, implicit, 1e-7 * Math.max(1, Math.abs(fd)), "data " + d + " entry " + i);
            }
        }
    }

    private static void bump(double[][] data, int d, int i, double h) {
        data[d][i] += h;
        if (d == 0 && i / N != i % N) {
            data[0][(i % N) * N + i / N] += h;
        }
    }

    /**
     * wᵀx* of a perturbed problem, re-solved with the constructed active set (strictly complementary, so
     * it stays optimal under small perturbations): x_B at its bounds, Q_FF x_F = −(c_F + Q_FB x_B).
     */
    private static double enumerated(double[][] d, double[] w) {
        double[] q = d[0];
        double[] x = new double[N];
        int[] free = java.util.stream.IntStream.range(0, N).filter(i -> STATUS[i] == 0).toArray();
        for (int i = 0; i < N; i++) {
            x[i] = STATUS[i] < 0 ? d[2][i] : STATUS[i] > 0 ? d[3][i] : 0;
        }
        double[][] qff = new double[free.length][free.length];
        double[] rhs = new double[free.length];
        for (int a = 0; a < free.length; a++) {
            rhs[a] = -d[1][free[a]];
            for (int j = 0; j < N; j++) {
                if (STATUS[j] != 0) {
                    rhs[a] -= q[free[a] * N + j] * x[j];
                }
            }
            for (int b = 0; b < free.length; b++) {
                qff[a][b] = q[free[a] * N + free[b]];
            }
        }
        double[] xf = PlainLinearAlgebra.solve(qff, rhs);
        for (int a = 0; a < free.length; a++) {
            x[free[a]] = xf[a];
        }
        double s = 0;
        for (int i = 0; i < N; i++) {
            s += w[i] * x[i];
        }
        return s;
    }

    private static double[][] copy(double[][] d) {
        double[][] c = new double[d.length][];
        for (int i = 0; i < d.length; i++) {
            c[i] = d[i].clone();
        }
        return c;
    }

    @Test
    void agreesWithActiveSetEnumerationAndProjectedGradientOnRandomQps() {
        Random rnd = new Random(44);
        for (int trial = 0; trial < 10; trial++) {
            int n = 2 + trial % 5;
            double[] q = QpFixtures.spd(rnd, n, 0.1);
            double[] c = QpFixtures.gaussian(rnd, n);
            double[] l = new double[n];
            double[] u = new double[n];
            for (int i = 0; i < n; i++) {
                l[i] = -rnd.nextDouble();
                u[i] = rnd.nextDouble();
            }
            double[] expected = ActiveSetEnumeration.box(q, c, l, u, n).x();
            BoxCDQP.Problem pr = new BoxCDQP.Problem(QpFixtures.matrix(q, n, n), Tensor.of(c), Tensor.of(l), Tensor.of(u));
            double[] x = BoxCDQP.create().tol(1e-12).maxiter(10_000).run(pr).params().toArray();
            assertTrue(QpFixtures.maxAbsDiff(x, expected) <= 1e-9, "trial " + trial + ": " + Arrays.toString(x)
                    + " vs " + Arrays.toString(expected));
            double[] pg = ProjectedGradient.<Tensor, BoxCDQP.Problem>of(
                            (z, a) -> z.vdot(a.q().matmul(z)).mul(0.5).add(a.c().vdot(z)),
                            (z, a) -> BoxCDQP.clip(z, a.lower(), a.upper()))
                    .tol(1e-10).maxiter(20_000).run(Tensor.zeros(n), pr).params().toArray();
            assertTrue(QpFixtures.maxAbsDiff(pg, expected) <= 1e-7, "projected gradient, trial " + trial);
        }
    }

    @Test
    void infiniteBoundsAndNonNegativity() {
        Built p = built();
        double[] l = new double[N];
        double[] u = new double[N];
        Arrays.fill(l, Double.NEGATIVE_INFINITY);
        Arrays.fill(u, Double.POSITIVE_INFINITY);
        double[] x = BoxCDQP.create().tol(1e-13).maxiter(20_000).run(problem(p.q, p.c, l, u)).params().toArray();
        double[] expected = PlainLinearAlgebra.solve(QpFixtures.rows(p.q, N, N), Arrays.stream(p.c).map(v -> -v).toArray());
        assertTrue(QpFixtures.maxAbsDiff(x, expected) <= 1e-10);
        // Derivative in c with infinite bounds: −Q⁻¹, no NaN from the infinite bounds.
        BoxCDQP solver = BoxCDQP.create().tol(1e-13).maxiter(20_000);
        double[] jac = Autodiff.jacrev((Tensor c) -> solver.run(new BoxCDQP.Problem(QpFixtures.matrix(p.q, N, N), c,
                Tensor.of(l), Tensor.of(u))).params()).apply(Tensor.of(p.c.clone())).toArray();
        double[][] id = new double[N][N];
        for (int i = 0; i < N; i++) {
            id[i][i] = 1;
        }
        double[][] inv = PlainLinearAlgebra.solve(QpFixtures.rows(p.q, N, N), id);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                assertEquals(-inv[i][j], jac[i * N + j], 1e-9);
            }
        }
    }

    @Test
    void weaklyActiveBoundGetsTheDocumentedFreeSideDerivative() {
        // n = 1: min ½x² + cx on [0, 1] at c = 0: x* = 0 is at the bound with zero gradient.
        // The documented choice differentiates it as a free coordinate: dx/dc = −1.
        BoxCDQP solver = BoxCDQP.create().tol(1e-12);
        Function<Tensor, Tensor> x = c -> solver.run(new BoxCDQP.Problem(Tensor.of(new double[][]{{1}}), c.reshape(1),
                Tensor.of(0.0), Tensor.of(1.0))).params().sum();
        assertEquals(-1.0, Autodiff.grad(x).apply(Tensor.scalar(0.0)).item(), 0.0);
        // That is the one-sided derivative from the side where the solution is interior (c < 0, x = −c);
        // from the other side (c > 0, x = 0 strictly active) it is 0.
        double h = 1e-6;
        double x0 = x.apply(Tensor.scalar(0.0)).item();
        assertEquals(-1.0, (x0 - x.apply(Tensor.scalar(-h)).item()) / h, 1e-9);
        assertEquals(0.0, (x.apply(Tensor.scalar(h)).item() - x0) / h, 1e-9);
    }

    @Test
    void refusesBadData() {
        Built p = built();
        double[] l = p.l.clone();
        l[2] = p.u[2] + 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BoxCDQP.create().run(problem(p.q, p.c, l, p.u)));
        assertTrue(e.getMessage().contains("the box is empty or NaN at coordinate 2"), e.getMessage());
        double[] q = p.q.clone();
        q[0] = 0;
        e = assertThrows(IllegalArgumentException.class, () -> BoxCDQP.create().run(problem(q, p.c, p.l, p.u)));
        assertTrue(e.getMessage().contains("positive diagonal, but q[0, 0] = 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BoxCDQP.create().run(Tensor.zeros(3), problem(p.q, p.c, p.l, p.u)));
        assertTrue(e.getMessage().contains("the initial point must have shape [7]"), e.getMessage());
    }
}
