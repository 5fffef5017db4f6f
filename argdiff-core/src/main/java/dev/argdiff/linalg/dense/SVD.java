package dev.argdiff.linalg.dense;

import dev.argdiff.backend.Lapack;
import dev.argdiff.tensor.NumericalFailureException;

/**
 * Thin singular value decomposition {@code A = U·diag(s)·Vᵀ} of an m×n matrix, k = min(m, n):
 * U is m×k and V is n×k with orthonormal columns, and s₀ ≥ s₁ ≥ … ≥ sₖ₋₁ ≥ 0.
 *
 * <p>Computed by bidiagonal reduction and divide and conquer (LAPACK dgesdd); should that fail
 * to converge, by implicit QR iteration (dgesvd) instead. Singular values are accurate to
 * O(ε·s₀); singular vectors of close singular values are individually ill determined, and the
 * signs of matching columns of U and V are arbitrary (flipping both leaves A unchanged).
 *
 * <p><b>Storage.</b> Row-major {@code double[]}; inputs are never modified. {@link #u()} is the
 * row-major m×k matrix U, {@link #vt()} the row-major k×n matrix Vᵀ (so the right singular
 * vector j is row j of {@code vt()}). The row-major A is handed to LAPACK as the column-major
 * n×m matrix Aᵀ = V·diag(s)·Uᵀ, so LAPACK's "U" is our V and its "Vᵀ" our Uᵀ; read row-major,
 * its column-major outputs are exactly our Vᵀ and U, and no transposition is needed.
 *
 * <pre>{@code
 * SVD svd = SVD.decompose(new double[] {3, 0, 0, 0, -2, 0}, 2, 3);  // [[3, 0, 0], [0, -2, 0]]
 * svd.singularValues();  // [3, 2]
 * }</pre>
 */
public final class SVD {

    private final int m;
    private final int n;
    private final double[] u;
    private final double[] s;
    private final double[] vt;

    private SVD(int m, int n, double[] u, double[] s, double[] vt) {
        this.m = m;
        this.n = n;
        this.u = u;
        this.s = s;
        this.vt = vt;
    }

    /**
     * The thin SVD of the row-major m×n matrix {@code a}.
     *
     * @param a row-major m×n matrix; not modified
     * @param m rows, m ≥ 0
     * @param n columns, n ≥ 0
     * @return the decomposition
     * @throws IllegalArgumentException if {@code a} is null, m or n is negative,
     *                                  {@code a.length != m·n}, or {@code a} contains NaN or an
     *                                  infinity
     * @throws ArithmeticException      if LAPACK fails to converge (not expected for finite input)
     */
    public static SVD decompose(double[] a, int m, int n) {
        String op = "SVD.decompose";
        DenseSupport.requireMatrix(op, "a", a, m, n);
        int k = Math.min(m, n);
        double[] s = new double[k];
        double[] uRowMajor = new double[m * k];
        double[] vtRowMajor = new double[k * n];
        if (k > 0) {
            // LAPACK factors the column-major n×m Aᵀ = V·diag(s)·Uᵀ: its column-major U (n×k)
            // is our row-major Vᵀ (k×n) and its column-major Vᵀ (k×m) is our row-major U (m×k).
            run(op, n, m, a, s, vtRowMajor, uRowMajor);
        }
        return new SVD(m, n, uRowMajor, s, vtRowMajor);
    }

    /**
     * The singular values only, descending, of the row-major m×n matrix {@code a} (cheaper than
     * {@link #decompose}).
     *
     * @param a row-major m×n matrix; not modified
     * @param m rows, m ≥ 0
     * @param n columns, n ≥ 0
     * @return a new array of the min(m, n) singular values, descending
     * @throws IllegalArgumentException as for {@link #decompose}
     * @throws ArithmeticException      if LAPACK fails to converge (not expected for finite input)
     */
    public static double[] singularValuesOf(double[] a, int m, int n) {
        String op = "SVD.singularValuesOf";
        DenseSupport.requireMatrix(op, "a", a, m, n);
        double[] s = new double[Math.min(m, n)];
        if (s.length > 0) {
            run(op, n, m, a, s, null, null);
        }
        return s;
    }

    /** Runs dgesdd, then dgesvd if dgesdd did not converge, on a copy of the column-major rows×cols {@code a}. */
    private static void run(String op, int rows, int cols, double[] a, double[] s, double[] u, double[] vt) {
        int info = Lapack.gesdd(rows, cols, a.clone(), s, u, vt);
        if (info > 0) {
            info = Lapack.gesvd(rows, cols, a.clone(), s, u, vt);
            if (info > 0) {
                throw new NumericalFailureException(op + ": LAPACK dgesdd and dgesvd failed to converge (m = " + cols
                        + ", n = " + rows + ", info = " + info + ")");
            }
        }
    }

    /** Rows m of A. */
    public int rows() {
        return m;
    }

    /** Columns n of A. */
    public int cols() {
        return n;
    }

    /** The left singular vectors as a new row-major m×k matrix U (column j pairs with s[j]). */
    public double[] u() {
        return u.clone();
    }

    /** A new array of the k = min(m, n) singular values, descending. */
    public double[] singularValues() {
        return s.clone();
    }

    /** The right singular vectors as a new row-major k×n matrix Vᵀ (row j pairs with s[j]). */
    public double[] vt() {
        return vt.clone();
    }

    /**
     * The numerical rank: the number of singular values above {@code s₀·max(m, n)·ε} (the
     * default cut-off of numpy's {@code matrix_rank}). 0 for an empty or zero matrix.
     */
    public int rank() {
        if (s.length == 0) {
            return 0;
        }
        double cutoff = s[0] * Math.max(m, n) * DenseSupport.EPS;
        int r = 0;
        for (double v : s) {
            if (v > cutoff) {
                r++;
            }
        }
        return r;
    }

    /**
     * The 2-norm condition number {@code s₀ / sₖ₋₁}: +∞ when the smallest singular value is 0,
     * NaN for an empty or zero matrix.
     */
    public double conditionNumber() {
        if (s.length == 0 || s[0] == 0) {
            return Double.NaN;
        }
        return s[0] / s[s.length - 1];
    }
}
