package dev.argdiff.spark;

import dev.argdiff.batch.Batch;
import dev.argdiff.batch.BatchException;
import dev.argdiff.batch.BatchOptions;
import dev.argdiff.batch.BatchResult;
import dev.argdiff.batch.BatchSum;
import dev.argdiff.batch.TaskLoss;
import dev.argdiff.ad.Pytree;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * {@link Batch#sumValueAndGrad} on Apache Spark: Σₜ Lₜ(θ) and Σₜ ∇θ Lₜ(θ) over an RDD or
 * Dataset of tasks, for an outer loop (Adam, L-BFGS, …) running on the driver.
 *
 * <pre>{@code
 * JavaPairRDD<Long, Task> tasks = SparkBatch.index(taskRdd).cache();     // ids once, data stays on executors
 * for (int step = 0; step < steps; step++) {
 *     BatchResult<Tensor> r = SparkBatch.sumValueAndGrad(sc, theta, tasks, loss, BatchOptions.defaults());
 *     theta = theta.sub(r.gradient().mul(lr / r.tasksUsed()));
 * }
 * }</pre>
 *
 * <p>Each call broadcasts θ (a concrete pytree of tensors, serializable), evaluates every task's
 * loss and gradient with argdiff on the executor holding it (its own {@code valueAndGrad} on the
 * task's thread), and reduces the per-partition {@link BatchSum}s with {@code treeAggregate}.
 *
 * <p><b>Exact equality guarantee.</b> The sums are exact sums of the per-task values rounded
 * once to the nearest double, so they do not depend on partitioning, on the merge tree, on task
 * retries, or on the order of anything: for the same tasks the result is bit-identical to
 * {@link Batch#sumValueAndGrad} with any thread count, as long as every per-task (loss, gradient)
 * is itself computed bit-identically — the same argdiff code and the same BLAS implementation on
 * driver and executors (native OpenBLAS and the pure-Java fallback round differently, and the Java
 * Vector API fallback depends on the CPU's vector width). With mixed BLAS the difference is that of
 * the per-task values, about 1e-15 relative to the sum of their magnitudes.
 *
 * <p><b>Failures.</b> A task whose loss throws makes its Spark task fail, and Spark retries it
 * ({@code spark.task.maxFailures}); the retried evaluation is deterministic, so a job that
 * recovers returns the same sums. NaN/infinite tasks and non-converged inner solves are not
 * exceptions but reports collected in the aggregate: the driver throws {@link BatchException}
 * naming them by id, or (non-converged, under {@link BatchOptions#skipNotConverged()}) lists
 * them in {@link BatchResult#skipped()}.
 *
 * <p><b>Executors.</b> argdiff-core and netlib must be on the executors' classpath (ship the
 * module's jar-with-dependencies with {@code spark-submit}); Spark itself is a provided dependency.
 * Set {@code OPENBLAS_NUM_THREADS=1} on executors ({@code spark.executorEnv.OPENBLAS_NUM_THREADS=1})
 * so that {@code spark.executor.cores} concurrent tasks use that many cores.
 */
public final class SparkBatch {
    private SparkBatch() {
    }

    /** Depth of the aggregation tree (2: the driver merges √partitions sums, not all of them). */
    private static final int TREE_DEPTH = 2;

    /**
     * The tasks keyed by their index (0, 1, …, in RDD order): the task ids of reports. Costs one
     * Spark job when the RDD has more than one partition: index once and {@code cache()} the result
     * for an outer loop.
     */
    public static <T> JavaPairRDD<Long, T> index(JavaRDD<T> tasks) {
        if (tasks == null) {
            throw new IllegalArgumentException("SparkBatch.index: tasks is null");
        }
        return tasks.zipWithIndex().mapToPair(Tuple2::swap);
    }

    /**
     * Σ loss and Σ gradient over a Dataset of tasks (ids: the row order of {@code tasks.javaRDD()}).
     * Indexes the tasks on every call; for an outer loop use {@link #index} once.
     *
     * @see #sumValueAndGrad(JavaSparkContext, Object, JavaPairRDD, TaskLoss, BatchOptions)
     */
    public static <P, T> BatchResult<P> sumValueAndGrad(SparkSession spark, P theta, Dataset<T> tasks,
                                                        TaskLoss<P, T> loss, BatchOptions options) {
        if (spark == null) {
            throw new IllegalArgumentException("SparkBatch.sumValueAndGrad: spark is null");
        }
        if (tasks == null) {
            throw new IllegalArgumentException("SparkBatch.sumValueAndGrad: tasks is null");
        }
        return sumValueAndGrad(JavaSparkContext.fromSparkContext(spark.sparkContext()), theta, index(tasks.javaRDD()),
                loss, options);
    }

    /**
     * Σₜ Lₜ(θ) and Σₜ ∇θ Lₜ(θ) over tasks keyed by id, evaluated on the executors.
     *
     * @param sc      the Spark context
     * @param theta   the shared parameters, a concrete, serializable pytree of tensors; broadcast
     * @param tasks   (id, task) pairs; ids name tasks in reports
     * @param loss    the task loss (a serializable lambda: it is shipped to the executors)
     * @param options what to do with non-converged tasks
     * @throws IllegalArgumentException if an argument is null or θ is traced
     * @throws BatchException           if a task is refused (NaN/infinite, or not converged under
     *                                  FAIL), naming the tasks by id
     * @throws org.apache.spark.SparkException (unchecked in Scala) when a task still throws after
     *                                  Spark's retries; its message names the task id
     */
    public static <P, T> BatchResult<P> sumValueAndGrad(JavaSparkContext sc, P theta, JavaPairRDD<Long, T> tasks,
                                                        TaskLoss<P, T> loss, BatchOptions options) {
        if (sc == null) {
            throw new IllegalArgumentException("SparkBatch.sumValueAndGrad: sc is null");
        }
        if (theta == null) {
            throw new IllegalArgumentException("SparkBatch.sumValueAndGrad: theta is null");
        }
        if (!Pytree.isConcrete(theta)) {
            throw new IllegalArgumentException("SparkBatch.sumValueAndGrad: theta is traced by an active transform; "
                    + "pass concrete values (Tensor.concrete())");
        }
        if (tasks == null || loss == null || options == null) {
            throw new IllegalArgumentException("SparkBatch.sumValueAndGrad: " + (tasks == null ? "tasks"
                    : loss == null ? "loss" : "options") + " is null");
        }
        Broadcast<P> shared = sc.broadcast(theta);
        try {
            BatchSum total = tasks.treeAggregate(new BatchSum(theta, options), (sum, task) -> {
                sum.addTask(task._1(), shared.value(), task._2(), loss);
                return sum;
            }, BatchSum::merge, TREE_DEPTH);
            return total.result(theta, "SparkBatch.sumValueAndGrad");
        } finally {
            shared.destroy();
        }
    }
}
