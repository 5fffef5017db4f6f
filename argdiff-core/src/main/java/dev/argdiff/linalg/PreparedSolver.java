package dev.argdiff.linalg;

/**
 * A linear solver bound to one operator A at concrete parameter values, with whatever it could
 * compute once ahead of the right-hand sides: a factorization for a direct method, the matvec
 * and preconditioner for a Krylov method. Made by {@link LinearSolver#prepare}; solves A·x = b
 * for any number of right-hand sides, and {@link #transpose()} solves with Aᵀ reusing the same
 * preparation where the method allows (an LU or Cholesky factor serves both).
 *
 * <p>Works on flat {@code double[]} vectors in the order of {@link dev.argdiff.ad.Pytree#toArray}
 * and is not differentiable: {@link LinearSolve} adds the derivative rules, the failure policy
 * and the observer. Implementations are immutable and safe to share between threads.
 */
public interface PreparedSolver {

    /** The operator this solver was prepared for, at concrete parameter values. */
    LinearOperator<?> operator();

    /**
     * Solves A·x = b. Never throws for a solve that fails: the returned {@link SolveInfo} says
     * why ({@link SolveInfo#status()}), and its x is the last iterate.
     *
     * @param b  the right-hand side, finite, of length {@code operator().size()}; not modified
     * @param x0 the initial guess of an iterative method (null for zero); direct methods ignore it
     * @return the solution with its diagnostics
     */
    Result solve(double[] b, double[] x0);

    /** The prepared solver of Aᵀ; a factorization is reused, not recomputed. */
    PreparedSolver transpose();

    /** A solution and the diagnostics of the solve that produced it. */
    record Result(double[] x, SolveInfo info) {
    }
}
