package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Projection.boxSection against exhaustive active-set enumeration of its QP, and its Jacobians against central differences. */
class BoxSectionProjectionTest {

    /** The projection as the QP min ½‖y − x‖² s.t. wᵀy = c, α ≤ y ≤ β, by enumeration. */
    private static double[] reference(double[] x, double[] lo, double[] hi, double[] w, double c) {
        int n = x.length;
        double[] identity = new double[n * n];
        double[] g = new double[2 * n * n];
        double[] h = new double[2 * n];
        for (int i = 0; i < n; i++) {
            identity[i * n + i] = 1;
            g[i * n + i] = 1;
            g[(n + i) * n + i] = -1;
            h[i] = hi[i];
            h[n + i] = -lo[i];
        }
        return ActiveSetEnumeration.solve(identity, Arrays.stream(x).map(v -> -v).toArray(), w, new double[]{c}, g, h,
                n, 1, 2 * n).x();
    }

    @Test
    void matchesEnumerationAndItsDerivativesMatchFiniteDifferences() {
        Random rnd = new Random(12);
        for (int trial = 0; trial < 8; trial++) {
            int n = 3 + trial % 4;
            double[] x = QpFixtures.gaussian(rnd, n);
            double[] w = new double[n];
            double[] lo = new double[n];
            double[] hi = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] *= 2;
                w[i] = 0.5 + rnd.nextDouble() * (trial % 2 == 0 ? 1 : -1) * (i % 2 == 0 ? 1 : -1);
                lo[i] = -rnd.nextDouble();
                hi[i] = rnd.nextDouble();
            }
            double c = 0.3 * (rnd.nextDouble() - 0.5);
            double cc = c;
            double[] expected = reference(x, lo, hi, w, c);
            Function<Tensor, Tensor> proj = z -> Projection.boxSection(z, Tensor.of(lo), Tensor.of(hi), Tensor.of(w),
                    Tensor.scalar(cc));
            double[] y = proj.apply(Tensor.of(x)).toArray();
            int t = trial;
            assertTrue(QpFixtures.maxAbsDiff(y, expected) <= 1e-10, () -> "trial " + t + ": " + Arrays.toString(y) + " vs "
                    + Arrays.toString(expected));
            double[] jac = Autodiff.jacrev(proj).apply(Tensor.of(x)).toArray();
            double[] fwd = Autodiff.jacfwd(proj).apply(Tensor.of(x)).toArray();
            double step = 1e-6;
            for (int j = 0; j < n; j++) {
                double[] plus = x.clone();
                double[] minus = x.clone();
                plus[j] += step;
                minus[j] -= step;
                double[] yp = reference(plus, lo, hi, w, c);
                double[] ym = reference(minus, lo, hi, w, c);
                for (int i = 0; i < n; i++) {
                    assertEquals((yp[i] - ym[i]) / (2 * step), jac[i * n + j], 1e-6, "trial " + t + " dx " + i + ", " + j);
                    assertEquals(jac[i * n + j], fwd[i * n + j], 1e-12);
                }
            }
            // Derivative in c.
            double[] dc = Autodiff.jacfwd((Tensor s) -> Projection.boxSection(Tensor.of(x), Tensor.of(lo), Tensor.of(hi),
                    Tensor.of(w), s)).apply(Tensor.scalar(c)).toArray();
            double[] yp = reference(x, lo, hi, w, c + step);
            double[] ym = reference(x, lo, hi, w, c - step);
            for (int i = 0; i < n; i++) {
                assertEquals((yp[i] - ym[i]) / (2 * step), dc[i], 1e-6, "trial " + t + " dc " + i);
            }
        }
    }

    @Test
    void infiniteBoundsZeroWeightsAndEmptySections() {
        // Half-infinite bounds: y ≥ 0, Σy = 1 is the simplex projection.
        double[] x = {0.9, 0.4, -0.3};
        double[] y = Projection.boxSection(Tensor.of(x), Tensor.zeros(3), Tensor.full(Double.POSITIVE_INFINITY, 3),
                Tensor.ones(3), Tensor.scalar(1.0)).toArray();
        double[] simplex = Projection.simplex(Tensor.of(x), 1.0).toArray();
        assertTrue(QpFixtures.maxAbsDiff(y, simplex) <= 1e-12, Arrays.toString(y));
        // A zero weight leaves its coordinate to its own box.
        double[] z = Projection.boxSection(Tensor.of(2.0, 0.3, 0.1), Tensor.of(-1.0, -1.0, -1.0), Tensor.of(1.0, 1.0, 1.0),
                Tensor.of(0.0, 1.0, 1.0), Tensor.scalar(0.0)).toArray();
        assertTrue(QpFixtures.maxAbsDiff(z, new double[]{1.0, 0.1, -0.1}) <= 1e-12, Arrays.toString(z));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Projection.boxSection(
                Tensor.of(0.0, 0.0), Tensor.zeros(2), Tensor.ones(2), Tensor.ones(2), Tensor.scalar(3.0)));
        assertTrue(e.getMessage().contains("the section is empty"), e.getMessage());
    }
}
