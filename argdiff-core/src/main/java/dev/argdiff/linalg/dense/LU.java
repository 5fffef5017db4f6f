package dev.argdiff.linalg.dense;

import dev.argdiff.backend.Lapack;

/**
 * LU factorization with partial pivoting of a square matrix, {@code A = P·L·U}, for solving
 * {@code A·x = b} and {@code Aᵀ·x = b} and for the determinant.
 *
 * <p>The factorization costs (2/3)·n³ flops once (LAPACK dgetrf); each solve then costs 2·n²
 * flops per right-hand side (dgetrs). Partial pivoting is backward stable in practice: the
 * computed x solves (A + δA)·x = b with ‖δA‖ of order n·ε·‖A‖ (times a growth factor that is
 * small except for contrived matrices), so the relative error of x is of order n·ε·κ(A).
 *
 * <p><b>Singularity.</b> {@link #factor(double[], int)} refuses a matrix that is singular, or
 * singular to working precision, with a {@link SingularMatrixException}: either a pivot is
 * exactly zero, or the estimated reciprocal condition number in the 1-norm,
 * {@code rcond = 1 / (‖A‖₁·‖A⁻¹‖₁)} (LAPACK dgecon, within a small factor of the true value),
 * is below {@code max(1, n)·ε ≈ n·2.2e-16}, where the error bound above reaches 1 and the
 * solution may have no correct digit. {@link #factor(double[], int, double)} takes another
 * threshold (0 accepts every matrix without an exactly zero pivot).
 *
 * <p><b>Storage.</b> Matrices are row-major {@code double[]}: entry (i, j) of an m×n matrix is
 * at {@code i·n + j}. Inputs are never modified. Internally the row-major A is handed to LAPACK
 * as the column-major array it already is, which LAPACK reads as Aᵀ; so the factors are those of
 * Aᵀ, and a solve with A is LAPACK's transposed solve ({@code trans = "T"}) and vice versa. This
 * saves a transposition of A and changes nothing observable: Aᵀ and A have the same
 * determinant, and κ₁(A) = κ_∞(Aᵀ) is what dgecon is asked for.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * <pre>{@code
 * LU lu = LU.factor(new double[] {4, 3, 6, 3}, 2);   // [[4, 3], [6, 3]]
 * double[] x = lu.solve(new double[] {10, 12});       // [1, 2]
 * double det = lu.determinant();                      // -6
 * }</pre>
 */
public final class LU {

    private final int n;
    /** Column-major LU factors of Aᵀ (equivalently: the row-major array LAPACK overwrote). */
    private final double[] factors;
    /** 1-based LAPACK pivots of the factorization of Aᵀ. */
    private final int[] pivots;
    private final double rcond;

    private LU(int n, double[] factors, int[] pivots, double rcond) {
        this.n = n;
        this.factors = factors;
        this.pivots = pivots;
        this.rcond = rcond;
    }

    /**
     * Factors the row-major n×n matrix {@code a}, refusing it when its estimated reciprocal
     * condition number is below {@code max(1, n)·ε}.
     *
     * @param a row-major n×n matrix; not modified
     * @param n order of the matrix, n ≥ 0 (n = 0 gives the factorization of the empty matrix)
     * @return the factorization
     * @throws IllegalArgumentException if {@code a} is null, n &lt; 0, {@code a.length != n·n},
     *                                  or {@code a} contains NaN or an infinity
     * @throws SingularMatrixException  if a pivot is exactly zero or the estimated rcond is below
     *                                  the threshold
     */
    public static LU factor(double[] a, int n) {
        DenseSupport.requireNonNegative("LU.factor", "n", n);
        return factor(a, n, DenseSupport.defaultRcondThreshold(n));
    }

    /**
     * Factors the row-major n×n matrix {@code a}, refusing it when its estimated reciprocal
     * condition number in the 1-norm is below {@code rcondThreshold}.
     *
     * @param a              row-major n×n matrix; not modified
     * @param n              order of the matrix, n ≥ 0
     * @param rcondThreshold in [0, 1]; 0 refuses only exactly zero pivots
     * @return the factorization
     * @throws IllegalArgumentException if {@code a} is null, n &lt; 0, {@code a.length != n·n},
     *                                  {@code a} contains NaN or an infinity, or the threshold is
     *                                  outside [0, 1]
     * @throws SingularMatrixException  if a pivot is exactly zero or the estimated rcond is below
     *                                  {@code rcondThreshold}
     */
    public static LU factor(double[] a, int n, double rcondThreshold) {
        String op = "LU.factor";
        DenseSupport.requireSquare(op, "a", a, n);
        DenseSupport.requireThreshold(op, rcondThreshold);
        if (n == 0) {
            return new LU(0, new double[0], new int[0], 1.0);
        }
        double[] lu = a.clone();
        int[] ipiv = new int[n];
        int info = Lapack.getrf(n, n, lu, ipiv);
        if (info > 0) {
            throw new SingularMatrixException(op + ": matrix is singular (n = " + n + "): zero pivot at index "
                    + (info - 1),
                    op, n, n, info - 1, Double.NaN, Double.NaN);
        }
        // The factors are of Aᵀ; ‖Aᵀ‖_∞ = ‖A‖₁, so the ∞-norm estimate for Aᵀ is κ₁(A).
        double rcond = Lapack.gecon(true, n, lu, DenseSupport.norm1(a, n, n));
        if (rcond < rcondThreshold || Double.isNaN(rcond)) {
            throw new SingularMatrixException(op + ": matrix is singular to working precision (n = " + n
                    + "): estimated reciprocal condition number rcond = " + rcond
                    + " is below the threshold " + rcondThreshold,
                    op, n, n, -1, rcond, rcondThreshold);
        }
        return new LU(n, lu, ipiv, rcond);
    }

