package dev.argdiff.batch;

import java.util.List;

/**
 * A batch refused to return sums because some tasks failed: non-finite values, an exception, or
 * (with {@link BatchOptions.NotConverged#FAIL}) an inner solve that did not converge. The
 * message names the tasks (the first ten, by id); {@link #reports()} lists all of them.
 */
public final class BatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<TaskReport> reports;

    public BatchException(String message, List<TaskReport> reports, Throwable cause) {
        super(message, cause);
        this.reports = List.copyOf(reports);
    }

    /** The failed tasks, by id. */
    public List<TaskReport> reports() {
        return reports;
    }
}
