package dev.argdiff.prox;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.projection.Projection;
import dev.argdiff.projection.ProjectionOperator;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

import static dev.argdiff.ad.GradCheck.Mode.FORWARD;
import static dev.argdiff.ad.GradCheck.Mode.REVERSE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Each prox against (1) its closed form on hand-computed inputs, (2) the argmin of
 * ½‖y − x‖² + s·g(y) found by a derivative-free search written here, (3) the Moreau identity
 * with the prox of the conjugate, and (4) finite differences in x and in the hyperparameters.
 */
class ProxTest {

    private static final double EXACT = 1e-14;
    /** Golden-section search on function values resolves a minimizer to about √ε. */
    private static final double SEARCH = 1e-6;

    private record XH(Tensor x, Tensor h) {
    }

    private record XHH(Tensor x, Tensor h1, Tensor h2) {
    }

    // ================================================================== closed forms

    @Test
    void noneIsTheIdentity() {
        Tensor x = Tensor.of(1, -2, 3);
        assertSame(x, Prox.none(x, null, 0.3));
        ProxOperator<Tensor, Tensor> op = Prox::none;
        assertSame(x, op.apply(x, Tensor.scalar(5.0)));
    }

    @Test
    void lassoClosedForm() {
        Tensor x = Tensor.of(3, -2, 0.5, -0.25, 0);
        // threshold s·λ = 0.5
        assertValues(new double[] {2.5, -1.5, 0, 0, 0}, Prox.lasso(x, 1.0, 0.5), EXACT);
        // per-coordinate weights, s = 1
        Tensor lambda = Tensor.of(1, 2, 0, 0.1, 1);
        assertValues(new double[] {2, 0, 0.5, -0.15, 0}, Prox.lasso(x, lambda, 1.0), EXACT);
        // s = 0: the identity
        assertValues(x.toArray(), Prox.lasso(x, 7.0, 0.0), 0);
    }

    @Test
    void nonNegativeLassoClosedForm() {
        Tensor x = Tensor.of(3, -2, 0.5, 0.7);
        assertValues(new double[] {2.5, 0, 0, 0.2}, Prox.nonNegativeLasso(x, 0.25, 2.0), EXACT);
    }

    @Test
    void elasticNetClosedFormUsesJaxoptConvention() {
        Tensor x = Tensor.of(3, -2, 0.5);
        // soft(x, s·λ₁ = 0.5) = [2.5, −1.5, 0], divided by 1 + s·λ₁·λ₂ = 1 + 0.5·1·2 = 2
        assertValues(new double[] {1.25, -0.75, 0}, Prox.elasticNet(x, 1.0, 2.0, 0.5), EXACT);
        ProxOperator<Tensor, Prox.ElasticNet> op = Prox::elasticNet;
        assertValues(new double[] {1.25, -0.75, 0}, op.apply(x, Prox.ElasticNet.of(1.0, 2.0), 0.5), EXACT);
        // λ₂ = 0 is the lasso
        assertValues(Prox.lasso(x, 0.3, 1.0).toArray(), Prox.elasticNet(x, 0.3, 0.0, 1.0), EXACT);
    }

    @Test
    void groupLassoClosedForm() {
        Tensor x = Tensor.of(3, 4);
        assertValues(new double[] {2.4, 3.2}, Prox.groupLasso(x, 1.0, 1.0), EXACT);
        assertValues(new double[] {0, 0}, Prox.groupLasso(x, 2.5, 2.0), EXACT); // s·λ = ‖x‖: the zero branch
        assertValues(new double[] {0, 0}, Prox.groupLasso(x, 10.0, 1.0), EXACT);
        assertValues(new double[] {0, 0}, Prox.groupLasso(Tensor.zeros(2), 1.0, 1.0), 0);
        // groups along axis 1 (rows), one strength per row
        Tensor m = Tensor.of(new double[][] {{3, 4}, {0.3, 0.4}, {0, 0}});
        assertValues(new double[] {2.4, 3.2, 0, 0, 0, 0}, Prox.groupLasso(m, Tensor.scalar(1.0), 1.0, 1), EXACT);
        Tensor perRow = Tensor.of(new int[] {3, 1}, new double[] {2.5, 0.25, 1});
        assertValues(new double[] {1.5, 2, 0.15, 0.2, 0, 0}, Prox.groupLasso(m, perRow, 1.0, 1), 1e-15);
        // groups along axis 0 (columns): column norms 5 and 4
        Tensor c = Tensor.of(new double[][] {{3, 0}, {4, 4}});
        assertValues(new double[] {1.8, 0, 2.4, 2}, Prox.groupLasso(c, Tensor.scalar(2.0), 1.0, 0), EXACT);
    }

