package dev.argdiff.data;

import dev.argdiff.batch.TaskLoss;
import dev.argdiff.batch.TaskValue;
import dev.argdiff.solvers.LBFGS;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A family of small ridge regressions sharing one regularization strength — the batch workload
 * of argdiff's batch tests and benchmarks (one λ tuned across many per-group fits).
 *
 * <pre>
 *   task t:  inner  w*(λ) = argmin_w ½·mean((A w − b)²) + ½·λ·‖w‖²,   λ = exp(θ)
 *            outer  L_t(θ) = ½·mean((A_val w*(λ) − b_val)²)
 * </pre>
 * Data of a task: A, A_val with standard normal entries, a true w with standard normal entries,
 * b = A w + noise and b_val = A_val w + noise (noise standard deviation 1/2). Task i of a seed is
 * reproducible on its own ({@link #task}).
 */
public final class RidgeTasks {
    private RidgeTasks() {
    }

    /**
     * One task: training rows (A, b) and validation rows (A_val, b_val), row-major.
     *
     * @param rows    rows of A (and of A_val)
     * @param cols    columns (the number of weights)
     * @param a       A, rows × cols
     * @param b       b, rows
     * @param aVal    A_val, rows × cols
     * @param bVal    b_val, rows
     */
    public record Task(int rows, int cols, double[] a, double[] b, double[] aVal, double[] bVal) implements Serializable {
        /** @throws IllegalArgumentException if an array's length does not match rows × cols or rows */
        public Task {
            if (rows < 1 || cols < 1) {
                throw new IllegalArgumentException("RidgeTasks.Task: rows and cols must be >= 1, got " + rows + "x" + cols);
            }
            if (a == null || aVal == null || a.length != rows * cols || aVal.length != rows * cols) {
                throw new IllegalArgumentException("RidgeTasks.Task: a and aVal must have rows*cols = " + rows * cols
                        + " entries");
            }
            if (b == null || bVal == null || b.length != rows || bVal.length != rows) {
                throw new IllegalArgumentException("RidgeTasks.Task: b and bVal must have rows = " + rows + " entries");
            }
        }
    }

    /** The arguments of the inner problem: λ and the training data. */
    private record Args(Tensor lambda, Tensor a, Tensor b) {
    }

    /**
     * {@code count} tasks of size rows × cols from the seed.
     *
     * @throws IllegalArgumentException if a size is &lt; 1 or count &lt; 0
     */
    public static List<Task> generate(int count, int rows, int cols, long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("RidgeTasks.generate: count must be >= 0, got " + count);
        }
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("RidgeTasks.generate: rows and cols must be >= 1, got " + rows + "x" + cols);
        }
        List<Task> tasks = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            tasks.add(task(seed, t, rows, cols));
        }
        return tasks;
    }

    /**
     * Task number {@code index} of the list {@link #generate} makes from {@code seed}, built on its
     * own (from a {@code SplittableRandom} seeded by a hash of seed and index), so that tasks can be
     * generated where they are used (on Spark executors) instead of shipped.
     *
     * @throws IllegalArgumentException if a size is &lt; 1 or index &lt; 0
     */
    public static Task task(long seed, long index, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("RidgeTasks.task: rows and cols must be >= 1, got " + rows + "x" + cols);
        }
        if (index < 0) {
            throw new IllegalArgumentException("RidgeTasks.task: index must be >= 0, got " + index);
        }
        // Not seed + index·γ: SplittableRandom(s) steps its state by that same γ, so task i + 1 would
        // replay task i's stream shifted by one draw. Hashing (seed, index) puts the streams far apart.
        SplittableRandom rng = new SplittableRandom(mix64(seed + mix64(index + 1)));
        double[] w = gaussian(rng, cols);
        double[] a = gaussian(rng, rows * cols);
        double[] aVal = gaussian(rng, rows * cols);
        return new Task(rows, cols, a, targets(rng, a, w, rows, cols), aVal, targets(rng, aVal, w, rows, cols));
    }

    /** SplitMix64's finalizer (Stafford's variant 13): a bijection that scatters nearby inputs. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double[] gaussian(SplittableRandom rng, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            // Box–Muller (cosine branch): the JDK's nextGaussian differs between Java versions.
            double u = 1.0 - rng.nextDouble();
            double v = rng.nextDouble();
            out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }
        return out;
    }

    private static double[] targets(SplittableRandom rng, double[] a, double[] w, int rows, int cols) {
        double[] noise = gaussian(rng, rows);
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += a[i * cols + j] * w[j];
            }
            y[i] = s + 0.5 * noise[i];
        }
        return y;
    }

    /**
     * The validation loss L_t(θ) of one task, differentiable in θ (a 0-d tensor, θ = log λ)
     * through the implicitly differentiated L-BFGS solve of the inner problem from w = 0; the
     * inner solve's convergence and residual ‖∇‖ are reported in the {@link TaskValue}.
     *
     * @param maxiter the inner solver's iteration limit
     * @param tol     its tolerance on ‖∇‖
     */
    public static TaskValue loss(Tensor theta, Task task, int maxiter, double tol) {
        Tensor a = Tensor.of(new int[] {task.rows(), task.cols()}, task.a());
        Tensor b = Tensor.of(task.b());
        LBFGS<Tensor, Args> solver = LBFGS.<Tensor, Args>of((w, r) -> r.a().matmul(w).sub(r.b()).square().mean()
                .mul(0.5).add(r.lambda().mul(0.5).mul(w.squaredNorm()))).maxiter(maxiter).tol(tol);
        SolverResult<Tensor, LBFGS.State<Tensor>> r = solver.run(Tensor.zeros(task.cols()), new Args(theta.exp(), a, b));
        Tensor aVal = Tensor.of(new int[] {task.rows(), task.cols()}, task.aVal());
        Tensor residual = aVal.matmul(r.params()).sub(Tensor.of(task.bVal()));
        return TaskValue.of(residual.square().mean().mul(0.5), r);
    }

    /** {@link #loss} as a batch task loss (serializable: it captures only the two numbers). */
    public static TaskLoss<Tensor, Task> hypergradientLoss(int maxiter, double tol) {
        return (theta, task) -> loss(theta, task, maxiter, tol);
    }
}
