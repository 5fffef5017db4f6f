package dev.argdiff.linalg.dense;

import dev.argdiff.backend.Lapack;

/**
 * Cholesky factorization {@code A = L·Lᵀ} of a symmetric positive definite matrix, for solving
 * {@code A·x = b} and for the (log-)determinant.
 *
 * <p>Half the cost of {@link LU} ((1/3)·n³ flops, LAPACK dpotrf; each solve 2·n² flops per
 * right-hand side, dpotrs) and backward stable without pivoting. L is lower triangular with a
 * positive diagonal; it exists exactly when A is symmetric positive definite.
 *
 * <p><b>Input.</b> The matrix must be symmetric: entries may differ from their mirror by at
 * most 1e-8·max|aᵢⱼ| (roundoff from assembling XᵀX or a Hessian), and the lower triangle is the
 * one used. A larger asymmetry is refused with an {@link IllegalArgumentException}, because the
 * factor of one triangle of a nonsymmetric matrix would silently solve a different system.
 *
 * <p><b>Failures.</b> A matrix that is not positive definite raises a
 * {@link NotPositiveDefiniteException} naming the order of the first leading minor that is not
 * positive (dpotrf's info). A positive definite matrix that is singular to working precision,
 * whose estimated reciprocal condition number {@code 1 / (‖A‖₁·‖A⁻¹‖₁)} (dpocon) is below
 * {@code max(1, n)·ε}, raises a {@link SingularMatrixException}, as in {@link LU}.
 * {@link #factor(double[], int, double)} takes another threshold.
 *
 * <p><b>Storage.</b> Row-major {@code double[]}; inputs are never modified. The row-major
 * symmetric A is its own column-major transpose, so it goes to LAPACK as is; LAPACK's upper
 * factor {@code A = Uᵀ·U} in column-major storage reads, row-major, as the lower factor
 * L = Uᵀ, which is what {@link #lower()} returns. Instances are immutable and thread safe.
 *
 * <pre>{@code
 * Cholesky c = Cholesky.factor(new double[] {4, 2, 2, 3}, 2);  // L = [[2, 0], [1, √2]]
 * double[] x = c.solve(new double[] {6, 5});                   // [1, 1]
 * }</pre>
 */
public final class Cholesky {

    private final int n;
    /** Column-major upper factor U of A = UᵀU; row-major, its lower triangle is L. */
    private final double[] factor;
    private final double rcond;

    private Cholesky(int n, double[] factor, double rcond) {
        this.n = n;
        this.factor = factor;
        this.rcond = rcond;
    }

    /**
     * Factors the symmetric positive definite row-major n×n matrix {@code a}, refusing it when
     * its estimated reciprocal condition number is below {@code max(1, n)·ε}.
     *
     * @param a row-major symmetric n×n matrix; not modified
     * @param n order of the matrix, n ≥ 0
     * @return the factorization
     * @throws IllegalArgumentException     if {@code a} is null, n &lt; 0,
     *                                      {@code a.length != n·n}, {@code a} contains NaN or an
     *                                      infinity, or is not symmetric
     * @throws NotPositiveDefiniteException if {@code a} is not positive definite
     * @throws SingularMatrixException      if the estimated rcond is below the threshold
     */
    public static Cholesky factor(double[] a, int n) {
        DenseSupport.requireNonNegative("Cholesky.factor", "n", n);
        return factor(a, n, DenseSupport.defaultRcondThreshold(n));
    }

