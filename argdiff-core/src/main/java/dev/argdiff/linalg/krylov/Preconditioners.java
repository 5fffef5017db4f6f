package dev.argdiff.linalg.krylov;

/**
 * Ready-made preconditioners: {@link MatVec}s applying M⁻¹ for {@link KrylovOptions#withPreconditioner}.
 *
 * <p>Jacobi (diagonal) preconditioning undoes a bad row/column scaling exactly: for
 * A = D·S·D with D diagonal, the Jacobi-preconditioned operator has the conditioning of S
 * scaled by its own diagonal, whatever the spread of D.
 */
public final class Preconditioners {

    private static final String NAME = "Preconditioners";

    private Preconditioners() {
    }

    /** The identity x ↦ x (returns a copy), the same as passing no preconditioner. */
    public static MatVec identity() {
        return x -> x.clone();
    }

    /**
     * The Jacobi preconditioner x ↦ x ./ diagonal, M = diag(A).
     *
     * <p>For CG and normal CG the preconditioner must be positive definite, so every entry must
     * then be positive; GMRES and BiCGSTAB accept any sign.
     *
     * @param diagonal the diagonal of the operator (copied)
     * @return a MatVec dividing its argument entrywise by {@code diagonal}; it refuses arguments
     *         of another length with an {@link IllegalArgumentException}
     * @throws IllegalArgumentException if an entry is zero, NaN or infinite, naming its index
     * @throws NullPointerException     if diagonal is null
     */
    public static MatVec jacobi(double[] diagonal) {
        KrylovSupport.requireNonNull(diagonal, "diagonal", NAME + ".jacobi");
        double[] d = diagonal.clone();
        for (int i = 0; i < d.length; i++) {
            if (d[i] == 0.0 || !Double.isFinite(d[i])) {
                throw new IllegalArgumentException(NAME + ".jacobi: diagonal[" + i + "] is " + d[i]
                        + "; a Jacobi preconditioner needs finite nonzero diagonal entries");
            }
        }
        return x -> {
            if (x.length != d.length) {
                throw new IllegalArgumentException(NAME + ".jacobi: a preconditioner of size "
                        + d.length + " was applied to a vector of length " + x.length);
            }
            double[] y = new double[d.length];
            for (int i = 0; i < d.length; i++) {
                y[i] = x[i] / d[i];
            }
            return y;
        };
    }

    /**
     * The Jacobi preconditioner of a matrix-free operator: {@code jacobi(diagonalOf(a, n))}.
     * Costs n matvecs once; see {@link #diagonalOf}.
     *
     * @throws IllegalArgumentException as {@link #diagonalOf} and {@link #jacobi(double[])}
     */
    public static MatVec jacobi(MatVec a, int n) {
        return jacobi(diagonalOf(a, n));
    }

    /**
     * Extracts the diagonal of an n×n matrix-free operator by applying it to the n unit vectors:
     * aᵢᵢ = (A·eᵢ)ᵢ.
     *
     * <p>Cost: n matvecs (O(n²) for a dense operator, as much as materializing the whole
     * matrix), so it pays off only when the solve needs many more iterations than that, or
     * when the diagonal is reused across solves. When the diagonal is known in closed form,
     * pass it to {@link #jacobi(double[])} directly.
     *
     * @param a the matvec
     * @param n the size of the operator, ≥ 0
     * @return the diagonal, length n
     * @throws IllegalArgumentException if n is negative, or a returns a vector whose length is
     *                                  not n, or a non-finite diagonal entry
     * @throws NullPointerException     if a is null
     */
    public static double[] diagonalOf(MatVec a, int n) {
        String caller = NAME + ".diagonalOf";
        KrylovSupport.requireNonNull(a, "a", caller);
        if (n < 0) {
            throw new IllegalArgumentException(caller + ": n must be >= 0, got " + n);
        }
        double[] diagonal = new double[n];
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            e[i] = 1.0;
            double[] column = a.apply(e);
            if (column == null || column.length != n) {
                throw new IllegalArgumentException(caller + ": matvec a returned a vector of length "
                        + (column == null ? "null" : String.valueOf(column.length))
                        + " for a unit vector of length " + n);
            }
            if (!Double.isFinite(column[i])) {
                throw new IllegalArgumentException(caller + ": diagonal entry " + i + " is " + column[i]);
            }
            diagonal[i] = column[i];
            e[i] = 0.0;
        }
        return diagonal;
    }
}
