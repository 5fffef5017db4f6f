package dev.argdiff.batch;

import java.io.Serializable;

/**
 * What a batch does with a task whose inner solve did not converge. Tasks with a NaN or infinite
 * loss or gradient, and tasks that throw, are always refused (the batch throws
 * {@link BatchException} naming them).
 *
 * @param notConverged {@link NotConverged#FAIL} (the default) or {@link NotConverged#SKIP}
 */
public record BatchOptions(NotConverged notConverged) implements Serializable {

    /** The policy for tasks whose inner solve stopped before its tolerance. */
    public enum NotConverged {
        /** Throw {@link BatchException} listing every such task with its residual. */
        FAIL,
        /**
         * Leave such tasks out of the sums; they are listed in {@link BatchResult#skipped()} and
         * {@link BatchResult#tasksUsed()} counts only the others (divide by it for a mean).
         */
        SKIP
    }

    /** @throws IllegalArgumentException if {@code notConverged} is null */
    public BatchOptions {
        if (notConverged == null) {
            throw new IllegalArgumentException("BatchOptions: notConverged is null (use FAIL or SKIP)");
        }
    }

    /** Fail on a non-converged task. */
    public static BatchOptions defaults() {
        return new BatchOptions(NotConverged.FAIL);
    }

    /** Skip non-converged tasks, reporting them in the result. */
    public static BatchOptions skipNotConverged() {
        return new BatchOptions(NotConverged.SKIP);
    }
}
