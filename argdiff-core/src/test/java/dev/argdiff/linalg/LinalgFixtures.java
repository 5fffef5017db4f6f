package dev.argdiff.linalg;

import dev.argdiff.tensor.Tensor;

import java.util.Random;

import static dev.argdiff.testing.PlainLinearAlgebra.matvec;
import static dev.argdiff.testing.PlainLinearAlgebra.norm;

/**
 * Deterministic test systems and independent reference answers for the tests of the
 * {@code linalg} layer.
 *
 * <p>The references are written here in plain Java loops — Gaussian elimination with partial
 * pivoting, Gauss–Jordan inversion, explicit residuals — and share no code with BLAS, LAPACK,
 * the Krylov solvers or the tensor kernels they check.
 */
final class LinalgFixtures {
    private LinalgFixtures() {
    }

    // ------------------------------------------------------------------ systems

    /** A Gaussian n×m matrix with entries N(0, 1) (java.util.Random, fixed seed). */
    static double[][] gaussian(long seed, int n, int m) {
        Random rng = new Random(seed);
        double[][] a = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                a[i][j] = rng.nextGaussian();
            }
        }
        return a;
    }

    /** A Gaussian vector of length n. */
    static double[] gaussianVector(long seed, int n) {
        return gaussian(seed, 1, n)[0];
    }

    /**
     * A symmetric positive definite MᵀM/n + I with Gaussian M: by the Marchenko–Pastur law its
     * eigenvalues lie in about [1, 5], so κ ≈ 5.
     */
    static double[][] randomSpd(long seed, int n) {
        double[][] m = gaussian(seed, n, n);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += m[k][i] * m[k][j];
                }
                a[i][j] = s / n + (i == j ? 1.0 : 0.0);
                a[j][i] = a[i][j];
            }
        }
        return a;
    }

    /**
     * A nonsymmetric 2I + M/√n with Gaussian M: its eigenvalues fill about the disc of radius 1
     * around 2 and its singular values lie in about [1, 3].
     */
    static double[][] randomNonsymmetric(long seed, int n) {
        double[][] m = gaussian(seed, n, n);
        double[][] a = new double[n][n];
        double s = 1.0 / Math.sqrt(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = m[i][j] * s + (i == j ? 2.0 : 0.0);
            }
        }
        return a;
    }

    /**
     * A badly scaled SPD matrix D^½·S·D^½ with S = {@link #randomSpd} and D log-spaced over
     * [1, spread]: the condition number is of order {@code spread}, almost all of it from the
     * diagonal scaling that Jacobi preconditioning removes.
     */
    static double[][] badlyScaledSpd(long seed, int n, double spread) {
        double[][] s = randomSpd(seed, n);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = Math.sqrt(Math.pow(spread, (double) i / (n - 1)));
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = d[i] * s[i][j] * d[j];
            }
        }
        return a;
    }

    /** The solver of a fixed method with default options. */
    static LinearSolver solverFor(Method method) {
        return method.solver();
    }

    /** Whether a method needs a symmetric positive definite system. */
    static boolean needsSpd(Method method) {
        return method == Method.CG || method == Method.CHOLESKY;
    }

    // ------------------------------------------------------------------ conversions

    static Tensor tensor(double[][] a) {
        return Tensor.of(a);
    }

    static double[] flat(double[][] a) {
        int n = a.length;
        int m = a[0].length;
        double[] out = new double[n * m];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, out, i * m, m);
        }
        return out;
    }

    static double[][] symmetrize(double[][] a) {
        int n = a.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = 0.5 * (a[i][j] + a[j][i]);
            }
        }
        return s;
    }

    // ------------------------------------------------------------------ reference arithmetic

    /** ‖x − y‖ / ‖y‖. */
    static double relativeError(double[] x, double[] y) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i] - y[i];
        }
        return norm(d) / norm(y);
    }

    /** ‖b − A·x‖ / ‖b‖, recomputed in plain loops. */
    static double relativeResidual(double[][] a, double[] x, double[] b) {
        double[] ax = matvec(a, x);
        double[] r = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[i] - ax[i];
        }
        return norm(r) / norm(b);
    }

    /** x with A·x = b by Gaussian elimination with partial pivoting (the reference solution). */
    static double[] referenceSolve(double[][] a, double[] b) {
        return dev.argdiff.testing.PlainLinearAlgebra.solve(a, b);
    }

    /** A⁻¹, column by column with {@link #referenceSolve}. */
    static double[][] referenceInverse(double[][] a) {
        int n = a.length;
        double[][] inv = new double[n][n];
        for (int j = 0; j < n; j++) {
            double[] e = new double[n];
            e[j] = 1.0;
            double[] col = referenceSolve(a, e);
            for (int i = 0; i < n; i++) {
                inv[i][j] = col[i];
            }
        }
        return inv;
    }

    /** max |x − y| / max(max |y|, tiny): a scale-aware distance for whole arrays. */
    static double maxRelativeDifference(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new AssertionError("lengths " + x.length + " and " + y.length + " differ");
        }
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < x.length; i++) {
            scale = Math.max(scale, Math.abs(y[i]));
            diff = Math.max(diff, Math.abs(x[i] - y[i]));
        }
        return diff / Math.max(scale, 1e-300);
    }
}
