package dev.argdiff.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.batch.Batch;
import dev.argdiff.batch.BatchException;
import dev.argdiff.batch.BatchOptions;
import dev.argdiff.batch.BatchResult;
import dev.argdiff.batch.TaskLoss;
import dev.argdiff.batch.TaskReport;
import dev.argdiff.data.RidgeTasks;
import dev.argdiff.tensor.Tensor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SparkBatch in local mode: 2 threads, a task may fail twice (so one injected failure is retried). */
public class SparkBatchTest {
    private static final double THETA = Math.log(0.3);
    private static final int COUNT = 24;
    private static final List<RidgeTasks.Task> RIDGE = RidgeTasks.generate(COUNT, 20, 4, 11L);
    /** Failures injected by {@link #LOSS}: local mode runs the tasks in this JVM, so a static counter sees them. */
    private static final AtomicInteger INJECTED = new AtomicInteger();

    private static SparkSession spark;
    private static JavaSparkContext sc;

    /** A ridge task with its inner iteration limit, a failure to inject on its first attempt, and a throw on every attempt. */
    public record Job(RidgeTasks.Task task, int maxiter, boolean failFirstAttempt, boolean alwaysThrow) implements Serializable {
    }

    private static final TaskLoss<Tensor, Job> LOSS = (th, job) -> {
        if (job.alwaysThrow()) {
            throw new IllegalStateException("bad task");
        }
        TaskContext context = TaskContext.get();
        if (job.failFirstAttempt() && context != null && context.attemptNumber() == 0) {
            INJECTED.incrementAndGet();
            throw new IllegalStateException("injected failure on the first attempt");
        }
        return RidgeTasks.loss(th, job.task(), job.maxiter(), 1e-10);
    };

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2,2]").appName("SparkBatchTest")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<Job> jobs(int slowTask, int failingTask, int throwingTask) {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            jobs.add(new Job(RIDGE.get(i), i == slowTask ? 2 : 200, i == failingTask, i == throwingTask));
        }
        return jobs;
    }

    private static BatchResult<Tensor> inProcess(List<Job> jobs, int threads, BatchOptions options) {
        try (Batch batch = Batch.withThreads(threads)) {
            return batch.sumValueAndGrad(Tensor.scalar(THETA), jobs, LOSS, options);
        }
    }

    private static BatchResult<Tensor> onSpark(List<Job> jobs, int partitions, BatchOptions options) {
        JavaPairRDD<Long, Job> rdd = SparkBatch.index(sc.parallelize(jobs, partitions));
        return SparkBatch.sumValueAndGrad(sc, Tensor.scalar(THETA), rdd, LOSS, options);
    }

    private static void assertBitIdentical(BatchResult<Tensor> expected, BatchResult<Tensor> actual) {
        assertEquals(Double.doubleToRawLongBits(expected.value()), Double.doubleToRawLongBits(actual.value()));
        assertEquals(Double.doubleToRawLongBits(expected.gradient().item()),
                Double.doubleToRawLongBits(actual.gradient().item()));
        assertEquals(expected.tasksUsed(), actual.tasksUsed());
    }

    @Test
    void sparkSumsAreBitIdenticalToInProcessForAnyPartitioning() {
        List<Job> jobs = jobs(-1, -1, -1);
        BatchResult<Tensor> one = inProcess(jobs, 1, BatchOptions.defaults());
        BatchResult<Tensor> two = inProcess(jobs, 2, BatchOptions.defaults());
        assertBitIdentical(one, two);
        for (int partitions : new int[] {1, 3, 7}) {
            assertBitIdentical(one, onSpark(jobs, partitions, BatchOptions.defaults()));
        }
        // The independent reference: Σ of the plain per-task losses; the gradient sum is positive-definite-free, so
        // check it against a central difference of the summed loss.
        double sum = 0;
        double plus = 0;
        double minus = 0;
        double h = 1e-5;
        for (Job j : jobs) {
            sum += RidgeTasks.loss(Tensor.scalar(THETA), j.task(), 200, 1e-12).loss().item();
            plus += RidgeTasks.loss(Tensor.scalar(THETA + h), j.task(), 200, 1e-12).loss().item();
            minus += RidgeTasks.loss(Tensor.scalar(THETA - h), j.task(), 200, 1e-12).loss().item();
        }
        assertEquals(sum, one.value(), 1e-9 * sum);
        double fd = (plus - minus) / (2 * h);
        assertEquals(fd, one.gradient().item(), 1e-6 * Math.abs(fd));
    }

    @Test
    void aDatasetOfTasksGivesTheSameSums() {
        List<Job> jobs = jobs(-1, -1, -1);
        var dataset = spark.createDataset(jobs, Encoders.javaSerialization(Job.class));
        BatchResult<Tensor> r = SparkBatch.sumValueAndGrad(spark, Tensor.scalar(THETA), dataset, LOSS,
                BatchOptions.defaults());
        assertBitIdentical(inProcess(jobs, 2, BatchOptions.defaults()), r);
    }

    @Test
    void aTaskFailingOnItsFirstAttemptIsRetriedAndTheResultIsIdentical() {
        BatchResult<Tensor> expected = inProcess(jobs(-1, -1, -1), 2, BatchOptions.defaults());
        int before = INJECTED.get();
        BatchResult<Tensor> r = onSpark(jobs(-1, 9, -1), 4, BatchOptions.defaults());
        assertEquals(1, INJECTED.get() - before);
        assertBitIdentical(expected, r);
    }

    @Test
    void aTaskThatAlwaysThrowsFailsTheJobNamingIt() {
        SparkException e = assertThrows(SparkException.class, () -> onSpark(jobs(-1, -1, 5), 3, BatchOptions.defaults()));
        assertTrue(e.getMessage().contains("task 5 threw java.lang.IllegalStateException: bad task"), e.getMessage());
    }

    @Test
    void aNonConvergingTaskIsReportedByIdWithItsResidual() {
        List<Job> jobs = jobs(13, -1, -1);
        BatchException e = assertThrows(BatchException.class, () -> onSpark(jobs, 4, BatchOptions.defaults()));
        assertEquals(1, e.reports().size());
        TaskReport report = e.reports().get(0);
        assertEquals(13, report.taskId());
        assertEquals(TaskReport.Status.NOT_CONVERGED, report.status());
        double residual = RidgeTasks.loss(Tensor.scalar(THETA), RIDGE.get(13), 2, 1e-10).residual();
        assertTrue(residual > 1e-10);
        assertEquals(residual, report.residual());
        assertTrue(e.getMessage().startsWith("SparkBatch.sumValueAndGrad: 1 of 24 tasks refused: task 13: inner solve "
                + "did not converge"), e.getMessage());

        BatchResult<Tensor> skipped = onSpark(jobs, 4, BatchOptions.skipNotConverged());
        assertEquals(List.of(13L), skipped.skipped().stream().map(TaskReport::taskId).toList());
        assertBitIdentical(inProcess(jobs, 2, BatchOptions.skipNotConverged()), skipped);
        assertEquals(23, skipped.tasksUsed());
    }

    @Test
    void aTaskWithNaNDataIsRefusedWithItsId() {
        List<Job> jobs = jobs(-1, -1, -1);
        RidgeTasks.Task t = RIDGE.get(17);
        // NaN in the validation targets: the inner solve is fine, the loss is NaN. (NaN in A makes the solver
        // throw: a failing task, retried by Spark and then named in the job's failure, as in the test above.)
        double[] bVal = t.bVal().clone();
        bVal[5] = Double.NaN;
        jobs.set(17, new Job(new RidgeTasks.Task(t.rows(), t.cols(), t.a(), t.b(), t.aVal(), bVal), 200, false, false));
        BatchException e = assertThrows(BatchException.class, () -> onSpark(jobs, 3, BatchOptions.skipNotConverged()));
        assertEquals(1, e.reports().size());
        assertEquals(17, e.reports().get(0).taskId());
        assertEquals(TaskReport.Status.NON_FINITE, e.reports().get(0).status());
        assertTrue(e.getMessage().startsWith("SparkBatch.sumValueAndGrad: 1 of 24 tasks refused: task 17: loss is NaN"),
                e.getMessage());
    }

    @Test
    void aTracedThetaIsRefusedBeforeAnyJob() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                dev.argdiff.ad.Autodiff.grad((Tensor th) -> Tensor.scalar(SparkBatch.sumValueAndGrad(sc, th,
                        SparkBatch.index(sc.parallelize(jobs(-1, -1, -1), 1)), LOSS, BatchOptions.defaults()).value()))
                        .apply(Tensor.scalar(0.0)));
        assertTrue(e.getMessage().startsWith("SparkBatch.sumValueAndGrad: theta is traced"), e.getMessage());
    }
}
