package dev.argdiff.linalg.krylov;

import dev.argdiff.backend.Blas;

import dev.argdiff.testing.PlainLinearAlgebra;
import java.util.Random;

import static dev.argdiff.testing.PlainLinearAlgebra.norm;

/**
 * Dense row-major test systems with reference answers computed independently of the Krylov
 * code: Gaussian elimination with partial pivoting.
 */
final class DenseTestSystems {

    private DenseTestSystems() {
    }

    /** A row-major m×n matrix. */
    record Matrix(int rows, int cols, double[] data) {

        double get(int i, int j) {
            return data[i * cols + j];
        }

        MatVec matvec() {
            return x -> {
                double[] y = new double[rows];
                Blas.gemv(false, rows, cols, 1.0, data, 0, x, 0, 0.0, y, 0);
                return y;
            };
        }

        MatVec transposeMatvec() {
            return y -> {
                double[] x = new double[cols];
                Blas.gemv(true, rows, cols, 1.0, data, 0, y, 0, 0.0, x, 0);
                return x;
            };
        }

        double[] times(double[] x) {
            return matvec().apply(x);
        }

        double[] diagonal() {
            double[] d = new double[Math.min(rows, cols)];
            for (int i = 0; i < d.length; i++) {
                d[i] = get(i, i);
            }
            return d;
        }

        /** AᵀA + ridge·I, as a new matrix. */
        Matrix normal(double ridge) {
            double[] c = new double[cols * cols];
            Blas.gemm(true, false, cols, cols, rows, 1.0, data, 0, data, 0, 0.0, c, 0);
            for (int i = 0; i < cols; i++) {
                c[i * cols + i] += ridge;
            }
            return new Matrix(cols, cols, c);
        }

        /** This + s·I. */
        Matrix plusIdentity(double s) {
            double[] c = data.clone();
            for (int i = 0; i < Math.min(rows, cols); i++) {
                c[i * cols + i] += s;
            }
            return new Matrix(rows, cols, c);
        }
    }

    static Matrix gaussian(Random rng, int m, int n) {
        double[] a = new double[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextGaussian();
        }
        return new Matrix(m, n, a);
    }

    /** MᵀM + n·I for Gaussian M: SPD with eigenvalues in about [n, 5n], condition number ≤ ~5. */
    static Matrix randomSpd(Random rng, int n) {
        return gaussian(rng, n, n).normal(n);
    }

    /**
     * A nonsymmetric, strictly row diagonally dominant matrix: off-diagonal entries uniform in
     * (−1, 1), diagonal 1.2 times the row's off-diagonal absolute sum.
     */
    static Matrix diagonallyDominant(Random rng, int n) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    a[i * n + j] = 2 * rng.nextDouble() - 1;
                    sum += Math.abs(a[i * n + j]);
                }
            }
            a[i * n + i] = 1.2 * sum;
        }
        return new Matrix(n, n, a);
    }

    /** D·A·D with D = diag(d). */
    static Matrix scaled(Matrix a, double[] d) {
        int n = a.rows();
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i * n + j] = d[i] * a.get(i, j) * d[j];
            }
        }
        return new Matrix(n, n, c);
    }

    static double[] gaussianVector(Random rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    /** Solves A·x = b by Gaussian elimination with partial pivoting (reference answers). */
    static double[] directSolve(Matrix matrix, double[] b) {
        int n = matrix.rows();
        if (matrix.cols() != n || b.length != n) {
            throw new IllegalArgumentException("directSolve: needs a square system");
        }
        return PlainLinearAlgebra.solve(matrix.data(), n, b);
    }

    static double[] minus(double[] x, double[] y) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i] - y[i];
        }
        return d;
    }

    /** ‖x − y‖ / ‖y‖. */
    static double relativeError(double[] x, double[] y) {
        return norm(minus(x, y)) / norm(y);
    }

    /** ‖b − A·x‖ recomputed from the dense matrix. */
    static double residualNorm(Matrix a, double[] x, double[] b) {
        return norm(minus(b, a.times(x)));
    }
}
