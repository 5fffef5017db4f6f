package dev.argdiff.batch;

import java.io.Serializable;
import java.util.List;

/**
 * The sums over a batch's tasks of their losses and of their gradients in θ.
 *
 * <p>Each sum is exact, then rounded once to the nearest double: it does not depend on the
 * order in which tasks were evaluated, on the number of threads, or on the Spark partitioning,
 * so {@link Batch} and the Spark executor give bit-identical results for the same tasks.
 *
 * @param value     Σ loss over the tasks used
 * @param gradient  Σ ∇θ loss over the tasks used, shaped like θ
 * @param tasksUsed the number of tasks in the sums
 * @param skipped   the non-converged tasks left out (only with {@link BatchOptions.NotConverged#SKIP}), by id
 * @param <P> the pytree type of θ
 */
public record BatchResult<P>(double value, P gradient, long tasksUsed, List<TaskReport> skipped)
        implements Serializable {

    public BatchResult {
        skipped = List.copyOf(skipped);
    }

    /** The mean loss over the tasks used (NaN when none was used). */
    public double meanValue() {
        return tasksUsed == 0 ? Double.NaN : value / tasksUsed;
    }
}