    /** The order n of the factored matrix. */
    public int size() {
        return n;
    }

    /**
     * The estimated reciprocal condition number {@code 1 / (‖A‖₁·‖A⁻¹‖₁)} (LAPACK dgecon; usually
     * within a factor of 10 of the true value). 1 for the empty matrix.
     */
    public double rcond() {
        return rcond;
    }

    /**
     * Solves {@code A·x = b}.
     *
     * @param b right-hand side of length n; not modified
     * @return a new array x of length n
     * @throws IllegalArgumentException if {@code b} is null, has length ≠ n, or is not finite
     */
    public double[] solve(double[] b) {
        DenseSupport.requireRhs("LU.solve", "b", b, "n", n);
        return solveVector(b, false);
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
        DenseSupport.requireRhs("LU.solve", "b", b, "n", n, nrhs);
        return solveMatrix(b, nrhs, false);
    }

    /**
     * Solves {@code Aᵀ·x = b} with the same factorization (the adjoint solve of reverse-mode
     * differentiation).
     *
     * @param b right-hand side of length n; not modified
     * @return a new array x of length n
     * @throws IllegalArgumentException if {@code b} is null, has length ≠ n, or is not finite
     */
    public double[] solveTransposed(double[] b) {
        DenseSupport.requireRhs("LU.solveTransposed", "b", b, "n", n);
        return solveVector(b, true);
    }

    /**
     * Solves {@code Aᵀ·X = B} for several right-hand sides at once.
     *
     * @param b    row-major n×nrhs matrix whose columns are the right-hand sides; not modified
     * @param nrhs number of right-hand sides, ≥ 0
     * @return a new row-major n×nrhs matrix X
     * @throws IllegalArgumentException if {@code b} is null, nrhs &lt; 0,
     *                                  {@code b.length != n·nrhs}, or {@code b} is not finite
     */
    public double[] solveTransposed(double[] b, int nrhs) {
        DenseSupport.requireRhs("LU.solveTransposed", "b", b, "n", n, nrhs);
        return solveMatrix(b, nrhs, true);
    }

    /**
     * The inverse A⁻¹ as a new row-major n×n matrix. Prefer {@link #solve}: forming the inverse
     * costs 2·n³ more flops and is less accurate.
     */
    public double[] inverse() {
        double[] identity = new double[n * n];
        for (int i = 0; i < n; i++) {
            identity[i * n + i] = 1.0;
        }
        return solveMatrix(identity, n, false);
    }

    /**
     * The determinant {@code det A = ±∏ U(i, i)}, the sign from the row interchanges. May
     * overflow to ±∞ or underflow to 0 for large n; use {@link #logAbsDeterminant()} and
     * {@link #determinantSign()} then. 1 for the empty matrix.
     */
    public double determinant() {
        double det = determinantSign();
        for (int i = 0; i < n; i++) {
            det *= Math.abs(factors[i * n + i]);
        }
        return det;
    }

    /** {@code log |det A| = Σ log |U(i, i)|}, finite since no pivot is zero. 0 for n = 0. */
    public double logAbsDeterminant() {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.log(Math.abs(factors[i * n + i]));
        }
        return sum;
    }

    /** The sign of det A: +1 or -1 (never 0, since a singular matrix is refused). */
    public double determinantSign() {
        double sign = 1;
        for (int i = 0; i < n; i++) {
            if (pivots[i] != i + 1) {
                sign = -sign;
            }
            if (factors[i * n + i] < 0) {
                sign = -sign;
            }
        }
        return sign;
    }

    private double[] solveVector(double[] b, boolean transposed) {
        double[] x = b.clone();
        if (n > 0) {
            // Factors are of Aᵀ: a solve with A is LAPACK's transposed solve, and vice versa.
            Lapack.getrs(!transposed, n, 1, factors, pivots, x);
        }
        return x;
    }

    private double[] solveMatrix(double[] b, int nrhs, boolean transposed) {
        if (n == 0 || nrhs == 0) {
            return new double[n * nrhs];
        }
        // Row-major n×nrhs B is column-major Bᵀ; LAPACK wants column-major B.
        double[] x = DenseSupport.transpose(b, n, nrhs);
        Lapack.getrs(!transposed, n, nrhs, factors, pivots, x);
        return DenseSupport.transpose(x, nrhs, n);
    }
}