    @Test
    void ridgeClosedForm() {
        Tensor x = Tensor.of(2, -4);
        assertValues(new double[] {0.8, -1.6}, Prox.ridge(x, 3.0, 0.5), EXACT);
        assertValues(new double[] {0.8, 0}, Prox.nonNegativeRidge(x, 3.0, 0.5), EXACT);
    }

    @Test
    void fromProjectionIgnoresTheScaling() {
        Tensor x = Tensor.of(-1, 0.5, 3);
        ProxOperator<Tensor, Projection.Box> prox = Prox.fromProjection(Projection::box);
        for (double s : new double[] {0.01, 1, 100}) {
            assertValues(new double[] {0, 0.5, 1}, prox.apply(x, Projection.Box.of(0, 1), s), 0);
        }
        ProxOperator<Tensor, Void> nonNeg = Prox.fromProjection(ProjectionOperator.of(Projection::nonNegative));
        assertValues(new double[] {0, 0.5, 3}, nonNeg.apply(x, null, 3.0), 0);
    }

    @Test
    void leafwiseAppliesToEveryLeafOfATree() {
        ProxOperator<List<Tensor>, Tensor> lasso = ProxOperator.leafwise(Prox::lasso);
        List<Tensor> out = lasso.apply(List.of(Tensor.of(3, -1), Tensor.scalar(-4)), Tensor.scalar(1.5), 1.0);
        assertValues(new double[] {1.5, 0}, out.get(0), EXACT);
        assertValues(new double[] {-2.5}, out.get(1), EXACT);
    }

    // ================================================================== argmin by search

