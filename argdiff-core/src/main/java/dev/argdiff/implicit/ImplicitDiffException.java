package dev.argdiff.implicit;

import dev.argdiff.tensor.NumericalFailureException;

/**
 * An implicit derivative that cannot be trusted: the solution it differentiates is not
 * optimal to tolerance, or its linear solve did not converge, produced non-finite values or met
 * a singular optimality Jacobian. The message names the residual and the iteration count. A
 * {@link NumericalFailureException}.
 */
public class ImplicitDiffException extends NumericalFailureException {
    private static final long serialVersionUID = 1L;
    private final transient ImplicitDiagnostics diagnostics;

    /** An exception with this message, the measurements that failed, and a cause (may be null). */
    public ImplicitDiffException(String message, ImplicitDiagnostics diagnostics, Throwable cause) {
        super(message, cause);
        this.diagnostics = diagnostics;
    }

    /** What was measured (may be null when the failure came before any measurement). */
    public ImplicitDiagnostics diagnostics() {
        return diagnostics;
    }
}
