package dev.argdiff.batch;

import java.io.Serializable;

/**
 * A task that did not contribute normally to a batch: its id (its index in the batch), why, and
 * the inner solve's residual where there is one.
 *
 * @param taskId   the task's index in the batch (0-based)
 * @param status   what went wrong
 * @param residual the inner solve's final error (NaN when not applicable)
 * @param detail   a one-line explanation
 */
public record TaskReport(long taskId, Status status, double residual, String detail) implements Serializable {

    /** Why a task is reported. */
    public enum Status {
        /** The task's inner solve stopped before its tolerance; failed or skipped per {@link BatchOptions}. */
        NOT_CONVERGED,
        /** The task's loss or gradient is NaN or infinite (bad data, diverged solve): always refused. */
        NON_FINITE,
        /** The task's loss threw an exception: always refused. */
        FAILED
    }

    @Override
    public String toString() {
        return "task " + taskId + ": " + detail;
    }
}
