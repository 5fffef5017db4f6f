package dev.argdiff.linalg;

import java.util.Locale;

/**
 * Diagnostics of one concrete linear solve: which method ran, how many iterations it took,
 * the final residual ‖b − A·x‖ (recomputed, not the recurrence estimate) and relative residual,
 * the tolerance it aimed for, and why it stopped ({@link #status()}; callers branch on it, the
 * message is for people).
 */
public record SolveInfo(String method, int size, int iterations, double residualNorm, double relativeResidual,
                        double tolerance, Status status, String message) {

    /** Why a solve stopped. Every value but {@link #CONVERGED} is a failure. */
    public enum Status {
        /** The residual is within tolerance. */
        CONVERGED,
        /** An iterative method reached its iteration limit first. */
        MAX_ITERATIONS,
        /**
         * An iterative method's recurrence cannot continue (a non-positive curvature in CG, a
         * singular Hessenberg system in GMRES, a zero denominator in BiCGSTAB): the operator is
         * singular, indefinite, or not what the method needs.
         */
        BREAKDOWN,
        /** A NaN or infinity came out of a product, the preconditioner or the solution. */
        NON_FINITE,
        /** A factorization met a zero pivot or an estimated condition number beyond 1/(n·ε). */
        SINGULAR,
        /** A Cholesky factorization met a leading minor that is not positive. */
        NOT_POSITIVE_DEFINITE,
        /**
         * A direct method factored the matrix, but the residual of its solution misses the
         * tolerance: the system is too ill-conditioned for it.
         */
        ILL_CONDITIONED
    }

    /**
     * @throws IllegalArgumentException if status is null
     */
    public SolveInfo {
        if (status == null) {
            throw new IllegalArgumentException("SolveInfo: status is null");
        }
    }

    /** Whether the solve reached its tolerance ({@link Status#CONVERGED}). */
    public boolean converged() {
        return status == Status.CONVERGED;
    }

    /** One line for logs and exception messages. */
    public String summary() {
        return String.format(Locale.ROOT, "%s on n=%d: %s after %d iterations, relative residual %.3e (tolerance %.1e)%s",
                method, size, converged() ? "converged" : "NOT converged", iterations, relativeResidual, tolerance,
                message == null || message.isEmpty() ? "" : " — " + message);
    }
}
