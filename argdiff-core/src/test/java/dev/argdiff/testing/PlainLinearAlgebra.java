package dev.argdiff.testing;

import java.util.Arrays;

/**
 * The tests' one reference linear algebra, written in plain Java loops — independent of argdiff's
 * tensors, BLAS/LAPACK and Krylov code, which it is used to check: products, norms and Gaussian
 * elimination with partial pivoting, on arrays of rows.
 */
public final class PlainLinearAlgebra {
    private PlainLinearAlgebra() {
    }

    /**
     * Solves A·X = B for several right-hand sides (the columns of B). Inputs are not modified.
     *
     * @throws ArithmeticException on an exactly zero pivot
     */
    public static double[][] solve(double[][] a, double[][] b) {
        int n = a.length;
        int m = b.length == 0 ? 0 : b[0].length;
        double[][] lu = new double[n][];
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            lu[i] = a[i].clone();
            x[i] = b[i].clone();
        }
        for (int k = 0; k < n; k++) {
            int piv = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(lu[i][k]) > Math.abs(lu[piv][k])) {
                    piv = i;
                }
            }
            if (lu[piv][k] == 0) {
                throw new ArithmeticException("PlainLinearAlgebra.solve: singular matrix at column " + k);
            }
            double[] t = lu[k];
            lu[k] = lu[piv];
            lu[piv] = t;
            t = x[k];
            x[k] = x[piv];
            x[piv] = t;
            for (int i = k + 1; i < n; i++) {
                double f = lu[i][k] / lu[k][k];
                if (f == 0) {
                    continue;
                }
                for (int j = k; j < n; j++) {
                    lu[i][j] -= f * lu[k][j];
                }
                for (int j = 0; j < m; j++) {
                    x[i][j] -= f * x[k][j];
                }
            }
        }
        for (int k = n - 1; k >= 0; k--) {
            for (int j = 0; j < m; j++) {
                double s = x[k][j];
                for (int l = k + 1; l < n; l++) {
                    s -= lu[k][l] * x[l][j];
                }
                x[k][j] = s / lu[k][k];
            }
        }
        return x;
    }

    /** Solves A·x = b for one right-hand side. */
    public static double[] solve(double[][] a, double[] b) {
        double[][] bb = new double[b.length][1];
        for (int i = 0; i < b.length; i++) {
            bb[i][0] = b[i];
        }
        double[][] x = solve(a, bb);
        double[] out = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = x[i][0];
        }
        return out;
    }

    /** Solves A·x = b for a row-major n×n A. */
    public static double[] solve(double[] a, int n, double[] b) {
        if (a.length != n * n || b.length != n) {
            throw new IllegalArgumentException("PlainLinearAlgebra.solve: A has " + a.length + " entries and b "
                    + b.length + ", expected " + n * n + " and " + n);
        }
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(a, i * n, (i + 1) * n);
        }
        return solve(rows, b);
    }

    /** Aᵀ (an empty A gives an empty result). */
    public static double[][] transpose(double[][] a) {
        double[][] t = new double[a.length == 0 ? 0 : a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    /** A·B. */
    public static double[][] matmul(double[][] a, double[][] b) {
        int m = a.length;
        int k = b.length;
        int n = b[0].length;
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int l = 0; l < k; l++) {
                double ail = a[i][l];
                for (int j = 0; j < n; j++) {
                    c[i][j] += ail * b[l][j];
                }
            }
        }
        return c;
    }

    /** A·x. */
    public static double[] matvec(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += a[i][j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The Euclidean norm. */
    public static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** s·a. */
    public static double[] scale(double[] a, double s) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * s;
        }
        return out;
    }

    /** a − b. */
    public static double[] sub(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    /** The n×n identity. */
    public static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1.0;
        }
        return id;
    }

    /** A⁻¹, by {@link #solve(double[][], double[][])} with the identity. */
    public static double[][] inverse(double[][] a) {
        return solve(a, identity(a.length));
    }

    /** The rows of A one after the other (row-major storage). */
    public static double[] flatten(double[][] a) {
        int cols = a[0].length;
        double[] out = new double[a.length * cols];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * cols, cols);
        }
        return out;
    }
}
