package dev.argdiff.examples;

import dev.argdiff.batch.Batch;
import dev.argdiff.batch.BatchOptions;
import dev.argdiff.batch.BatchResult;
import dev.argdiff.batch.TaskLoss;
import dev.argdiff.data.RidgeTasks;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The in-process batch benchmark: one "outer step" is {@link Batch#sumValueAndGrad} of
 * {@link RidgeTasks} validation losses and their hypergradients in θ = log λ (each task: an
 * L-BFGS ridge solve to ‖∇‖ ≤ 1e-8 and its implicit derivative), timed for each thread count;
 * reported are the median step time, tasks per second, the speed-up over the first thread count,
 * the process CPU time per task (the cost that does not depend on how busy the machine is), and
 * whether every run gave the same bits.
 */
public final class BatchBench {
    private BatchBench() {
    }

    /** θ = log λ of the benchmark, λ = 0.1. */
    static final double THETA = Math.log(0.1);
    static final int INNER_MAXITER = 500;
    static final double INNER_TOL = 1e-8;
    /** Tasks of the untimed warm-up step of each thread count. */
    static final int WARMUP_TASKS = 500;

    /**
     * @param tasks   the number of tasks (≥ 1)
     * @param rows    rows per task (≥ 1)
     * @param cols    columns per task (≥ 1)
     * @param threads the thread counts to time (each ≥ 1)
     * @param repeats timed steps per thread count, after a warm-up on the first 500 tasks (≥ 1)
     */
    public record Options(int tasks, int rows, int cols, List<Integer> threads, int repeats) {
        public Options {
            if (tasks < 1) {
                throw new IllegalArgumentException("--tasks must be >= 1, got " + tasks);
            }
            if (rows < 1 || cols < 1) {
                throw new IllegalArgumentException("--size must be ROWSxCOLS with both >= 1, got " + rows + "x" + cols);
            }
            if (threads == null || threads.isEmpty() || threads.stream().anyMatch(t -> t == null || t < 1)) {
                throw new IllegalArgumentException("--threads must be a list of numbers >= 1, got " + threads);
            }
            if (repeats < 1) {
                throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
            }
            threads = List.copyOf(threads);
        }
    }

    /** One thread count: median seconds per step, tasks per second, speed-up, the step's sums. */
    public record Row(int threads, double stepSeconds, double tasksPerSecond, double speedup, double cpuMsPerTask,
                      double value, double gradient) {
    }

    /** The rows, and whether all runs of all thread counts gave bit-identical sums. */
    public record Result(List<Row> rows, boolean bitIdentical) {
    }

    public static Result run(Options options, Runnable onStep) {
        List<RidgeTasks.Task> tasks = RidgeTasks.generate(options.tasks(), options.rows(), options.cols(), 1L);
        TaskLoss<Tensor, RidgeTasks.Task> loss = RidgeTasks.hypergradientLoss(INNER_MAXITER, INNER_TOL);
        List<Row> rows = new ArrayList<>();
        BatchResult<Tensor> first = null;
        boolean identical = true;
        for (int threads : options.threads()) {
            double[] seconds = new double[options.repeats()];
            double[] cpu = new double[options.repeats()];
            BatchResult<Tensor> r = null;
            try (Batch batch = Batch.withThreads(threads)) {
                // Warm-up (JIT, pool threads) on the first tasks only: a full untimed step would double the run.
                batch.sumValueAndGrad(Tensor.scalar(THETA), tasks.subList(0, Math.min(tasks.size(), WARMUP_TASKS)), loss,
                        BatchOptions.defaults());
                for (int k = 0; k < options.repeats(); k++) {
                    long t0 = System.nanoTime();
                    long c0 = processCpuNanos();
                    r = batch.sumValueAndGrad(Tensor.scalar(THETA), tasks, loss, BatchOptions.defaults());
                    seconds[k] = (System.nanoTime() - t0) / 1e9;
                    cpu[k] = (processCpuNanos() - c0) / 1e6 / options.tasks();
                    if (first == null) {
                        first = r;
                    }
                    identical &= Double.doubleToRawLongBits(first.value()) == Double.doubleToRawLongBits(r.value())
                            && Double.doubleToRawLongBits(first.gradient().item())
                            == Double.doubleToRawLongBits(r.gradient().item());
                    if (onStep != null) {
                        onStep.run();
                    }
                }
            }
            double median = median(seconds);
            double speedup = rows.isEmpty() ? 1.0 : rows.get(0).stepSeconds() / median;
            rows.add(new Row(threads, median, options.tasks() / median, speedup, median(cpu), r.value(),
                    r.gradient().item()));
        }
        return new Result(rows, identical);
    }

    /**
     * CPU time of this process (all threads, JIT and GC included): on a shared machine the wall time
     * measures the CPU share the process got, this the work done.
     */
    static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
