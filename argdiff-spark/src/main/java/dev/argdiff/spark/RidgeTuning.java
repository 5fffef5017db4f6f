package dev.argdiff.spark;

import dev.argdiff.batch.BatchOptions;
import dev.argdiff.batch.BatchResult;
import dev.argdiff.batch.TaskReport;
import dev.argdiff.data.RidgeTasks;
import dev.argdiff.optim.Chain;
import dev.argdiff.optim.GradientTransformation;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.tensor.Tensor;

import java.util.Locale;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Distributed hyperparameter tuning, the module's runnable class for {@code spark-submit}: one
 * ridge strength λ shared by many per-group ridge fits, tuned by Adam on θ = log λ to minimize
 * the mean validation loss over the groups. Each outer step is one
 * {@link SparkBatch#sumValueAndGrad}: θ broadcast, every group's L-BFGS solve and implicit
 * hypergradient on the executor holding it, exact sums back to the driver, Adam on the driver.
 * The groups are {@link RidgeTasks} generated on the executors from the seed (so the data never
 * goes through the driver) and cached.
 *
 * <pre>
 * options: --tasks N (10000)  --size ROWSxCOLS (100x20)  --steps S (20)  --learning-rate LR (0.1)
 *          --theta0 LOG_LAMBDA (0)  --partitions P (default: 2 × spark.default.parallelism)
 *          --seed S (1)  --inner-maxiter K (500)  --inner-tol TOL (1e-8)  --skip-not-converged
 * </pre>
 * Prints one line per step: step, mean validation loss, d/dθ of it, λ, tasks used, seconds.
 */
public final class RidgeTuning {
    private RidgeTuning() {
    }

    public static void main(String[] args) {
        CommandLineArgs a;
        try {
            a = new CommandLineArgs(args, Set.of("--tasks", "--size", "--steps", "--learning-rate", "--theta0",
                    "--partitions", "--seed", "--inner-maxiter", "--inner-tol"), Set.of("--skip-not-converged"));
        } catch (IllegalArgumentException e) {
            System.err.println("RidgeTuning: " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("argdiff ridge tuning").getOrCreate();
        try {
            run(JavaSparkContext.fromSparkContext(spark.sparkContext()), a);
        } finally {
            spark.stop();
        }
    }

    private static void run(JavaSparkContext sc, CommandLineArgs a) {
        int count = a.integer("--tasks", 10000, 1);
        int[] size = a.size("--size", "100x20");
        int steps = a.integer("--steps", 20, 1);
        double learningRate = a.number("--learning-rate", 0.1);
        int partitions = a.integer("--partitions", 2 * sc.defaultParallelism(), 1);
        long seed = a.integer("--seed", 1, 0);
        int maxiter = a.integer("--inner-maxiter", 500, 1);
        double tol = a.number("--inner-tol", 1e-8);
        BatchOptions options = a.flag("--skip-not-converged") ? BatchOptions.skipNotConverged() : BatchOptions.defaults();

        long t0 = System.nanoTime();
        JavaPairRDD<Long, RidgeTasks.Task> tasks = RidgeTasksRdd.generate(sc, count, size[0], size[1], seed, partitions);
        System.out.printf(Locale.ROOT, "%d ridge tasks %dx%d in %d partitions generated on the executors in %.1f s%n",
                count, size[0], size[1], partitions, (System.nanoTime() - t0) / 1e9);
        System.out.println("step  mean val. loss    d/dlog(lambda)    lambda        tasks used  seconds");
        Chain adam = Optimizers.adam(learningRate);
        Tensor theta = Tensor.scalar(a.number("--theta0", 0.0));
        Chain.State state = adam.init(theta);
        for (int step = 1; step <= steps; step++) {
            long s0 = System.nanoTime();
            BatchResult<Tensor> r = SparkBatch.sumValueAndGrad(sc, theta, tasks,
                    RidgeTasks.hypergradientLoss(maxiter, tol), options);
            if (r.tasksUsed() == 0) {
                throw new IllegalStateException("step " + step + ": every task was skipped as not converged; raise "
                        + "--inner-maxiter");
            }
            Tensor grad = r.gradient().div(r.tasksUsed());
            System.out.printf(Locale.ROOT, "%4d  %.10f  %+.6e  %.6e  %10d  %7.2f%n", step, r.meanValue(), grad.item(),
                    Math.exp(theta.item()), r.tasksUsed(), (System.nanoTime() - s0) / 1e9);
            for (TaskReport skipped : r.skipped()) {
                System.out.println("      skipped " + skipped);
            }
            GradientTransformation.Update<Tensor, Chain.State> u = adam.update(grad, state, theta);
            theta = Optimizers.applyUpdates(theta, u.updates());
            state = u.state();
        }
        System.out.printf(Locale.ROOT, "lambda = %.8g%n", Math.exp(theta.item()));
    }
}
