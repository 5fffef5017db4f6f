package dev.argdiff.linalg.dense;

import dev.argdiff.backend.Lapack;
import dev.argdiff.tensor.NumericalFailureException;

/**
 * Eigendecomposition of a real symmetric matrix, {@code A = V·diag(λ)·Vᵀ}, with real eigenvalues
 * λ₀ ≤ λ₁ ≤ … ≤ λₙ₋₁ in ascending order and an orthonormal matrix V whose column j is the
 * eigenvector of λⱼ: {@code A·vⱼ = λⱼ·vⱼ}, {@code VᵀV = I}.
 *
 * <p>Computed by tridiagonal reduction and divide and conquer (LAPACK dsyevd): O(n³) flops,
 * several times fewer when only eigenvalues are wanted ({@link #eigenvaluesOf}). Each eigenpair is accurate to O(ε·‖A‖) in the residual;
 * eigenvectors of close eigenvalues are individually ill determined (only the subspace they
 * span is), and the sign of each eigenvector is arbitrary.
 *
 * <p><b>Input.</b> As for {@link Cholesky}: the matrix must be symmetric to within
 * 1e-8·max|aᵢⱼ| and the lower triangle is the one used; a larger asymmetry is refused.
 *
 * <p><b>Storage.</b> Row-major {@code double[]}; inputs are never modified.
 * {@link #eigenvectors()} is the row-major n×n matrix V, so the eigenvector of λⱼ is its
 * <i>column</i> j, entries {@code v[i·n + j]} for i = 0..n−1 ({@link #eigenvector(int)} copies
 * one out). LAPACK returns the eigenvectors as the columns of a column-major array, which read
 * row-major are the rows, so V is transposed once on the way out.
 *
 * <pre>{@code
 * SymmetricEigen e = SymmetricEigen.decompose(new double[] {2, 1, 1, 2}, 2);
 * e.eigenvalues();    // [1, 3]
 * e.eigenvector(1);   // ±[1/√2, 1/√2]
 * }</pre>
 */
public final class SymmetricEigen {

    private final int n;
    private final double[] eigenvalues;
    /** Row-major V: column j is eigenvector j. */
    private final double[] eigenvectors;

    private SymmetricEigen(int n, double[] eigenvalues, double[] eigenvectors) {
        this.n = n;
        this.eigenvalues = eigenvalues;
        this.eigenvectors = eigenvectors;
    }

    /**
     * Eigenvalues and eigenvectors of the symmetric row-major n×n matrix {@code a}.
     *
     * @param a row-major symmetric n×n matrix; not modified
     * @param n order, n ≥ 0
     * @return the decomposition
     * @throws IllegalArgumentException if {@code a} is null, n &lt; 0, {@code a.length != n·n},
     *                                  {@code a} contains NaN or an infinity, or is not symmetric
     * @throws ArithmeticException      if LAPACK fails to converge (not expected for finite input)
     */
    public static SymmetricEigen decompose(double[] a, int n) {
        String op = "SymmetricEigen.decompose";
        check(op, a, n);
        if (n == 0) {
            return new SymmetricEigen(0, new double[0], new double[0]);
        }
        double[] v = a.clone();
        double[] w = new double[n];
        run(op, true, n, v, w);
        return new SymmetricEigen(n, w, DenseSupport.transpose(v, n, n));
    }

    /**
     * The eigenvalues only, ascending, of the symmetric row-major n×n matrix {@code a} (cheaper
     * than {@link #decompose}).
     *
     * @param a row-major symmetric n×n matrix; not modified
     * @param n order, n ≥ 0
     * @return a new array of the n eigenvalues in ascending order
     * @throws IllegalArgumentException if {@code a} is null, n &lt; 0, {@code a.length != n·n},
     *                                  {@code a} contains NaN or an infinity, or is not symmetric
     * @throws ArithmeticException      if LAPACK fails to converge (not expected for finite input)
     */
    public static double[] eigenvaluesOf(double[] a, int n) {
        String op = "SymmetricEigen.eigenvaluesOf";
        check(op, a, n);
        double[] w = new double[n];
        if (n > 0) {
            run(op, false, n, a.clone(), w);
        }
        return w;
    }

    private static void check(String op, double[] a, int n) {
        DenseSupport.requireSquare(op, "a", a, n);
        DenseSupport.requireSymmetric(op, a, n);
    }

    private static void run(String op, boolean vectors, int n, double[] a, double[] w) {
        // Row-major symmetric A is the same column-major array; LAPACK's upper triangle is our lower.
        int info = Lapack.syevd(vectors, n, a, w);
        if (info > 0) {
            throw new NumericalFailureException(op + ": LAPACK dsyevd failed to converge (n = " + n + ", info = " + info + ")");
        }
    }

    /** The order n. */
    public int size() {
        return n;
    }

    /** A new array of the n eigenvalues, ascending. */
    public double[] eigenvalues() {
        return eigenvalues.clone();
    }

    /**
     * The eigenvectors as a new row-major n×n orthogonal matrix V whose <i>column</i> j is the
     * unit eigenvector of {@code eigenvalues()[j]}, so that {@code A·V = V·diag(λ)}.
     */
    public double[] eigenvectors() {
        return eigenvectors.clone();
    }

    /**
     * A new array holding the unit eigenvector of {@code eigenvalues()[j]} (column j of
     * {@link #eigenvectors()}).
     *
     * @throws IndexOutOfBoundsException if j is not in [0, n)
     */
    public double[] eigenvector(int j) {
        if (j < 0 || j >= n) {
            throw new IndexOutOfBoundsException("SymmetricEigen.eigenvector: index " + j + " out of range [0, " + n + ")");
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = eigenvectors[i * n + j];
        }
        return v;
    }
}
