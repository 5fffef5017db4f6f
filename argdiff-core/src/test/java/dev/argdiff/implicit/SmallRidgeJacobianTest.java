package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Args;
import dev.argdiff.implicit.RidgeFixtures.Split;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small seeded ridge problem (10 samples × 3 features): the derivatives of the decorated
 * solver with respect to every component of an argument record — l2reg, the design matrix X and
 * the targets y — by {@link ImplicitDiff#rootVjp}, {@link ImplicitDiff#rootJvp}, jacrev and
 * jacfwd, against the closed-form Jacobians of w*(l2reg, X, y) = (XᵀX/n + l2reg·I)⁻¹Xᵀy/n and
 * against central finite differences. The record's String component is a static leaf.
 */
class SmallRidgeJacobianTest {
    private static final double L2REG = 0.3;
    private static final String TAG = "small";
    private static final double RTOL = 1e-10;

    private final Split data = RidgeFixtures.small(42);
    private final ClosedFormRidge cf = data.closedForm();
    private final Args args = new Args(Tensor.scalar(L2REG), data.xTrain(), data.yTrain(), TAG);
    private final ImplicitOptions options = ImplicitOptions.defaults().withSymmetric(true);
    private final AtomicInteger solverCalls = new AtomicInteger();

    /** The dense solver, also checking that the static leaf reaches it unchanged. */
    private final BiFunction<Tensor, Args, Tensor> solver = (init, a) -> {
        assertEquals(TAG, a.tag(), "the static leaf must reach the solver");
        solverCalls.incrementAndGet();
        return RidgeFixtures.denseSolver(LinearSolver.lu()).apply(init, a);
    };
    private final BiFunction<Tensor, Args, Tensor> decorated =
            ImplicitDiff.customRoot(RidgeFixtures::optimality, solver, options);

    private final int p = 3;
    private final int n = 10;

    private Tensor solution() {
        return Tensor.of(cf.solution(L2REG));
    }

    @Test
    void decoratedSolverComputesTheClosedFormSolution() {
        assertClose(cf.solution(L2REG), decorated.apply(Tensor.zeros(p), args).toArray(), RTOL, "w*");
        assertEquals(1, solverCalls.get());
    }

    @Test
    void rootVjpRowsEqualClosedFormJacobian() {
        double[] dwDl2reg = cf.dwDl2reg(L2REG);
        double[][] dwDy = cf.dwDy(L2REG);
        double[][][] dwDx = cf.dwDx(L2REG);
        for (int i = 0; i < p; i++) {
            double[] e = new double[p];
            e[i] = 1.0;
            Args row = ImplicitDiff.rootVjp(RidgeFixtures::optimality, solution(), args, Tensor.of(e), options);
            assertEquals(TAG, row.tag(), "static leaf passes through rootVjp");
            assertArrayEquals(new int[0], row.l2reg().shape());
            assertClose(dwDl2reg[i], row.l2reg().item(), RTOL, "rootVjp l2reg, row " + i);
            assertClose(dwDy[i], row.y().toArray(), RTOL, 1e-14, "rootVjp y, row " + i);
            assertClose(PlainLinearAlgebra.flatten(dwDx[i]), row.x().toArray(), RTOL, 1e-14, "rootVjp X, row " + i);
        }
    }

    @Test
    void rootJvpColumnsEqualClosedFormJacobian() {
        Tensor w = solution();
        // Along l2reg.
        Tensor t = ImplicitDiff.rootJvp(RidgeFixtures::optimality, w, args,
                new Args(Tensor.scalar(1.0), Tensor.zeros(n, p), Tensor.zeros(n), TAG), options);
        assertClose(cf.dwDl2reg(L2REG), t.toArray(), RTOL, "rootJvp along l2reg");
        // Along each y entry: a column of (XᵀX/n + l2reg·I)⁻¹Xᵀ/n.
        double[][] dwDy = cf.dwDy(L2REG);
        for (int r = 0; r < n; r++) {
            double[] e = new double[n];
            e[r] = 1.0;
            Tensor col = ImplicitDiff.rootJvp(RidgeFixtures::optimality, w, args,
                    new Args(Tensor.scalar(0.0), Tensor.zeros(n, p), Tensor.of(e), TAG), options);
            double[] expected = new double[p];
            for (int i = 0; i < p; i++) {
                expected[i] = dwDy[i][r];
            }
            assertClose(expected, col.toArray(), RTOL, 1e-14, "rootJvp along y[" + r + "]");
        }
        // Along a random direction in (l2reg, X, y) at once: the sum of the three closed-form parts.
        double dl = 0.7;
        Tensor dx = Tensor.randomNormal(7, n, p);
        Tensor dy = Tensor.randomNormal(8, n);
        Tensor mixed = ImplicitDiff.rootJvp(RidgeFixtures::optimality, w, args, new Args(Tensor.scalar(dl), dx, dy, TAG),
                options);
        assertClose(closedFormDirectional(dl, dx.toArray(), dy.toArray()), mixed.toArray(), RTOL, "rootJvp mixed");
    }

    /** J_l2reg·dl + J_X·dX + J_y·dy from the closed forms. */
    private double[] closedFormDirectional(double dl, double[] dx, double[] dy) {
        double[] dwDl2reg = cf.dwDl2reg(L2REG);
        double[][] dwDy = cf.dwDy(L2REG);
        double[][][] dwDx = cf.dwDx(L2REG);
        double[] out = new double[p];
        for (int i = 0; i < p; i++) {
            double s = dwDl2reg[i] * dl;
            for (int r = 0; r < n; r++) {
                s += dwDy[i][r] * dy[r];
                for (int c = 0; c < p; c++) {
                    s += dwDx[i][r][c] * dx[r * p + c];
                }
            }
            out[i] = s;
        }
        return out;
    }

    @Test
    void jacrevOfDecoratedSolverEqualsClosedForm() {
        Args j = Autodiff.jacrev((Args a) -> decorated.apply(Tensor.zeros(p), a)).apply(args);
        assertJacobian(j, "jacrev");
    }

    @Test
    void jacfwdOfDecoratedSolverEqualsClosedForm() {
        Args j = Autodiff.jacfwd((Args a) -> decorated.apply(Tensor.zeros(p), a)).apply(args);
        assertJacobian(j, "jacfwd");
    }

    private void assertJacobian(Args j, String how) {
        assertEquals(TAG, j.tag(), how + ": static leaf passes through");
        assertArrayEquals(new int[] {p}, j.l2reg().shape());
        assertArrayEquals(new int[] {p, n, p}, j.x().shape());
        assertArrayEquals(new int[] {p, n}, j.y().shape());
        assertClose(cf.dwDl2reg(L2REG), j.l2reg().toArray(), RTOL, how + " l2reg block");
        assertClose(PlainLinearAlgebra.flatten(cf.dwDy(L2REG)), j.y().toArray(), RTOL, 1e-14, how + " y block");
        double[][][] dwDx = cf.dwDx(L2REG);
        double[] flat = new double[p * n * p];
        for (int i = 0; i < p; i++) {
            System.arraycopy(PlainLinearAlgebra.flatten(dwDx[i]), 0, flat, i * n * p, n * p);
        }
        assertClose(flat, j.x().toArray(), RTOL, 1e-14, how + " X block");
    }

    /** The derivatives of w* with respect to X and y by jacrev against central differences of the solver, entry by entry. */
    @Test
    void dataGradientsMatchCentralFiniteDifferences() {
        Args j = Autodiff.jacrev((Args a) -> decorated.apply(Tensor.zeros(p), a)).apply(args);
        assertDataJacobianMatchesFiniteDifferences(decorated, args, j, allEntries(n * p), allEntries(n), "small");
    }

    /** The same on the diabetes data (296 × 10) for a seeded sample of entries of X and y. */
    @Test
    void diabetesDataGradientsMatchCentralFiniteDifferences() {
        Split d = RidgeFixtures.diabetes();
        Args a0 = new Args(Tensor.scalar(Math.E), d.xTrain(), d.yTrain(), TAG);
        Args j = Autodiff.jacrev((Args a) -> decorated.apply(Tensor.zeros(d.features()), a)).apply(a0);
        SplittableRandom rng = new SplittableRandom(3);
        int rows = d.xTrain().dim(0);
        int[] xEntries = rng.ints(30, 0, rows * d.features()).toArray();
        int[] yEntries = rng.ints(30, 0, rows).toArray();
        assertDataJacobianMatchesFiniteDifferences(decorated, a0, j, xEntries, yEntries, "diabetes");
    }

    private static int[] allEntries(int count) {
        int[] e = new int[count];
        for (int i = 0; i < count; i++) {
            e[i] = i;
        }
        return e;
    }

    private static void assertDataJacobianMatchesFiniteDifferences(BiFunction<Tensor, Args, Tensor> sol, Args a, Args jac,
                                                                   int[] xEntries, int[] yEntries, String what) {
        int features = a.x().dim(1);
        int xSize = a.x().size();
        int ySize = a.y().size();
        double h = 1e-6;
        double[] jx = jac.x().toArray();
        double[] jy = jac.y().toArray();
        Tensor init = Tensor.zeros(features);
        for (int e : xEntries) {
            double[] fd = centralDifference(v -> sol.apply(init, a.withX(Tensor.of(a.x().shape(), v))),
                    a.x().toArray(), e, h);
            double[] ad = new double[features];
            for (int i = 0; i < features; i++) {
                ad[i] = jx[i * xSize + e];
            }
            assertClose(fd, ad, 1e-6, 1e-8, what + ": dw*/dX entry " + e);
        }
        for (int e : yEntries) {
            double[] fd = centralDifference(v -> sol.apply(init, a.withY(Tensor.of(v))), a.y().toArray(), e, h);
            double[] ad = new double[features];
            for (int i = 0; i < features; i++) {
                ad[i] = jy[i * ySize + e];
            }
            assertClose(fd, ad, 1e-6, 1e-8, what + ": dw*/dy entry " + e);
        }
        assertTrue(xEntries.length > 0 && yEntries.length > 0);
    }

    private static double[] centralDifference(java.util.function.Function<double[], Tensor> f, double[] x, int entry,
                                              double h) {
        double[] xp = x.clone();
        double[] xm = x.clone();
        xp[entry] += h;
        xm[entry] -= h;
        double[] fp = f.apply(xp).toArray();
        double[] fm = f.apply(xm).toArray();
        double[] out = new double[fp.length];
        for (int i = 0; i < fp.length; i++) {
            out[i] = (fp[i] - fm[i]) / (2 * h);
        }
        return out;
    }
}
