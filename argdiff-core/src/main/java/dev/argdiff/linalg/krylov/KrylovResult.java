package dev.argdiff.linalg.krylov;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * The outcome of a Krylov solve: the last iterate together with the evidence of how good it
 * is. A solver that misses its tolerance does not throw; it returns {@code converged() == false}
 * with the reason in {@link #status()} and the caller decides (the implicit-differentiation
 * layer, for one, raises an error naming {@link #summary()}).
 *
 * <p>{@code residualNorm} is the <em>true</em> residual ‖b − A·x‖ of {@code solution},
 * recomputed with one extra matvec when the solver stops, not the recurrence estimate that
 * Krylov methods update cheaply and that drifts from the truth in floating point. For
 * {@link NormalConjugateGradient} it is the residual of the normal equations actually solved,
 * ‖Aᵀb − (AᵀA + ridge·I)·x‖. {@code converged()} holds exactly when that true residual is at
 * most {@code tolerance} = max(rtol·‖b‖, atol) (and nothing non-finite was met).
 *
 * @param solver           the algorithm, e.g. {@code "GMRES(20)"}
 * @param solution         the last iterate (copied in and out); the last finite one after
 *                         {@link Status#NON_FINITE}
 * @param iterations       iterations performed (see {@link KrylovOptions} for the unit)
 * @param residualNorm     true residual norm ‖b − A·x‖ of {@code solution}; NaN when it
 *                         could not be evaluated
 * @param relativeResidual residualNorm / ‖b‖ (residualNorm itself when b = 0)
 * @param tolerance        the absolute threshold max(rtol·‖b‖, atol) the residual was tested
 *                         against
 * @param status           why the solver stopped
 * @param message          a human-readable detail, empty when there is nothing to add
 */
public record KrylovResult(String solver, double[] solution, int iterations, double residualNorm,
                           double relativeResidual, double tolerance, Status status,
                           String message) {

    /** Why a solver stopped. */
    public enum Status {
        /** The true residual is within tolerance. */
        CONVERGED,
        /** The iteration limit was reached first. */
        MAX_ITERATIONS,
        /**
         * The recurrence cannot continue: a division by (numerically) zero in BiCGSTAB, a
         * non-positive curvature pᵀAp in CG (operator or preconditioner not positive definite),
         * a singular Hessenberg system in GMRES.
         */
        BREAKDOWN,
        /** A NaN or infinite value came out of a matvec, the preconditioner or the arithmetic. */
        NON_FINITE
    }

    /**
     * Validates and copies the result.
     *
     * @throws NullPointerException     if solver, solution, status or message is null
     * @throws IllegalArgumentException if iterations is negative
     */
    public KrylovResult {
        Objects.requireNonNull(solver, "KrylovResult: solver is null");
        Objects.requireNonNull(solution, "KrylovResult: solution is null");
        Objects.requireNonNull(status, "KrylovResult: status is null");
        Objects.requireNonNull(message, "KrylovResult: message is null");
        if (iterations < 0) {
            throw new IllegalArgumentException("KrylovResult: iterations must be >= 0, got " + iterations);
        }
        solution = solution.clone();
    }

    /** A copy of the solution. */
    @Override
    public double[] solution() {
        return solution.clone();
    }

    /** Whether the true residual met the tolerance: {@code status() == CONVERGED}. */
    public boolean converged() {
        return status == Status.CONVERGED;
    }

    /**
     * One line for logs and exception messages, e.g.
     * {@code "CG: converged after 37 iterations, residual 1.2e-09 (relative 3.4e-12, tolerance 1.0e-08)"}.
     */
    public String summary() {
        String head = converged()
                ? "converged"
                : "did not converge (" + status + ")";
        String s = String.format(Locale.ROOT,
                "%s: %s after %d iteration%s, residual %.3e (relative %.3e, tolerance %.3e)",
                solver, head, iterations, iterations == 1 ? "" : "s",
                residualNorm, relativeResidual, tolerance);
        return message.isEmpty() ? s : s + ": " + message;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KrylovResult other
                && solver.equals(other.solver)
                && Arrays.equals(solution, other.solution)
                && iterations == other.iterations
                && Double.compare(residualNorm, other.residualNorm) == 0
                && Double.compare(relativeResidual, other.relativeResidual) == 0
                && Double.compare(tolerance, other.tolerance) == 0
                && status == other.status
                && message.equals(other.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(solver, Arrays.hashCode(solution), iterations, residualNorm,
                relativeResidual, tolerance, status, message);
    }

    @Override
    public String toString() {
        return "KrylovResult[" + summary() + ", solution=double[" + solution.length + "]]";
    }
}
