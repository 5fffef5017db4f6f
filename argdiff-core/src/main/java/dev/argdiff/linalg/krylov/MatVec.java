package dev.argdiff.linalg.krylov;

/**
 * A matrix-free linear map {@code x ↦ A·x} on plain {@code double[]} vectors: the one thing a
 * Krylov solver needs to know about its operator.
 *
 * <p>Contract: {@link #apply} must be linear in {@code x}, must not modify {@code x}, and returns
 * a <em>new</em> array that the caller owns (the solvers update it in place). Returning
 * {@code x} itself (the identity) is tolerated: the solvers detect it and copy. Returning an
 * internal buffer that is reused by the next call is not, and gives wrong answers.
 *
 * <p>Example: a dense row-major m×n matrix {@code a}:
 * <pre>{@code
 * MatVec op = x -> {
 *     double[] y = new double[m];
 *     Blas.gemv(false, m, n, 1.0, a, 0, x, 0, 0.0, y, 0);
 *     return y;
 * };
 * }</pre>
 */
@FunctionalInterface
public interface MatVec {

    /**
     * Returns {@code A·x} as a new array.
     *
     * @param x the vector to multiply; not modified
     * @return a new array holding {@code A·x}
     */
    double[] apply(double[] x);
}
