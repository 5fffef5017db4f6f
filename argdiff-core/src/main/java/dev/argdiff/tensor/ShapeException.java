package dev.argdiff.tensor;

/**
 * The one exception type for shape errors: operands that do not broadcast or align, an axis
 * out of range, a reshape to a different size. The message names the operation and prints the
 * shapes involved, for example {@code "matmul: shapes [3, 4] and [5] do not align"}. An
 * {@link IllegalArgumentException} in the {@link ArgdiffFailure} family.
 */
public final class ShapeException extends IllegalArgumentException implements ArgdiffFailure {
    private static final long serialVersionUID = 1L;

    /** An exception with this message. */
    public ShapeException(String message) {
        super(message);
    }
}
