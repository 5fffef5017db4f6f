package dev.argdiff.linalg.dense;

import dev.argdiff.tensor.NumericalFailureException;

/**
 * A symmetric matrix given to a Cholesky factorization is not positive definite: the leading
 * principal minor of some order k (the determinant of the top-left k×k block) is not positive,
 * so the k-th pivot {@code L(k-1, k-1)²} would be zero or negative.
 *
 * <p>It is a {@link NumericalFailureException} (an {@link ArithmeticException}), like {@link SingularMatrixException} (which it does
 * not extend: an indefinite matrix can be perfectly invertible). Use {@link LU} for symmetric
 * indefinite systems.
 */
public class NotPositiveDefiniteException extends NumericalFailureException {

    private static final long serialVersionUID = 1L;

    /** The operation that failed. */
    private final String operation;
    /** The order of the matrix. */
    private final int size;
    /** The order of the first leading minor that is not positive definite. */
    private final int leadingMinorOrder;

    /**
     * @param message           the full message, naming the operation, the size and the minor
     * @param operation         the operation that failed, such as {@code "Cholesky.factor"}
     * @param size              order n of the matrix
     * @param leadingMinorOrder order k (1 ≤ k ≤ n) of the first leading minor that is not positive
     */
    public NotPositiveDefiniteException(String message, String operation, int size, int leadingMinorOrder) {
        super(message);
        this.operation = operation;
        this.size = size;
        this.leadingMinorOrder = leadingMinorOrder;
    }

    /** The operation that failed, such as {@code "Cholesky.factor"}. */
    public String operation() {
        return operation;
    }

    /** Order n of the matrix. */
    public int size() {
        return size;
    }

    /**
     * Order k (1 ≤ k ≤ n) of the first leading principal minor that is not positive; the
     * failing pivot is at 0-based index k − 1.
     */
    public int leadingMinorOrder() {
        return leadingMinorOrder;
    }
}
