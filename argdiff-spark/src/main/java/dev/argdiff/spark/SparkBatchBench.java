package dev.argdiff.spark;

import dev.argdiff.backend.Blas;
import dev.argdiff.batch.Batch;
import dev.argdiff.batch.BatchOptions;
import dev.argdiff.batch.BatchResult;
import dev.argdiff.batch.TaskLoss;
import dev.argdiff.data.RidgeTasks;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark batch benchmark in local mode: for each parallelism p, the median time of one outer
 * step — {@link SparkBatch#sumValueAndGrad} over N {@link RidgeTasks} (cached on the executors) in
 * {@code local[p]} — next to {@link Batch#sumValueAndGrad} with p threads on the same tasks in the
 * same JVM; tasks per second, CPU time per task (mean over the timed steps; robust to a busy
 * machine), the speed-up over the first p, Spark's overhead ratio (wall and CPU), and whether all
 * results had the same bits.
 *
 * <pre>
 * options: --tasks N (10000)  --size ROWSxCOLS (100x20)  --parallelism P,… (1,2)  --repeats R (3)
 *          --partitions-per-core K (4)
 * </pre>
 */
public final class SparkBatchBench {
    private SparkBatchBench() {
    }

    private static final double THETA = Math.log(0.1);
    private static final long SEED = 1L;

    public static void main(String[] args) {
        CommandLineArgs a = new CommandLineArgs(args, Set.of("--tasks", "--size", "--parallelism", "--repeats",
                "--partitions-per-core"), Set.of());
        int count = a.integer("--tasks", 10000, 1);
        int[] size = a.size("--size", "100x20");
        int repeats = a.integer("--repeats", 3, 1);
        int perCore = a.integer("--partitions-per-core", 4, 1);
        int[] parallelism = Arrays.stream(a.string("--parallelism", "1,2").split(",")).mapToInt(Integer::parseInt).toArray();
        TaskLoss<Tensor, RidgeTasks.Task> loss = RidgeTasks.hypergradientLoss(500, 1e-8);
        List<RidgeTasks.Task> local = RidgeTasks.generate(count, size[0], size[1], SEED);

        System.out.printf(Locale.ROOT, "Spark batch benchmark: %d ridge tasks %dx%d, loss + hypergradient, median of %d "
                + "steps, BLAS %s, %d processors%n", count, size[0], size[1], repeats, Blas.name(),
                Runtime.getRuntime().availableProcessors());
        System.out.println("p   in-process s/step  tasks/s  CPU ms/task   local[p] s/step  tasks/s  CPU ms/task   "
                + "speed-up(spark)  spark/in-process (wall, CPU)");
        BatchResult<Tensor> reference = null;
        boolean identical = true;
        double firstSpark = Double.NaN;
        for (int p : parallelism) {
            BatchResult<Tensor>[] last = newResults();
            double inProcess;
            double[] cpu = new double[2];
            try (Batch batch = Batch.withThreads(p)) {
                batch.sumValueAndGrad(Tensor.scalar(THETA), local.subList(0, Math.min(count, 500)), loss,
                        BatchOptions.defaults());
                long c0 = processCpuNanos();
                inProcess = median(repeats, () -> last[0] = batch.sumValueAndGrad(Tensor.scalar(THETA), local, loss,
                        BatchOptions.defaults()));
                cpu[0] = (processCpuNanos() - c0) / 1e6 / repeats / count;
            }
            SparkSession spark = SparkSession.builder().master("local[" + p + "]").appName("argdiff spark bench")
                    .config("spark.ui.enabled", "false").getOrCreate();
            double onSpark;
            try {
                JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                JavaPairRDD<Long, RidgeTasks.Task> tasks = RidgeTasksRdd.generate(sc, count, size[0], size[1], SEED,
                        perCore * p);
                SparkBatch.sumValueAndGrad(sc, Tensor.scalar(THETA), tasks.filter(t -> t._1() < 500), loss,
                        BatchOptions.defaults());
                long c0 = processCpuNanos();
                onSpark = median(repeats, () -> last[1] = SparkBatch.sumValueAndGrad(sc, Tensor.scalar(THETA), tasks,
                        loss, BatchOptions.defaults()));
                cpu[1] = (processCpuNanos() - c0) / 1e6 / repeats / count;
            } finally {
                spark.stop();
            }
            reference = reference == null ? last[0] : reference;
            for (BatchResult<Tensor> r : last) {
                identical &= Double.doubleToRawLongBits(r.value()) == Double.doubleToRawLongBits(reference.value())
                        && Double.doubleToRawLongBits(r.gradient().item())
                        == Double.doubleToRawLongBits(reference.gradient().item());
            }
            firstSpark = Double.isNaN(firstSpark) ? onSpark : firstSpark;
            System.out.printf(Locale.ROOT, "%-3d %12.3f %11.0f %10.3f %14.3f %10.0f %10.3f %12.2f %14.3f %7.3f%n", p,
                    inProcess, count / inProcess, cpu[0], onSpark, count / onSpark, cpu[1], firstSpark / onSpark,
                    onSpark / inProcess, cpu[1] / cpu[0]);
        }
        System.out.printf(Locale.ROOT, "sum of losses %.17g, sum of hypergradients %.17g; %s%n", reference.value(),
                reference.gradient().item(), identical ? "bit-identical in-process and on Spark for every p"
                        : "NOT bit-identical (a bug: please report)");
        System.out.printf(Locale.ROOT, "per outer step: broadcast theta %d doubles, aggregate %d exact sums (+ reports)%n",
                reference.gradient().size(), 1 + reference.gradient().size());
    }

    /** CPU time of this process, all threads (JIT, GC and Spark's own threads included). */
    private static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
    }

    @SuppressWarnings("unchecked")
    private static BatchResult<Tensor>[] newResults() {
        return (BatchResult<Tensor>[]) new BatchResult<?>[2];
    }

    private static double median(int repeats, Supplier<Object> step) {
        double[] s = new double[repeats];
        for (int k = 0; k < repeats; k++) {
            long t0 = System.nanoTime();
            step.get();
            s[k] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(s);
        return repeats % 2 == 1 ? s[repeats / 2] : 0.5 * (s[repeats / 2 - 1] + s[repeats / 2]);
    }
}
