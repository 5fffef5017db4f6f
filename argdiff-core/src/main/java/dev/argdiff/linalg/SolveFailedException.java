package dev.argdiff.linalg;

import dev.argdiff.tensor.NumericalFailureException;

/**
 * A linear solve that did not reach its tolerance, produced non-finite values, or met a
 * singular system. The message names the operation, the residual and the iteration count;
 * {@link #info()} has the numbers. A {@link NumericalFailureException}.
 */
public class SolveFailedException extends NumericalFailureException {
    private static final long serialVersionUID = 1L;
    private final transient SolveInfo info;

    /** An exception with this message and the solve's report. */
    public SolveFailedException(String message, SolveInfo info) {
        super(message);
        this.info = info;
    }

    /** The diagnostics of the failed solve (null when the failure happened before iterating). */
    public SolveInfo info() {
        return info;
    }
}