    /**
     * Factors the symmetric positive definite row-major n×n matrix {@code a}, refusing it when
     * its estimated reciprocal condition number in the 1-norm is below {@code rcondThreshold}.
     *
     * @param a              row-major symmetric n×n matrix; not modified
     * @param n              order of the matrix, n ≥ 0
     * @param rcondThreshold in [0, 1]; 0 skips the check
     * @return the factorization
     * @throws IllegalArgumentException     if {@code a} is null, n &lt; 0,
     *                                      {@code a.length != n·n}, {@code a} contains NaN or an
     *                                      infinity, or is not symmetric, or the threshold is
     *                                      outside [0, 1]
     * @throws NotPositiveDefiniteException if {@code a} is not positive definite
     * @throws SingularMatrixException      if the estimated rcond is below the threshold
     */
    public static Cholesky factor(double[] a, int n, double rcondThreshold) {
        String op = "Cholesky.factor";
        DenseSupport.requireSquare(op, "a", a, n);
        DenseSupport.requireThreshold(op, rcondThreshold);
        DenseSupport.requireSymmetric(op, a, n);
        if (n == 0) {
            return new Cholesky(0, new double[0], 1.0);
        }
        double[] u = a.clone();
        int info = Lapack.potrf(true, n, u);
        if (info > 0) {
            throw new NotPositiveDefiniteException(op + ": matrix is not positive definite (n = " + n
                    + "): the leading minor of order " + info + " is not positive (pivot at index "
                    + (info - 1) + ")", op, n, info);
        }
        // Only the column-major upper triangle (row-major lower) is the factor; clear the rest
        // so that the stored array is exactly L read row-major.
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                u[i * n + j] = 0.0;
            }
        }
        double rcond = Lapack.pocon(true, n, u, symmetricNorm1(a, n));
        if (rcond < rcondThreshold || Double.isNaN(rcond)) {
            throw new SingularMatrixException(op + ": matrix is singular to working precision (n = " + n
                    + "): estimated reciprocal condition number rcond = " + rcond
                    + " is below the threshold " + rcondThreshold,
                    op, n, n, -1, rcond, rcondThreshold);
        }
        return new Cholesky(n, u, rcond);
    }

    /** The order n of the factored matrix. */
    public int size() {
        return n;
    }

    /** The estimated reciprocal condition number {@code 1 / (‖A‖₁·‖A⁻¹‖₁)} (dpocon); 1 for n = 0. */
    public double rcond() {
        return rcond;
    }

    /** The lower triangular factor L of {@code A = L·Lᵀ}, as a new row-major n×n matrix. */
    public double[] lower() {
        return factor.clone();
    }

    /**
     * Solves {@code A·x = b}.
     *
     * @param b right-hand side of length n; not modified
     * @return a new array x of length n
     * @throws IllegalArgumentException if {@code b} is null, has length ≠ n, or is not finite
     */
    public double[] solve(double[] b) {
        DenseSupport.requireRhs("Cholesky.solve", "b", b, "n", n);
        double[] x = b.clone();
        if (n > 0) {
            Lapack.potrs(true, n, 1, factor, x);
        }
        return x;
    }

    /**
     * Solves {@code A·X = B} for several right-hand sides at once.
     *
     * @param b    row-major n×nrhs matrix whose columns are the right-hand sides; not modified
     * @param nrhs number of right-hand sides, ≥ 0
     * @return a new row-major n×nrhs matrix X
     * @throws IllegalArgumentException if {@code b} is null, nrhs &lt; 0,
     *                                  {@code b.length != n·nrhs}, or {@code b} is not finite
     */
    public double[] solve(double[] b, int nrhs) {
        DenseSupport.requireRhs("Cholesky.solve", "b", b, "n", n, nrhs);
        if (n == 0 || nrhs == 0) {
            return new double[n * nrhs];
        }
        // Row-major n×nrhs B is column-major Bᵀ; LAPACK wants column-major B.
        double[] x = DenseSupport.transpose(b, n, nrhs);
        Lapack.potrs(true, n, nrhs, factor, x);
        return DenseSupport.transpose(x, nrhs, n);
    }

    /**
     * {@code det A = ∏ L(i, i)²}. May overflow to +∞ or underflow to 0 for large n; use
     * {@link #logDeterminant()} then. 1 for the empty matrix.
     */
    public double determinant() {
        double det = 1;
        for (int i = 0; i < n; i++) {
            double d = factor[i * n + i];
            det *= d * d;
        }
        return det;
    }

    /** {@code log det A = 2·Σ log L(i, i)}, finite for a positive definite A. 0 for n = 0. */
    public double logDeterminant() {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.log(factor[i * n + i]);
        }
        return 2 * sum;
    }

    /** The 1-norm of the symmetric matrix whose lower triangle (row-major) LAPACK read. */
    private static double symmetricNorm1(double[] a, int n) {
        double[] sums = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = Math.abs(a[i * n + j]);
                sums[i] += v;
                if (j != i) {
                    sums[j] += v;
                }
            }
        }
        double max = 0;
        for (double s : sums) {
            max = Math.max(max, s);
        }
        return max;
    }
}