    /** The minimizer of a convex function of one variable on [lo, hi] by golden-section search. */
    static double goldenSection(DoubleUnaryOperator f, double lo, double hi) {
        double r = (Math.sqrt(5) - 1) / 2;
        double a = lo;
        double b = hi;
        double c = b - r * (b - a);
        double d = a + r * (b - a);
        double fc = f.applyAsDouble(c);
        double fd = f.applyAsDouble(d);
        for (int i = 0; i < 200 && b - a > 1e-13; i++) {
            if (fc <= fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - r * (b - a);
                fc = f.applyAsDouble(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + r * (b - a);
                fd = f.applyAsDouble(d);
            }
        }
        return (a + b) / 2;
    }

    /** A separable penalty: s·g(y) for one coordinate, with the coordinate's index. */
    private interface Penalty {
        double at(int i, double y);
    }

    /** argmin_y ½(y − xᵢ)² + penalty(i, y) coordinate by coordinate, over [lo, hi]. */
    private static double[] separableArgmin(double[] x, Penalty penalty, boolean nonNegative) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            final int k = i;
            double bound = Math.abs(x[i]) + 1;
            y[i] = goldenSection(v -> 0.5 * (v - x[k]) * (v - x[k]) + penalty.at(k, v), nonNegative ? 0 : -bound, bound);
        }
        return y;
    }

    @Test
    void separableProxesAreTheArgminOfTheirProblem() {
        double[] x = Tensor.randomNormal(11, 9).mul(2.0).toArray();
        x[0] = 0;
        x[1] = 0.35; // exactly at the threshold s·λ of the lasso below
        Tensor xt = Tensor.of(x);
        double s = 0.7;
        double l1 = 0.5;
        double l2 = 1.3;
        double[] w = Tensor.randomUniform(12, 9).mul(2.0).toArray(); // per-coordinate weights

        assertValues(separableArgmin(x, (i, y) -> s * l1 * Math.abs(y), false), Prox.lasso(xt, l1, s), SEARCH);
        assertValues(separableArgmin(x, (i, y) -> s * w[i] * Math.abs(y), false), Prox.lasso(xt, Tensor.of(w), s), SEARCH);
        assertValues(separableArgmin(x, (i, y) -> s * l1 * y, true), Prox.nonNegativeLasso(xt, l1, s), SEARCH);
        assertValues(separableArgmin(x, (i, y) -> s * l1 * (Math.abs(y) + 0.5 * l2 * y * y), false),
                Prox.elasticNet(xt, l1, l2, s), SEARCH);
        assertValues(separableArgmin(x, (i, y) -> s * 0.5 * l2 * y * y, false), Prox.ridge(xt, l2, s), SEARCH);
        assertValues(separableArgmin(x, (i, y) -> s * 0.5 * w[i] * y * y, false), Prox.ridge(xt, Tensor.of(w), s), SEARCH);
        assertValues(separableArgmin(x, (i, y) -> s * 0.5 * l2 * y * y, true), Prox.nonNegativeRidge(xt, l2, s), SEARCH);
        assertValues(separableArgmin(x, (i, y) -> 0.0, false), Prox.none(xt, null, s), SEARCH);
    }

    /**
     * argmin_y ½‖y − x‖² + t·‖y‖₂ by cyclic coordinate descent, each coordinate minimized by
     * golden-section search: uses only values of the objective.
     */
    private static double[] groupLassoByCoordinateDescent(double[] x, double t) {
        double[] y = x.clone();
        for (int sweep = 0; sweep < 300; sweep++) {
            for (int i = 0; i < y.length; i++) {
                double rest = 0;
                for (int j = 0; j < y.length; j++) {
                    rest += j == i ? 0 : y[j] * y[j];
                }
                final double r2 = rest;
                final int k = i;
                double bound = Math.abs(x[i]) + 1;
                y[i] = goldenSection(v -> 0.5 * (v - x[k]) * (v - x[k]) + t * Math.sqrt(v * v + r2), -bound, bound);
            }
        }
        return y;
    }

    @Test
    void groupLassoIsTheArgminOfItsProblem() {
        double[] x = {3, 4, -1, 2};
        for (double lambda : new double[] {0.5, 2.0, 4.0}) {
            double s = 1.25;
            assertValues(groupLassoByCoordinateDescent(x, s * lambda), Prox.groupLasso(Tensor.of(x), lambda, s), SEARCH);
        }
        // ‖x‖ < s·λ: the solution is 0
        double[] small = {0.3, -0.2, 0.1};
        assertValues(groupLassoByCoordinateDescent(small, 1.0), Prox.groupLasso(Tensor.of(small), 1.0, 1.0), SEARCH);
    }

    // ================================================================== Moreau identity

    // prox_{s·g}(x) + s·prox_{(1/s)·g*}(x/s) = x. For g = λ‖·‖ (any norm), g* is the indicator of
    // the dual-norm ball of radius λ, whose prox is the projection for every scaling, so the
    // identity reads prox_{s·g}(x) + P_{ball(s·λ)}(x) = x.

    @Test
    void moreauIdentityLassoAndLinfBall() {
        Tensor x = Tensor.randomNormal(21, 12).mul(3.0);
        for (double s : new double[] {1.0, 0.4}) {
            Tensor sum = Prox.lasso(x, 0.8, s).add(Projection.lInfBall(x, 0.8 * s));
            assertValues(x.toArray(), sum, 1e-15);
        }
    }

    @Test
    void moreauIdentityGroupLassoAndL2Ball() {
        Tensor x = Tensor.randomNormal(22, 7);
        for (double lambda : new double[] {0.5, 10.0}) { // both sides of ‖x‖
            Tensor sum = Prox.groupLasso(x, lambda, 0.9).add(Projection.l2Ball(x, 0.9 * lambda));
            assertValues(x.toArray(), sum, 1e-14);
        }
    }

    @Test
    void moreauIdentityRidge() {
        // g = λ/2‖·‖², g* = ‖·‖²/(2λ) = the ridge penalty of strength 1/λ; (1/s)·g* has strength 1/(λs).
        Tensor x = Tensor.randomNormal(23, 6);
        double lambda = 2.5;
        for (double s : new double[] {1.0, 0.3}) {
            Tensor conj = Prox.ridge(x.div(s), 1 / (lambda * s), 1.0).mul(s);
            assertValues(x.toArray(), Prox.ridge(x, lambda, s).add(conj), 1e-14);
        }
    }

    @Test
    void moreauIdentityNonNegativeLasso() {
        // g = λ·Σy + ι_{y≥0}: g*(u) = ι_{u ≤ λ}, whose prox is the projection min(u, λ).
        Tensor x = Tensor.randomNormal(24, 10).mul(2.0);
        double s = 0.6;
        Tensor conj = Projection.box(x, Tensor.scalar(Double.NEGATIVE_INFINITY), Tensor.scalar(0.9 * s));
        assertValues(x.toArray(), Prox.nonNegativeLasso(x, 0.9, s).add(conj), 1e-15);
    }

    @Test
    void moreauIdentityElasticNetWithConjugateBySearch() {
        // g(y) = λ₁(|y| + ½λ₂y²) per coordinate; g*(u) = max(|u| − λ₁, 0)² / (2λ₁λ₂) (Huber-like).
        // prox_{g*} is found by golden-section search on ½(v − x)² + g*(v), not by a formula.
        double l1 = 0.7;
        double l2 = 1.5;
        double[] x = Tensor.randomNormal(25, 10).mul(2.0).toArray();
        double[] conj = separableArgmin(x, (i, v) -> {
            double e = Math.max(Math.abs(v) - l1, 0);
            return e * e / (2 * l1 * l2);
        }, false);
        assertValues(x, Prox.elasticNet(Tensor.of(x), l1, l2, 1.0).add(Tensor.of(conj)), SEARCH);
    }

    @Test
    void moreauIdentityNonNegativeRidgeWithConjugateBySearch() {
        // g(y) = λ/2·y² + ι_{y≥0}; g*(u) = max(u, 0)²/(2λ).
        double lambda = 0.8;
        double[] x = Tensor.randomNormal(26, 10).mul(2.0).toArray();
        double[] conj = separableArgmin(x, (i, v) -> Math.max(v, 0) * Math.max(v, 0) / (2 * lambda), false);
        assertValues(x, Prox.nonNegativeRidge(Tensor.of(x), lambda, 1.0).add(Tensor.of(conj)), SEARCH);
    }

    // ================================================================== derivatives

    /** Entries of x with |x| well away from the threshold t (and from 0). */
    private static Tensor awayFromKinks(long seed, int n, double t) {
        double[] v = Tensor.randomNormal(seed, n).mul(2.0).toArray();
        for (int i = 0; i < n; i++) {
            double a = Math.abs(v[i]);
            if (Math.abs(a - t) < 0.05 || a < 0.05) {
                v[i] = Math.copySign(a + 0.3, v[i] == 0 ? 1 : v[i]);
            }
        }
        return Tensor.of(v);
    }

    @Test
    void derivativesInXAndHyperparameters() {
        double s = 0.7;
        Tensor lambda = Tensor.scalar(0.6);
        Tensor x = awayFromKinks(31, 8, s * 0.6);
        check(a -> Prox.lasso(a.x(), a.h(), s), new XH(x, lambda));
        check(a -> Prox.nonNegativeLasso(a.x(), a.h(), s), new XH(x, lambda));
        check(a -> Prox.ridge(a.x(), a.h(), s), new XH(x, lambda));
        check(a -> Prox.nonNegativeRidge(a.x(), a.h(), s), new XH(x, lambda));
        check((XHH a) -> Prox.elasticNet(a.x(), a.h1(), a.h2(), s), new XHH(x, lambda, Tensor.scalar(1.7)));
        check(a -> Prox.groupLasso(a.x(), a.h(), s), new XH(x, lambda));
        check(a -> Prox.groupLasso(a.x(), a.h(), s), new XH(x, Tensor.scalar(4.0))); // s·λ close to ‖x‖ but below
        // per-coordinate weights
        Tensor weights = Tensor.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.45, 0.35, 0.25);
        Tensor xw = Tensor.of(2, -1.5, 0.9, -0.05, 1.4, -0.6, 0.1, 3);
        check(a -> Prox.lasso(a.x(), a.h(), 1.0), new XH(xw, weights));
        check((XHH a) -> Prox.elasticNet(a.x(), a.h1(), a.h2(), 1.0), new XHH(xw, weights, weights.mul(3.0)));
        // groups along an axis, one strength per group
        Tensor m = Tensor.of(new double[][] {{3, 4, 1}, {0.3, 0.4, -0.1}, {-2, 1, 0.5}});
        check(a -> Prox.groupLasso(a.x(), a.h(), 1.0, 1), new XH(m, Tensor.of(new int[] {3, 1}, new double[] {1, 0.2, 0.5})));
    }

    @Test
    void derivativeAtTheKinksFollowsJaxopt() {
        // soft-thresholding at |x| = s·λ and at x = 0 takes the zero branch: derivative 0.
        Tensor x = Tensor.of(0.5, -0.5, 0.0, 2.0);
        Tensor jac = Autodiff.jacfwd((Tensor z) -> Prox.lasso(z, 0.5, 1.0)).apply(x);
        assertValues(new double[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, jac, 0);
        Tensor jacRev = Autodiff.jacrev((Tensor z) -> Prox.lasso(z, 0.5, 1.0)).apply(x);
        assertValues(jac.toArray(), jacRev, 0);
        // block soft-thresholding at ‖x‖ = s·λ and at 0: zero derivative, no NaN
        Tensor g = Autodiff.jacrev((Tensor z) -> Prox.groupLasso(z, 5.0, 1.0)).apply(Tensor.of(3, 4));
        assertValues(new double[] {0, 0, 0, 0}, g, 0);
        Tensor g0 = Autodiff.jacfwd((Tensor z) -> Prox.groupLasso(z, 0.5, 1.0)).apply(Tensor.zeros(2));
        assertValues(new double[] {0, 0, 0, 0}, g0, 0);
    }

    @Test
    void secondOrderDerivativesOfSmoothPieces() {
        // ridge and group lasso are smooth away from the kinks: check the derivative rules' own derivatives.
        Tensor x = awayFromKinks(32, 5, 0.3);
        GradCheck.checkGrads((XH a) -> Prox.ridge(a.x(), a.h(), 0.5), new XH(x, Tensor.scalar(0.8)), 2);
        GradCheck.checkGrads((XH a) -> Prox.groupLasso(a.x(), a.h(), 0.5), new XH(x, Tensor.scalar(0.8)), 2);
    }

    private static <T> void check(Function<T, Tensor> f, T args) {
        GradCheck.checkGrads(f, args, 1, FORWARD, REVERSE);
    }

    // ================================================================== argument checks

    @Test
    void refusesBadArguments() {
        Tensor x = Tensor.of(1, 2);
        assertEquals("Prox.lasso: l1reg must be finite and >= 0, got -0.5",
                assertThrows(IllegalArgumentException.class, () -> Prox.lasso(x, -0.5, 1.0)).getMessage());
        assertEquals("Prox.ridge: l2reg must be finite and >= 0, got NaN at entry 1",
                assertThrows(IllegalArgumentException.class,
                        () -> Prox.ridge(x, Tensor.of(1, Double.NaN), 1.0)).getMessage());
        assertEquals("Prox.lasso: scaling must be finite and >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> Prox.lasso(x, 0.5, -1.0)).getMessage());
        assertEquals("Prox.lasso: l1reg of shape [3] does not broadcast to shape [2]",
                assertThrows(ShapeException.class, () -> Prox.lasso(x, Tensor.of(1, 2, 3), 1.0)).getMessage());
        assertEquals("Prox.elasticNet: l2reg is null",
                assertThrows(IllegalArgumentException.class,
                        () -> Prox.elasticNet(x, Tensor.scalar(1.0), null, 1.0)).getMessage());
        assertThrows(ShapeException.class, () -> Prox.groupLasso(x, Tensor.of(1, 1), 1.0));
        assertThrows(ShapeException.class, () -> Prox.groupLasso(x, Tensor.scalar(1.0), 1.0, 1));
    }

    // ================================================================== helpers

    static void assertValues(double[] expected, Tensor actual, double tol) {
        double[] a = actual.toArray();
        assertEquals(expected.length, a.length, "number of entries");
        for (int i = 0; i < a.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            if (!(Math.abs(a[i] - expected[i]) <= tol * scale)) {
                assertArrayEquals(expected, a, tol, "entry " + i + " differs");
            }
        }
    }
}
