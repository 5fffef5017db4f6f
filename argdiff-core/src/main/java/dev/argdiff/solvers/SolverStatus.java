package dev.argdiff.solvers;

/**
 * Why a solver's {@code run} stopped.
 *
 * <p>Only {@link #CONVERGED} is a success: the error reached {@code tol}. Implicit
 * differentiation certifies the returned point independently (its optimality residual), so a
 * derivative of a run that stopped for any other reason is refused under the default policy.
 */
public enum SolverStatus {
    /** The error reached {@code tol}. */
    CONVERGED,
    /** {@code maxiter} iterations were done without reaching {@code tol}. */
    MAX_ITERATIONS,
    /**
     * The iterates exploded: they grew so far beyond their scale after the first iteration that a
     * step of the size of the first error is lost to rounding, while the error did not fall (an
     * objective unbounded below, a step size too large, a map that is not a contraction).
     */
    DIVERGED,
    /** The error or an entry of the iterate became NaN or infinite. */
    NON_FINITE,
    /**
     * The error stopped improving (by 0.1% of its best value) for a long window — at least 100
     * iterations and as many as it took to reach that best — without reaching {@code tol}: the
     * tolerance is below what rounding allows for this problem. Never reported when {@code tol}
     * is 0, which asks for exactly {@code maxiter} iterations.
     */
    STAGNATED,
    /**
     * The solver found a certificate that the constraints admit no point (a quadratic program's
     * primal infeasibility, Banjac et al. 2019); the returned point is not a solution.
     */
    PRIMAL_INFEASIBLE,
    /**
     * The solver found a certificate that the objective is unbounded below on the constraints (a
     * quadratic program's dual infeasibility, Banjac et al. 2019); the returned point is not a solution.
     */
    DUAL_INFEASIBLE,
    /**
     * A line search found no step with sufficient decrease and the solver was told to stop then
     * ({@code stopIfLinesearchFails}); the iterate is where the failed search started.
     */
    LINE_SEARCH_FAILED
}
