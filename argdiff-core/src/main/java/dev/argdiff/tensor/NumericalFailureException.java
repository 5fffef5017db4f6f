package dev.argdiff.tensor;

/**
 * A computation argdiff refused to finish because its result would be wrong: a singular or not
 * positive definite system, a linear solve that did not converge or produced non-finite values,
 * an implicit derivative that failed its certification, a solver whose values became
 * non-finite. The message names the operation, the numbers measured and the fix.
 *
 * <p>The catchable base of the numerical members of the {@link ArgdiffFailure} family; an
 * {@link ArithmeticException} (like a division by zero: the arguments were well formed, the
 * failure was found while computing).
 */
public class NumericalFailureException extends ArithmeticException implements ArgdiffFailure {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, the values measured and the fix */
    public NumericalFailureException(String message) {
        super(message);
    }

    /**
     * @param message what failed, the values measured and the fix
     * @param cause   the underlying failure, or null
     */
    public NumericalFailureException(String message, Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
    }
}
