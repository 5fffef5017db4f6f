package dev.argdiff.linalg.dense;

import java.util.SplittableRandom;

import static dev.argdiff.testing.PlainLinearAlgebra.norm;

/** Deterministic test matrices and naive reference kernels (independent of BLAS). */
final class TestMatrices {

    private TestMatrices() {
    }

    static double[] random(long seed, int len) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = rng.nextDouble(-1, 1);
        }
        return x;
    }

    /** A random symmetric positive definite n×n matrix XᵀX/n + I, row-major. */
    static double[] spd(long seed, int n) {
        double[] x = random(seed, n * n);
        double[] a = multiply(transpose(x, n, n), n, n, x, n);
        for (int i = 0; i < n * n; i++) {
            a[i] /= n;
        }
        for (int i = 0; i < n; i++) {
            a[i * n + i] += 1.0;
        }
        // Exact symmetry, whatever the summation order did.
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                a[j * n + i] = a[i * n + j];
            }
        }
        return a;
    }

    /** A random nonsymmetric, well-conditioned n×n matrix: random entries plus 2·√n on the diagonal. */
    static double[] nonsymmetric(long seed, int n) {
        double[] a = random(seed, n * n);
        for (int i = 0; i < n; i++) {
            a[i * n + i] += 2 * Math.sqrt(n);
        }
        return a;
    }

    static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /** Naive row-major (m×k)·(k×n). */
    static double[] multiply(double[] a, int m, int k, double[] b, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                double aip = a[i * k + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b[p * n + j];
                }
            }
        }
        return c;
    }

    static double[] subtract(double[] x, double[] y) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i] - y[i];
        }
        return d;
    }

    /** ‖A·X − B‖_F / ‖B‖_F for row-major A (n×n... or m×k) and X (k×nrhs). */
    static double relativeResidual(double[] a, int m, int k, double[] x, int nrhs, double[] b) {
        return norm(subtract(multiply(a, m, k, x, nrhs), b)) / norm(b);
    }

    static double maxAbsDiff(double[] x, double[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }
}
