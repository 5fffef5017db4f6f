package dev.argdiff.implicit;

/**
 * Dense linear algebra on plain Java arrays for computing test references independently of
 * argdiff (no tensors, no BLAS/LAPACK): products and Gaussian elimination with partial pivoting.
 */
final class PlainLinalg {
    private PlainLinalg() {
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[][] matmul(double[][] a, double[][] b) {
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

    static double[] matvec(double[][] a, double[] x) {
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

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    static double[] scale(double[] a, double s) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * s;
        }
        return out;
    }

    static double[] sub(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    /** Solves A·X = B (B with several columns) by Gaussian elimination with partial pivoting. */
    static double[][] solve(double[][] a, double[][] b) {
        return dev.argdiff.testing.PlainLinearAlgebra.solve(a, b);
    }

    static double[] solve(double[][] a, double[] b) {
        return dev.argdiff.testing.PlainLinearAlgebra.solve(a, b);
    }

    static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1.0;
        }
        return id;
    }

    static double[][] inverse(double[][] a) {
        return solve(a, identity(a.length));
    }

    static double[] flatten(double[][] a) {
        int cols = a[0].length;
        double[] out = new double[a.length * cols];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * cols, cols);
        }
        return out;
    }
}
