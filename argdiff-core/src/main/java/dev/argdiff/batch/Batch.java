package dev.argdiff.batch;

import dev.argdiff.ad.Pytree;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Many independent problems sharing parameters θ, evaluated on a fixed-size thread pool: the
 * in-process counterpart of JAX's {@code vmap}/{@code pmap} over tasks (iMAML over a batch of
 * tasks, one λ tuned across many per-group fits, K-fold hypergradients).
 *
 * <pre>{@code
 * try (Batch batch = Batch.withThreads(4)) {
 *     BatchResult<Tensor> r = batch.sumValueAndGrad(theta, tasks,
 *             (th, task) -> TaskValue.of(queryLoss(innerSolve(th, task)), lastInnerResult));
 *     theta = theta.sub(r.gradient().mul(lr / r.tasksUsed()));
 * }
 * }</pre>
 *
 * <p><b>Results do not depend on the thread count.</b> {@link #sumValueAndGrad} computes
 * Σₜ Lₜ(θ) and Σₜ ∇θ Lₜ(θ) with exact summation rounded once (see {@link BatchResult}), so the
 * result is bit-identical for 1, 2 or any number of threads, and to the Spark module's
 * {@code SparkBatch} on the same tasks, provided each task's own (loss, gradient) is
 * computed identically (the same JVM code and BLAS library everywhere).
 *
 * <p><b>Threads and autodiff.</b> argdiff's transform state is per thread and a traced value
 * refuses to be used on another thread, so every task is differentiated by its own
 * {@code valueAndGrad} on its worker thread: θ must be concrete (this method cannot itself be
 * differentiated), and the task loss must not capture traced values.
 *
 * <p><b>Threads and BLAS.</b> With native OpenBLAS behind netlib, each BLAS call may start
 * OpenBLAS's own threads: with T batch threads, set {@code OPENBLAS_NUM_THREADS=1} in the
 * environment of the JVM (it is read when the library loads) so that T threads use T cores, not
 * T × cores. The pure-Java BLAS fallback is single-threaded per call.
 *
 * <p><b>Failures are per task</b>, never averaged in silently: a task whose loss or gradient
 * is NaN or infinite, or whose loss throws, is refused with its id ({@link BatchException}); a
 * task whose inner solve did not converge (reported through {@link TaskValue#of(dev.argdiff.tensor.Tensor,
 * dev.argdiff.solvers.SolverResult)}) fails the batch, or is skipped and listed with its residual
 * under {@link BatchOptions#skipNotConverged()}. Every task is evaluated before the batch
 * reports, so the failures named do not depend on timing.
 *
 * <p>A batch owns its pool: close it (try-with-resources). The static methods use a pool of
 * {@link Runtime#availableProcessors()} threads for one call.
 */
public final class Batch implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** The batch whose pool runs the current thread (null elsewhere): nested use of it would deadlock. */
    private static final ThreadLocal<Batch> WORKER_OF = new ThreadLocal<>();

    private final int threads;
    private final ExecutorService pool;

    private Batch(int threads) {
        this.threads = threads;
        int poolId = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(() -> {
                WORKER_OF.set(this);
                r.run();
            }, "argdiff-batch-" + poolId + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(threads, factory);
    }

    /**
     * A batch evaluator on a pool of {@code threads} threads.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static Batch withThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("Batch.withThreads: threads must be >= 1, got " + threads);
        }
        return new Batch(threads);
    }

    /** A batch evaluator with one thread per available processor. */
    public static Batch withDefaultThreads() {
        return new Batch(Runtime.getRuntime().availableProcessors());
    }

    /** The pool size. */
    public int threads() {
        return threads;
    }

    /**
     * Σ over tasks of the loss and of its gradient in θ, on a pool of one thread per processor.
     *
     * @see #sumValueAndGrad(Object, List, TaskLoss, BatchOptions)
     */
    public static <P, T> BatchResult<P> sumValueAndGrad(P theta, List<T> tasks, TaskLoss<P, T> loss) {
        try (Batch batch = withDefaultThreads()) {
            return batch.sumValueAndGrad(theta, tasks, loss, BatchOptions.defaults());
        }
    }

    /**
     * Σₜ Lₜ(θ) and Σₜ ∇θ Lₜ(θ) over the tasks (task t has id t, its index in the list), each
     * task differentiated on a worker thread; exact sums rounded once, so the result does not
     * depend on the thread count.
     *
     * @param theta   the shared parameters, a concrete pytree of tensors
     * @param tasks   the tasks (any objects the loss understands)
     * @param loss    the task loss, differentiable in θ; must be thread safe and deterministic
     * @param options what to do with non-converged tasks (default {@link BatchOptions#defaults()}: fail)
     * @throws IllegalArgumentException if an argument is null or θ is traced
     * @throws BatchException           if a task is refused (NaN/infinite values, an exception, or a
     *                                  non-converged solve under FAIL), naming the tasks by id
     */
    public <P, T> BatchResult<P> sumValueAndGrad(P theta, List<T> tasks, TaskLoss<P, T> loss, BatchOptions options) {
        checkTheta("Batch.sumValueAndGrad", theta);
        if (tasks == null) {
            throw new IllegalArgumentException("Batch.sumValueAndGrad: tasks is null");
        }
        if (loss == null) {
            throw new IllegalArgumentException("Batch.sumValueAndGrad: loss is null");
        }
        if (options == null) {
            throw new IllegalArgumentException("Batch.sumValueAndGrad: options is null");
        }
        List<T> snapshot = new ArrayList<>(tasks);
        AtomicInteger next = new AtomicInteger();
        List<Callable<BatchSum>> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(threads, Math.max(1, snapshot.size())); w++) {
            workers.add(() -> {
                BatchSum sum = new BatchSum(theta, options);
                for (int i = next.getAndIncrement(); i < snapshot.size(); i = next.getAndIncrement()) {
                    try {
                        sum.addTask(i, theta, snapshot.get(i), loss);
                    } catch (BatchException e) {
                        sum.addFailure(e);
                    }
                }
                return sum;
            });
        }
        BatchSum total = new BatchSum(theta, options);
        for (BatchSum part : runAll(workers)) {
            total.merge(part);
        }
        return total.result(theta, "Batch.sumValueAndGrad");
    }

    /**
     * Applies {@code f} to every task on the pool; the results are in task order.
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws BatchException           if {@code f} throws for some tasks, naming them by id (the
     *                                  cause is the exception of the lowest id)
     */
    public <T, R> List<R> map(List<T> tasks, Function<? super T, ? extends R> f) {
        if (tasks == null) {
            throw new IllegalArgumentException("Batch.map: tasks is null");
        }
        if (f == null) {
            throw new IllegalArgumentException("Batch.map: f is null");
        }
        List<T> snapshot = new ArrayList<>(tasks);
        Object[] out = new Object[snapshot.size()];
        RuntimeException[] errors = new RuntimeException[snapshot.size()];
        AtomicInteger next = new AtomicInteger();
        List<Callable<Void>> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(threads, Math.max(1, snapshot.size())); w++) {
            workers.add(() -> {
                for (int i = next.getAndIncrement(); i < snapshot.size(); i = next.getAndIncrement()) {
                    try {
                        out[i] = f.apply(snapshot.get(i));
                    } catch (RuntimeException e) {
                        errors[i] = e;
                    }
                }
                return null;
            });
        }
        runAll(workers);
        List<TaskReport> failed = new ArrayList<>();
        RuntimeException first = null;
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] != null) {
                failed.add(new TaskReport(i, TaskReport.Status.FAILED, Double.NaN, "threw " + errors[i]));
                first = first == null ? errors[i] : first;
            }
        }
        if (!failed.isEmpty()) {
            throw new BatchException("Batch.map: " + failed.size() + " of " + snapshot.size() + " tasks threw; first: "
                    + failed.get(0), failed, first);
        }
        @SuppressWarnings("unchecked")
        List<R> results = (List<R>) Arrays.asList(out);
        return results;
    }

    private <R> List<R> runAll(List<Callable<R>> workers) {
        if (WORKER_OF.get() == this) {
            // The workers would queue behind the task waiting for them.
            throw new IllegalStateException("Batch: called from a task running on this batch's own pool, which would "
                    + "deadlock; use another Batch (or a plain loop) for the inner tasks");
        }
        if (pool.isShutdown()) {
            throw new IllegalStateException("Batch: this batch is closed");
        }
        List<Future<R>> futures = new ArrayList<>();
        for (Callable<R> w : workers) {
            futures.add(pool.submit(w));
        }
        List<R> results = new ArrayList<>();
        try {
            for (Future<R> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Batch: interrupted while waiting for the tasks", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("Batch: a worker failed", cause);
        }
        return results;
    }

    static void checkTheta(String call, Object theta) {
        if (theta == null) {
            throw new IllegalArgumentException(call + ": theta is null");
        }
        if (!Pytree.isConcrete(theta)) {
            throw new IllegalArgumentException(call + ": theta is traced by an active transform; a batch "
                    + "differentiates every task itself on its worker thread, so call it outside transforms "
                    + "with concrete values (Tensor.concrete())");
        }
    }

    /** Shuts the pool down; running tasks finish. */
    @Override
    public void close() {
        pool.shutdown();
    }
}
