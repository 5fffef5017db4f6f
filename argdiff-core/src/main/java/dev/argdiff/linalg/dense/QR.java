package dev.argdiff.linalg.dense;

import dev.argdiff.backend.Lapack;

/**
 * Linear least squares by Householder QR: the x minimizing {@code ‖A·x − b‖₂} for an m×n
 * matrix A of full column rank, m ≥ n.
 *
 * <p>With {@code A = Q·R} (Q m×n with orthonormal columns, R n×n upper triangular),
 * the minimizer is {@code x = R⁻¹·Qᵀ·b}, the same as the normal equations
 * {@code AᵀA·x = Aᵀb} in exact arithmetic, but with error of order ε·κ(A) rather than
 * ε·κ(A)² (LAPACK dgels; Golub &amp; Van Loan, <i>Matrix Computations</i>, §5.3). Cost
 * 2·m·n² − (2/3)·n³ flops.
 *
 * <p><b>Rank.</b> The solution is unique only when A has full column rank. A rank-deficient A
 * is refused with a {@link SingularMatrixException}: either a diagonal entry of R is exactly zero,
 * or the estimated reciprocal 1-norm condition number of R (dtrcon; κ(R) = κ(A) in the 2-norm,
 * within a factor n in the 1-norm) is below {@code max(m, n)·ε}, the same relative cut-off as
 * numpy's {@code lstsq}. Columns of very different scales make R ill conditioned too: scale
 * them first. For a minimum-norm solution of a rank-deficient problem use {@link SVD}.
 *
 * <p><b>Storage.</b> Row-major {@code double[]}; inputs are never modified (A is transposed into
 * a column-major copy for LAPACK, which costs O(m·n), negligible beside the factorization).
 *
 * <pre>{@code
 * // fit y = c0 + c1·t to (0, 1), (1, 3), (2, 5)
 * double[] c = QR.leastSquares(new double[] {1, 0, 1, 1, 1, 2}, 3, 2, new double[] {1, 3, 5}); // [1, 2]
 * }</pre>
 */
public final class QR {

    private QR() {
    }

    /**
     * The least-squares solution of {@code A·x ≈ b}.
     *
     * @param a row-major m×n matrix of full column rank; not modified
     * @param m rows, m ≥ n
     * @param n columns, n ≥ 0
     * @param b right-hand side of length m; not modified
     * @return a new array x of length n minimizing ‖A·x − b‖₂
     * @throws IllegalArgumentException if an array is null, m or n is negative, m &lt; n, a length
     *                                  does not match, or an entry is NaN or infinite
     * @throws SingularMatrixException  if A is rank deficient (see the class documentation)
     */
    public static double[] leastSquares(double[] a, int m, int n, double[] b) {
        String op = "QR.leastSquares";
        checkMatrix(op, a, m, n);
        DenseSupport.requireRhs(op, "b", b, "m", m);
        return solve(op, a, m, n, b.clone(), 1);
    }

    /**
     * The least-squares solutions of {@code A·X ≈ B}, one per column of B.
     *
     * @param a    row-major m×n matrix of full column rank; not modified
     * @param m    rows, m ≥ n
     * @param n    columns, n ≥ 0
     * @param b    row-major m×nrhs matrix of right-hand sides; not modified
     * @param nrhs number of right-hand sides, ≥ 0
     * @return a new row-major n×nrhs matrix X
     * @throws IllegalArgumentException if an array is null, a size is negative, m &lt; n, a length
     *                                  does not match, or an entry is NaN or infinite
     * @throws SingularMatrixException  if A is rank deficient (see the class documentation)
     */
    public static double[] leastSquares(double[] a, int m, int n, double[] b, int nrhs) {
        String op = "QR.leastSquares";
        checkMatrix(op, a, m, n);
        DenseSupport.requireRhs(op, "b", b, "m", m, nrhs);
        if (nrhs == 0) {
            return new double[0];
        }
        double[] x = solve(op, a, m, n, DenseSupport.transpose(b, m, nrhs), nrhs);
        return DenseSupport.transpose(x, nrhs, n);
    }

    private static void checkMatrix(String op, double[] a, int m, int n) {
        DenseSupport.requireMatrix(op, "a", a, m, n);
        if (m < n) {
            throw new IllegalArgumentException(op + ": need m >= n (an overdetermined or square system), got m = "
                    + m + ", n = " + n + "; for an underdetermined system use SVD");
        }
    }

    /** Solves with a column-major m×nrhs right-hand side {@code bc}; returns column-major n×nrhs. */
    private static double[] solve(String op, double[] a, int m, int n, double[] bc, int nrhs) {
        if (n == 0) {
            return new double[0];
        }
        double[] ac = DenseSupport.transpose(a, m, n);
        int info = Lapack.gels(m, n, nrhs, ac, bc);
        if (info > 0) {
            throw new SingularMatrixException(op + ": matrix is rank deficient (m = " + m + ", n = " + n
                    + "): R(" + (info - 1) + ", " + (info - 1) + ") = 0, zero pivot at index " + (info - 1),
                    op, m, n, info - 1, Double.NaN, Double.NaN);
        }
        // After dgels, R is the upper triangle of the leading n×n block of ac (leading dimension m).
        double rcond = Lapack.trcon(true, n, ac, m);
        double threshold = DenseSupport.defaultRcondThreshold(Math.max(m, n));
        if (rcond < threshold || Double.isNaN(rcond)) {
            throw new SingularMatrixException(op + ": matrix is rank deficient to working precision (m = " + m
                    + ", n = " + n + "): estimated reciprocal condition number of R rcond = " + rcond
                    + " is below the threshold " + threshold,
                    op, m, n, -1, rcond, threshold);
        }
        double[] x = new double[n * nrhs];
        for (int k = 0; k < nrhs; k++) {
            System.arraycopy(bc, k * m, x, k * n, n);
        }
        return x;
    }
}
