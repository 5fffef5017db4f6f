package dev.argdiff.linalg.dense;

import dev.argdiff.tensor.NumericalFailureException;

/**
 * A matrix is singular, or singular to working precision, so the requested solve or
 * decomposition has no meaningful answer.
 *
 * <p>Thrown in two situations, both reported in the message together with the operation and
 * the matrix size:
 * <ul>
 *   <li>an exactly zero pivot: LU's {@code U(i, i) = 0}, or QR's {@code R(i, i) = 0}
 *       ({@link #pivotIndex()} is the 0-based i, {@link #rcond()} is NaN);</li>
 *   <li>an estimated reciprocal condition number {@code rcond = 1 / (‖A‖₁·‖A⁻¹‖₁)} below the
 *       operation's threshold ({@link #rcond()} and {@link #threshold()} say which;
 *       {@link #pivotIndex()} is -1).</li>
 * </ul>
 *
 * <p>It is a {@link NumericalFailureException} (an {@link ArithmeticException}, in argdiff's
 * {@link dev.argdiff.tensor.ArgdiffFailure} family), not an {@link IllegalArgumentException}: the
 * arguments were well formed (right sizes, finite entries) and the failure is a numerical
 * property found while computing, like a division by zero. Catch {@code ArithmeticException}
 * to handle every numerical failure of the dense layer at once (this class,
 * {@link NotPositiveDefiniteException}, and a decomposition that fails to converge).
 */
public class SingularMatrixException extends NumericalFailureException {

    private static final long serialVersionUID = 1L;

    /** The operation that failed. */
    private final String operation;
    /** The number of rows of the matrix. */
    private final int rows;
    /** The number of columns of the matrix. */
    private final int cols;
    /** The index of the zero pivot, or -1. */
    private final int pivotIndex;
    /** The estimated reciprocal condition number. */
    private final double rcond;
    /** The reciprocal condition number below which the matrix counts as singular. */
    private final double threshold;

    /**
     * @param message    the full message, naming the operation, the size and the cause
     * @param operation  the operation that failed, such as {@code "LU.factor"}
     * @param rows       rows of the matrix
     * @param cols       columns of the matrix
     * @param pivotIndex 0-based index of the exactly zero pivot, or -1
     * @param rcond      the estimated reciprocal condition number, or NaN when not estimated
     * @param threshold  the threshold rcond fell below, or NaN when not estimated
     */
    public SingularMatrixException(String message, String operation, int rows, int cols,
                                   int pivotIndex, double rcond, double threshold) {
        super(message);
        this.operation = operation;
        this.rows = rows;
        this.cols = cols;
        this.pivotIndex = pivotIndex;
        this.rcond = rcond;
        this.threshold = threshold;
    }

    /** The operation that failed, such as {@code "LU.factor"}. */
    public String operation() {
        return operation;
    }

    /** Rows of the matrix. */
    public int rows() {
        return rows;
    }

    /** Columns of the matrix. */
    public int cols() {
        return cols;
    }

    /** The 0-based index of the exactly zero pivot, or -1 when the cause is a small rcond. */
    public int pivotIndex() {
        return pivotIndex;
    }

    /** The estimated reciprocal condition number, or NaN when the cause is a zero pivot. */
    public double rcond() {
        return rcond;
    }

    /** The threshold that {@link #rcond()} fell below, or NaN when the cause is a zero pivot. */
    public double threshold() {
        return threshold;
    }
}
