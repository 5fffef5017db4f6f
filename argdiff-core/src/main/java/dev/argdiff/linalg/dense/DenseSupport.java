package dev.argdiff.linalg.dense;

/**
 * Argument checks, layout helpers and thresholds shared by the dense decompositions.
 * Package-private: the public classes document the behaviour.
 */
final class DenseSupport {

    /** Machine epsilon, the gap between 1 and the next double: 2⁻⁵² ≈ 2.2e-16. */
    static final double EPS = Math.ulp(1.0);

    /**
     * Relative tolerance of the symmetry check: |a(i, j) − a(j, i)| may reach this times the
     * largest |entry| (√ε, generous enough for matrices assembled in floating point, such as
     * XᵀX or an autodiff Hessian, and far below any asymmetry that is a mistake).
     */
    static final double SYMMETRY_TOLERANCE = 1.0e-8;

    private DenseSupport() {
    }

    /**
     * The default singularity threshold for a matrix of {@code dim} rows or columns:
     * {@code max(1, dim)·ε}. Below it, the first-order error bound dim·ε·κ(A) of a backward
     * stable solve exceeds 1, so the computed solution may have no correct digit.
     */
    static double defaultRcondThreshold(int dim) {
        return Math.max(1, dim) * EPS;
    }

    static void requireNonNegative(String op, String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + value);
        }
    }

    static void requireThreshold(String op, double rcondThreshold) {
        if (!(rcondThreshold >= 0 && rcondThreshold <= 1)) {
            throw new IllegalArgumentException(op + ": rcondThreshold must be in [0, 1], got " + rcondThreshold);
        }
    }

    /** Checks a square row-major n×n matrix argument: not null, n ≥ 0, right length, finite. */
    static void requireSquare(String op, String name, double[] a, int n) {
        requireNonNegative(op, "n", n);
        if (a == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        long expected = (long) n * n;
        if (a.length != expected) {
            throw new IllegalArgumentException(op + ": " + name + " has length " + a.length
                    + ", expected n*n = " + expected + " for n = " + n);
        }
        requireFinite(op, "matrix", a, n, n);
    }

    /** Checks a row-major rows×cols matrix argument: not null, sizes ≥ 0, right length, finite. */
    static void requireMatrix(String op, String name, double[] a, int rows, int cols) {
        requireNonNegative(op, "m", rows);
        requireNonNegative(op, "n", cols);
        if (a == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        long expected = (long) rows * cols;
        if (a.length != expected) {
            throw new IllegalArgumentException(op + ": " + name + " has length " + a.length
                    + ", expected m*n = " + expected + " for m = " + rows + ", n = " + cols);
        }
        requireFinite(op, "matrix", a, rows, cols);
    }

    /** Checks a right-hand side vector of length {@code rows}, called {@code rowsName} in the API. */
    static void requireRhs(String op, String name, double[] b, String rowsName, int rows) {
        if (b == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        if (b.length != rows) {
            throw new IllegalArgumentException(op + ": " + name + " has length " + b.length
                    + ", expected " + rowsName + " = " + rows);
        }
        for (int i = 0; i < rows; i++) {
            if (!Double.isFinite(b[i])) {
                throw new IllegalArgumentException(op + ": right-hand side contains " + b[i] + " at index " + i);
            }
        }
    }

    /** Checks right-hand sides stored row-major as rows×nrhs, rows called {@code rowsName} in the API. */
    static void requireRhs(String op, String name, double[] b, String rowsName, int rows, int nrhs) {
        requireNonNegative(op, "nrhs", nrhs);
        if (b == null) {
            throw new IllegalArgumentException(op + ": " + name + " must not be null");
        }
        long expected = (long) rows * nrhs;
        if (b.length != expected) {
            throw new IllegalArgumentException(op + ": " + name + " has length " + b.length
                    + ", expected " + rowsName + "*nrhs = " + expected + " for " + rowsName + " = " + rows
                    + ", nrhs = " + nrhs);
        }
        requireFinite(op, "right-hand side", b, rows, nrhs);
    }

    private static void requireFinite(String op, String what, double[] a, int rows, int cols) {
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException(op + ": " + what + " contains " + a[i]
                        + " at (" + (i / cols) + ", " + (i % cols) + ")");
            }
        }
    }

    /**
     * Checks that a finite row-major n×n matrix is symmetric to within
     * {@link #SYMMETRY_TOLERANCE}·max|aᵢⱼ|.
     */
    static void requireSymmetric(String op, double[] a, int n) {
        double maxAbs = 0;
        for (double v : a) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        double tol = SYMMETRY_TOLERANCE * maxAbs;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double lower = a[i * n + j];
                double upper = a[j * n + i];
                if (Math.abs(lower - upper) > tol) {
                    throw new NotSymmetricException(op + ": matrix is not symmetric: a(" + i + ", " + j
                            + ") = " + lower + " but a(" + j + ", " + i + ") = " + upper);
                }
            }
        }
    }

    /** A new cols×rows row-major array holding the transpose of the row-major rows×cols {@code a}. */
    static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            int row = i * cols;
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[row + j];
            }
        }
        return t;
    }

    /** The 1-norm (largest column sum of absolute values) of a row-major rows×cols matrix. */
    static double norm1(double[] a, int rows, int cols) {
        double[] sums = new double[cols];
        for (int i = 0; i < rows; i++) {
            int row = i * cols;
            for (int j = 0; j < cols; j++) {
                sums[j] += Math.abs(a[row + j]);
            }
        }
        double max = 0;
        for (double s : sums) {
            max = Math.max(max, s);
        }
        return max;
    }
}
