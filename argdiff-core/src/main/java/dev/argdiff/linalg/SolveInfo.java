package dev.argdiff.linalg;

import java.util.Locale;

/**
 * Diagnostics of one concrete linear solve: which method ran, how many iterations it took,
 * the final residual ‖b − A·x‖ (recomputed, not the recurrence estimate) and relative residual,
 * the tolerance it aimed for, and whether it converged.
 */
public record SolveInfo(String method, int size, int iterations, double residualNorm, double relativeResidual,
                        double tolerance, boolean converged, String message) {

    /** One line for logs and exception messages. */
    public String summary() {
        return String.format(Locale.ROOT, "%s on n=%d: %s after %d iterations, relative residual %.3e (tolerance %.1e)%s",
                method, size, converged ? "converged" : "NOT converged", iterations, relativeResidual, tolerance,
                message == null || message.isEmpty() ? "" : " — " + message);
    }
}
