package dev.argdiff.projection;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Isotonic regression by PAV against the min–max closed form, its bounds, its rows, and its
 * derivative (block averages) against central finite differences in both modes.
 */
class IsotonicTest {

    /** x_i = max_{j ≤ i} min_{k ≥ i} mean(y_j..y_k): the closed form of increasing isotonic regression. */
    private static double[] minMax(double[] y) {
        int n = y.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                double worst = Double.POSITIVE_INFINITY;
                for (int k = i; k < n; k++) {
                    double s = 0;
                    for (int q = j; q <= k; q++) {
                        s += y[q];
                    }
                    worst = Math.min(worst, s / (k - j + 1));
                }
                best = Math.max(best, worst);
            }
            x[i] = best;
        }
        return x;
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }

    @Test
    void smallCasesByHand() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Isotonic.isotonicL2(Tensor.of(1, 3, 2, 4)).toArray(), 1e-15);
        assertArrayEquals(new double[] {2, 2, 2}, Isotonic.isotonicL2(Tensor.of(3, 1, 2)).toArray(), 1e-15);
        assertArrayEquals(new double[] {4, 2.5, 2.5, 1},
                Isotonic.isotonicL2(Tensor.of(4, 2, 3, 1), false).toArray(), 1e-15);
        assertArrayEquals(new double[] {1.5, 2.5, 2.5, 3},
                Isotonic.isotonicL2(Tensor.of(1, 3, 2, 4), 1.5, 3, true).toArray(), 1e-15);
    }

    @Test
    void matchesTheMinMaxFormulaInBothDirectionsAndRowByRow() {
        Tensor y = Tensor.randomNormal(5, 4, 9).add(Tensor.linspace(0, 1, 9));
        double[][] rows = y.toArray2d();
        double[][] inc = Isotonic.isotonicL2(y).toArray2d();
        double[][] dec = Isotonic.isotonicL2(y, false).toArray2d();
        for (int r = 0; r < rows.length; r++) {
            assertArrayEquals(minMax(rows[r]), inc[r], 1e-14);
            assertArrayEquals(negate(minMax(negate(rows[r]))), dec[r], 1e-14);
            assertArrayEquals(minMax(rows[r]), Isotonic.isotonicL2(Tensor.of(rows[r])).toArray(), 1e-14);
        }
    }

    @Test
    void derivativeIsTheBlockAverageAndMatchesFiniteDifferences() {
        // y = (1, 3, 2, 4): blocks {0}, {1, 2}, {3}; the Jacobian averages over {1, 2}.
        Tensor jac = Autodiff.jacrev((Tensor v) -> Isotonic.isotonicL2(v).mul(Tensor.of(1, 10, 100, 1000)).sum())
                .apply(Tensor.of(1, 3, 2, 4));
        assertArrayEquals(new double[] {1, 55, 55, 1000}, jac.toArray(), 1e-13);
        Tensor w = Tensor.randomNormal(8, 3, 12);
        Tensor y = Tensor.randomNormal(9, 3, 12).add(Tensor.linspace(0, 2, 12));
        for (boolean increasing : new boolean[] {true, false}) {
            Function<Tensor, Tensor> f = v -> Isotonic.isotonicL2(v, -0.8, 1.2, increasing).mul(w).sum();
            GradCheck.checkGrads(f, y, 2);
            Function<Tensor, Tensor> g = v -> Isotonic.isotonicL2(v, increasing).square().mul(w).sum();
            GradCheck.checkGrads(g, y, 2);
        }
        // clipped entries have derivative 0
        Tensor clipped = Autodiff.grad((Tensor v) -> Isotonic.isotonicL2(v, 0, 1, true).sum()).apply(Tensor.of(-2, 0.5, 3));
        assertArrayEquals(new double[] {0, 1, 0}, clipped.toArray(), 0);
    }

    @Test
    void forwardAndReverseAgree() {
        Tensor y = Tensor.randomNormal(3, 10);
        Tensor v = Tensor.randomNormal(4, 10);
        Tensor u = Tensor.randomNormal(5, 10);
        Tensor jv = Autodiff.jvp((Tensor t) -> Isotonic.isotonicL2(t, false), y, v).tangent();
        Tensor uj = Autodiff.vjp((Tensor t) -> Isotonic.isotonicL2(t, false), y).pullback().apply(u);
        assertEquals(u.vdot(jv).item(), uj.vdot(v).item(), 1e-13);
    }

    @Test
    void badInputIsRefused() {
        assertThrows(ShapeException.class, () -> Isotonic.isotonicL2(Tensor.scalar(1)));
        assertThrows(IllegalArgumentException.class, () -> Isotonic.isotonicL2(Tensor.of(1, Double.NaN)));
        assertEquals("Isotonic.isotonicL2: need yMin <= yMax, got yMin = 2.0, yMax = 1.0",
                assertThrows(IllegalArgumentException.class,
                        () -> Isotonic.isotonicL2(Tensor.of(1, 2), 2, 1, true)).getMessage());
        assertArrayEquals(new double[0], Isotonic.isotonicL2(Tensor.zeros(0)).toArray(), 0);
    }
}
