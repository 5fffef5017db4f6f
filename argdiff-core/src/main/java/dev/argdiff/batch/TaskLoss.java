package dev.argdiff.batch;

import java.io.Serializable;

/**
 * The loss of one task at the shared parameters θ, differentiable in θ (typically through an
 * implicitly differentiated inner solve). It is serializable so that the same lambda can be
 * shipped to Spark executors; it must be deterministic (a retried task must give the same value)
 * and must not mutate shared state (tasks run on several threads at once).
 *
 * @param <P> the pytree type of θ
 * @param <T> the task type (for Spark: serializable, e.g. a record of arrays)
 */
@FunctionalInterface
public interface TaskLoss<P, T> extends Serializable {
    TaskValue apply(P theta, T task);
}
