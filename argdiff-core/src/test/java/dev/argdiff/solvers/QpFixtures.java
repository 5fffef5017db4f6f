package dev.argdiff.solvers;

import dev.argdiff.tensor.Tensor;

import java.util.Random;

/** Random quadratic programs and plain-Java references for the QP solver tests. */
final class QpFixtures {
    private QpFixtures() {
    }

    /** A random symmetric positive definite n×n matrix MᵀM/n + shift·I, row-major. */
    static double[] spd(Random rnd, int n, double shift) {
        double[] m = gaussian(rnd, n * n);
        double[] q = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += m[k * n + i] * m[k * n + j];
                }
                q[i * n + j] = s / n + (i == j ? shift : 0);
            }
        }
        return q;
    }

    static double[] gaussian(Random rnd, int size) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    static Tensor matrix(double[] a, int rows, int cols) {
        return Tensor.of(new int[]{rows, cols}, a.clone());
    }

    static double[][] rows(double[] a, int rows, int cols) {
        double[][] r = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a, i * cols, r[i], 0, cols);
        }
        return r;
    }

    static double[] matvec(double[] a, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += a[i * cols + j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    /** The dense KKT matrix [Q Aᵀ; A 0] as rows. */
    static double[][] kkt(double[] q, double[] a, int n, int p) {
        double[][] k = new double[n + p][n + p];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                k[i][j] = q[i * n + j];
            }
        }
        for (int r = 0; r < p; r++) {
            for (int j = 0; j < n; j++) {
                k[n + r][j] = a[r * n + j];
                k[j][n + r] = a[r * n + j];
            }
        }
        return k;
    }

    /** Solves the equality QP min ½xᵀQx + cᵀx s.t. Ax = b by plain elimination; returns (x, ν). */
    static double[] equalityQp(double[] q, double[] c, double[] a, double[] b, int n, int p) {
        double[] rhs = new double[n + p];
        for (int i = 0; i < n; i++) {
            rhs[i] = -c[i];
        }
        for (int r = 0; r < p; r++) {
            rhs[n + r] = b[r];
        }
        return dev.argdiff.testing.PlainLinearAlgebra.solve(kkt(q, a, n, p), rhs);
    }

    static double maxAbsDiff(double[] a, double[] b) {
        return SolverFixtures.maxAbsDiff(a, b);
    }
}
