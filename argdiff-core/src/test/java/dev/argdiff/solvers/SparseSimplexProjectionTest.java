package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Projection.sparseSimplex against the best of all k-subsets, each projected onto the simplex by enumeration. */
class SparseSimplexProjectionTest {

    /** min ‖y − x‖ over every support of size k, the simplex projection on it by active-set enumeration. */
    private static double[] bruteForce(double[] x, int k, double scale) {
        int n = x.length;
        double best = Double.POSITIVE_INFINITY;
        double[] arg = null;
        for (int mask = 0; mask < (1 << n); mask++) {
            if (Integer.bitCount(mask) != k) {
                continue;
            }
            int[] idx = new int[k];
            int r = 0;
            for (int i = 0; i < n; i++) {
                if ((mask & (1 << i)) != 0) {
                    idx[r++] = i;
                }
            }
            double[] identity = new double[k * k];
            double[] g = new double[k * k];
            double[] c = new double[k];
            for (int i = 0; i < k; i++) {
                identity[i * k + i] = 1;
                g[i * k + i] = -1;
                c[i] = -x[idx[i]];
            }
            double[] ones = new double[k];
            Arrays.fill(ones, 1);
            double[] sub = ActiveSetEnumeration.solve(identity, c, ones, new double[]{scale}, g, new double[k], k, 1, k).x();
            double[] y = new double[n];
            for (int i = 0; i < k; i++) {
                y[idx[i]] = sub[i];
            }
            double d = 0;
            for (int i = 0; i < n; i++) {
                d += (y[i] - x[i]) * (y[i] - x[i]);
            }
            if (d < best) {
                best = d;
                arg = y;
            }
        }
        return arg;
    }

    @Test
    void matchesTheBestSupportAndItsDerivative() {
        Random rnd = new Random(31);
        for (int trial = 0; trial < 10; trial++) {
            int n = 4 + trial % 4;
            int k = 1 + trial % 3;
            double[] x = QpFixtures.gaussian(rnd, n);
            double[] y = Projection.sparseSimplex(Tensor.of(x), k, 1.5).toArray();
            double[] expected = bruteForce(x, k, 1.5);
            int t = trial;
            assertTrue(QpFixtures.maxAbsDiff(y, expected) <= 1e-12, () -> "trial " + t + ": " + Arrays.toString(y)
                    + " vs " + Arrays.toString(expected));
            double[] jac = Autodiff.jacrev((Tensor z) -> Projection.sparseSimplex(z, k, 1.5)).apply(Tensor.of(x)).toArray();
            double step = 1e-7;
            for (int j = 0; j < n; j++) {
                double[] plus = x.clone();
                double[] minus = x.clone();
                plus[j] += step;
                minus[j] -= step;
                double[] yp = bruteForce(plus, k, 1.5);
                double[] ym = bruteForce(minus, k, 1.5);
                for (int i = 0; i < n; i++) {
                    assertEquals((yp[i] - ym[i]) / (2 * step), jac[i * n + j], 1e-6, "trial " + t + " entry " + i + ", " + j);
                }
            }
        }
    }

    @Test
    void refusesBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Projection.sparseSimplex(Tensor.of(1.0, 2.0), 3, 1.0));
        assertTrue(e.getMessage().contains("maxNz must be in [1, 2], got 3"), e.getMessage());
    }
}
