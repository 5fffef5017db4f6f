package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.batch.Batch;
import dev.argdiff.batch.BatchOptions;
import dev.argdiff.batch.BatchResult;
import dev.argdiff.batch.TaskValue;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.optim.Chain;
import dev.argdiff.optim.GradientTransformation;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.solvers.GradientDescent;
import dev.argdiff.solvers.LBFGS;
import dev.argdiff.solvers.ProximalGradient;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Implicit MAML (Rajeswaran, Finn, Kakade, Levine, "Meta-Learning with Implicit Gradients",
 * NeurIPS 2019) on the sinusoid regression tasks of MAML (Finn, Abbeel, Levine 2017, §5.1), as in
 * JAXopt's {@code maml} notebook, with a linear model on fixed radial-basis features in place of
 * the notebook's small network.
 *
 * <pre>
 *   task:   y = A·sin(x − φ), A ~ U[0.1, 5], φ ~ U[0, π], x ~ U[−5, 5]; K support points to adapt
 *           on (default 5), Q query points to score the adapted model (default 10);
 *   model:  ŷ = f(x)ᵀw, f(x) = (1, exp(−(x − cⱼ)²/(2σ²)) for 20 centers cⱼ evenly spaced on
 *           [−5, 5]), σ = their spacing;
 *   inner:  w*(θ) = argmin_w L_support(w) + (λ/2)·‖w − θ‖²,  L = mean squared error;
 *   outer:  min_θ mean over a batch of tasks of L_query(w*(θ)), by Adam on the meta-parameters θ.
 * </pre>
 * The meta-gradient is the implicit derivative of the inner optimality condition
 * F(w, θ) = ∇L_support(w) + λ(w − θ) = 0, installed with {@link ImplicitDiff#customRoot}
 * around an L-BFGS solve to tolerance (run without derivatives of its own): the Jacobian of w*
 * in θ is λ(∇²L_support + λI)⁻¹, whatever path the solver took. With {@code maml} the inner
 * problem is instead solved by {@code innerSteps} plain gradient steps from w = θ, and the
 * meta-gradient comes from differentiating through them ({@code implicitDiff(false)}): the first
 * step is MAML's w = θ − α∇L_support(θ), as the proximal term vanishes at θ; with many steps the
 * meta-gradient tends to the implicit one. The inner step size is α = 1/L_task with
 * L_task = 2·maxᵢ‖f(xᵢ)‖² + λ over the task's support points (a bound on the largest eigenvalue
 * of the inner Hessian). The model is linear in w, so the task losses are quadratic and w*(θ)
 * and the meta-gradient have closed forms — the tests' references.
 *
 * <p>Each outer step draws a new batch of training tasks; a fixed set of held-out tasks, drawn
 * once, measures the loss after adaptation from the current θ. At step 1, θ = 0: that row is
 * the loss of adapting without meta-learning (ridge regression towards 0).
 */
public final class ImamlExample {
    private ImamlExample() {
    }

    /** Number of radial-basis centers (the model has one more parameter, the bias). */
    static final int CENTERS = 20;
    /** The input range [−5, 5] of the tasks. */
    static final double X_MAX = 5.0;
    static final double MIN_AMPLITUDE = 0.1;
    static final double MAX_AMPLITUDE = 5.0;
    static final double MAX_PHASE = Math.PI;

    /**
     * @param maml          unrolled MAML-style differentiation through {@code innerSteps} gradient
     *                      steps instead of implicit differentiation
     * @param steps         outer Adam steps (≥ 1)
     * @param learningRate  Adam's learning rate (> 0)
     * @param lambda        λ of the proximal term (> 0)
     * @param tasks         training tasks per outer step (≥ 1)
     * @param shots         support points per task, K (≥ 1)
     * @param queries       query points per task, Q (≥ 1)
     * @param heldOutTasks  number of held-out tasks (≥ 1)
     * @param innerSteps    gradient steps of the unrolled inner loop with {@code maml} (≥ 1)
     * @param innerMaxiter  iteration limit of the implicit mode's inner solver (≥ 1)
     * @param innerTol      its stopping tolerance, on ‖∇‖ (> 0)
     * @param seed          the seed of the tasks
     */
    public record Options(boolean maml, int steps, double learningRate, double lambda, int tasks, int shots,
                          int queries, int heldOutTasks, int innerSteps, int innerMaxiter, double innerTol,
                          long seed) {
        public Options {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("--learning-rate must be a positive number, got " + learningRate);
            }
            if (!(lambda > 0) || !Double.isFinite(lambda)) {
                throw new IllegalArgumentException("--lambda must be a positive number, got " + lambda);
            }
            if (tasks < 1) {
                throw new IllegalArgumentException("--tasks must be >= 1, got " + tasks);
            }
            if (shots < 1) {
                throw new IllegalArgumentException("--shots must be >= 1, got " + shots);
            }
            if (queries < 1) {
                throw new IllegalArgumentException("--queries must be >= 1, got " + queries);
            }
            if (heldOutTasks < 1) {
                throw new IllegalArgumentException("--held-out-tasks must be >= 1, got " + heldOutTasks);
            }
            if (innerSteps < 1) {
                throw new IllegalArgumentException("--inner-steps must be >= 1, got " + innerSteps);
            }
            if (innerMaxiter < 1) {
                throw new IllegalArgumentException("--inner-maxiter must be >= 1, got " + innerMaxiter);
            }
            if (!(innerTol > 0) || !Double.isFinite(innerTol)) {
                throw new IllegalArgumentException("--inner-tol must be a positive number, got " + innerTol);
            }
        }

        /**
         * 100 Adam(0.05) steps, λ = 1, 25 tasks of 5 shots and 10 queries per step, 100 held-out
         * tasks; 5 unrolled steps with {@code maml}, else L-BFGS to ‖∇‖ ≤ 1e-10.
         */
        public static Options defaults(boolean maml) {
            return new Options(maml, 100, 0.05, 1.0, 25, 5, 10, 100, 5, 1000, 1e-10, 0);
        }
    }

    /**
     * One outer step, evaluated before the update: the meta-training loss (mean query loss of the
     * batch after adaptation), the meta-gradient's norm, the held-out tasks' mean query loss after
     * adaptation, the inner iterations (mean over the batch), and the largest adjoint residual of
     * the batch (NaN with {@code maml}).
     */
    public record Step(int step, double loss, double gradientNorm, double heldOutLoss, double innerIterations,
                       double adjointResidual) {
    }

    /**
     * The steps, the final meta-parameters θ (bias first, then one weight per center) and the
     * held-out loss after adaptation from them.
     */
    public record Result(List<Step> steps, double[] theta, double finalHeldOutLoss) {
    }

    /** One task: the features (rows f(x)) and targets of its support and query points, its amplitude and phase. */
    record Task(Tensor supportFeatures, Tensor supportTargets, Tensor queryFeatures, Tensor queryTargets,
                double amplitude, double phase) {
    }

    /** The inner problem's arguments: θ, the support set and λ. */
    record Args(Tensor theta, Tensor features, Tensor targets, Tensor lambda) {
    }

    /** The meta-loss, its gradient, and solver statistics of one evaluation. */
    record Evaluation(double loss, Tensor gradient, double innerIterations, double adjointResidual) {
    }

    /** The number of model parameters: a bias and one weight per center. */
    static int dimension() {
        return CENTERS + 1;
    }

    /** The feature rows f(x) of the inputs. */
    static Tensor features(double[] x) {
        int d = dimension();
        double spacing = 2 * X_MAX / (CENTERS - 1);
        double[] f = new double[x.length * d];
        for (int i = 0; i < x.length; i++) {
            f[i * d] = 1.0;
            for (int j = 0; j < CENTERS; j++) {
                double c = -X_MAX + j * spacing;
                double u = (x[i] - c) / spacing;
                f[i * d + 1 + j] = Math.exp(-0.5 * u * u);
            }
        }
        return Tensor.of(new int[] {x.length, d}, f);
    }

    /** Draws a task: amplitude, phase, then the support inputs, then the query inputs. */
    static Task sampleTask(SplittableRandom rng, int shots, int queries) {
        double amplitude = MIN_AMPLITUDE + (MAX_AMPLITUDE - MIN_AMPLITUDE) * rng.nextDouble();
        double phase = MAX_PHASE * rng.nextDouble();
        double[] xs = new double[shots];
        double[] ys = new double[shots];
        for (int i = 0; i < shots; i++) {
            xs[i] = -X_MAX + 2 * X_MAX * rng.nextDouble();
            ys[i] = amplitude * Math.sin(xs[i] - phase);
        }
        double[] xq = new double[queries];
        double[] yq = new double[queries];
        for (int i = 0; i < queries; i++) {
            xq[i] = -X_MAX + 2 * X_MAX * rng.nextDouble();
            yq[i] = amplitude * Math.sin(xq[i] - phase);
        }
        return new Task(features(xs), Tensor.of(ys), features(xq), Tensor.of(yq), amplitude, phase);
    }

    static List<Task> sampleTasks(SplittableRandom rng, int count, Options options) {
        List<Task> tasks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tasks.add(sampleTask(rng, options.shots(), options.queries()));
        }
        return tasks;
    }

    /** The random streams: held-out tasks first, then the training batches. */
    static SplittableRandom[] streams(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom heldOut = root.split();
        SplittableRandom train = root.split();
        return new SplittableRandom[] {heldOut, train};
    }

    /** The support loss mean((F·w − y)²). */
    static Tensor taskLoss(Tensor w, Tensor features, Tensor targets) {
        return features.matmul(w).sub(targets).square().mean();
    }

    /** The inner objective L_support(w) + (λ/2)·‖w − θ‖². */
    static Tensor innerObjective(Tensor w, Args a) {
        return taskLoss(w, a.features(), a.targets()).add(a.lambda().mul(0.5).mul(w.sub(a.theta()).squaredNorm()));
    }

    /** The inner optimality condition F(w, θ) = ∇L_support(w) + λ(w − θ). */
    static Tensor optimality(Tensor w, Args a) {
        Tensor grad = Autodiff.grad((Tensor v) -> taskLoss(v, a.features(), a.targets())).apply(w);
        return grad.add(a.lambda().mul(w.sub(a.theta())));
    }

    /** The inner step size 1/(2·maxᵢ‖f(xᵢ)‖² + λ) of a task. */
    static double stepsize(Task task, double lambda) {
        double[][] rows = task.supportFeatures().toArray2d();
        double max = 0;
        for (double[] row : rows) {
            double s = 0;
            for (double v : row) {
                s += v * v;
            }
            max = Math.max(max, s);
        }
        return 1.0 / (2 * max + lambda);
    }

    /**
     * The adaptation w*(θ) of one task, differentiable in θ: implicitly (customRoot around L-BFGS
     * from w = θ), or by unrolling {@code innerSteps} gradient steps from w = θ.
     */
    static Tensor adapt(Options options, Task task, Tensor theta, AtomicInteger iterations,
                        List<ImplicitDiagnostics> adjoints) {
        Args args = new Args(theta, task.supportFeatures(), task.supportTargets(), Tensor.scalar(options.lambda()));
        if (options.maml()) {
            GradientDescent<Tensor, Args> gd = GradientDescent.<Tensor, Args>of(ImamlExample::innerObjective)
                    .stepsize(stepsize(task, options.lambda())).acceleration(false).implicitDiff(false)
                    .maxiter(options.innerSteps()).tol(0.0);
            SolverResult<Tensor, ProximalGradient.State<Tensor>> r = gd.run(theta, args);
            iterations.addAndGet(r.iterations());
            return r.params();
        }
        LBFGS<Tensor, Args> lbfgs = LBFGS.<Tensor, Args>of(ImamlExample::innerObjective)
                .maxiter(options.innerMaxiter()).tol(options.innerTol()).implicitDiff(false);
        BiFunction<Tensor, Args, Tensor> solver = (init, a) -> {
            SolverResult<Tensor, LBFGS.State<Tensor>> r = lbfgs.run(init, a);
            iterations.addAndGet(r.iterations());
            return r.params();
        };
        ImplicitOptions implicit = ImplicitOptions.defaults().withSymmetric(true)
                .withOptimalityTolerance(Math.max(10 * options.innerTol(), 1e-12))
                .withObserver(d -> {
                    if (adjoints != null) {
                        adjoints.add(d);
                    }
                });
        return ImplicitDiff.customRoot(ImamlExample::optimality, solver, implicit).apply(theta, args);
    }

    /** The mean query loss of the tasks after adaptation from θ, and its gradient in θ (one thread). */
    static Evaluation evaluate(Options options, List<Task> tasks, Tensor theta) {
        try (Batch batch = Batch.withThreads(1)) {
            return evaluate(options, tasks, theta, batch);
        }
    }

    /**
     * The mean query loss of the tasks after adaptation from θ, and its gradient in θ: each task
     * differentiated on a worker of {@code batch}, the sums exact (the same bits for any thread count).
     */
    static Evaluation evaluate(Options options, List<Task> tasks, Tensor theta, Batch batch) {
        AtomicInteger iterations = new AtomicInteger();
        List<ImplicitDiagnostics> adjoints = Collections.synchronizedList(new ArrayList<>());
        BatchResult<Tensor> r = batch.sumValueAndGrad(theta, tasks, (th, task) -> TaskValue.of(
                taskLoss(adapt(options, task, th, iterations, adjoints), task.queryFeatures(), task.queryTargets())),
                BatchOptions.defaults());
        double worst = Double.NaN;
        synchronized (adjoints) {
            for (ImplicitDiagnostics d : adjoints) {
                if (d.linearSolve() != null) {
                    double res = d.linearSolve().relativeResidual();
                    worst = Double.isNaN(worst) ? res : Math.max(worst, res);
                }
            }
        }
        return new Evaluation(r.value() / tasks.size(), r.gradient().div(tasks.size()),
                (double) iterations.get() / tasks.size(), worst);
    }

    /** The mean query loss of the tasks after adaptation from θ (no derivative), the tasks on {@code batch}. */
    static double heldOutLoss(Options options, List<Task> tasks, Tensor theta, Batch batch) {
        AtomicInteger iterations = new AtomicInteger();
        List<Double> losses = batch.map(tasks, task ->
                taskLoss(adapt(options, task, theta, iterations, null), task.queryFeatures(), task.queryTargets()).item());
        double total = 0;
        for (double loss : losses) {
            total += loss;
        }
        return total / tasks.size();
    }

    /**
     * Refuses sizes whose tasks alone cannot fit in memory (the held-out tasks and one batch: their
     * feature rows and targets), before anything is allocated.
     *
     * @throws IllegalArgumentException naming --tasks, --held-out-tasks, --shots and --queries
     */
    static void requireMemory(Options options) {
        double bytes = ((double) options.tasks() + options.heldOutTasks())
                * ((double) options.shots() + options.queries()) * (dimension() + 1) * Double.BYTES;
        MemoryLimits.require(bytes, "--tasks " + options.tasks() + " and --held-out-tasks " + options.heldOutTasks()
                + " tasks of --shots " + options.shots() + " + --queries " + options.queries() + " points");
    }

    /** Runs the example, calling {@code onStep} after each outer step. */
    public static Result run(Options options, Consumer<Step> onStep) {
        return run(options, 1, onStep);
    }

    /**
     * Runs the example with the tasks of each step on {@code threads} threads (the results do not
     * depend on it), calling {@code onStep} after each outer step.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static Result run(Options options, int threads, Consumer<Step> onStep) {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        try (Batch batch = Batch.withThreads(threads)) {
            return run(options, batch, onStep);
        }
    }

    private static Result run(Options options, Batch pool, Consumer<Step> onStep) {
        requireMemory(options);
        SplittableRandom[] rng = streams(options.seed());
        List<Task> heldOut = sampleTasks(rng[0], options.heldOutTasks(), options);
        Chain adam = Optimizers.adam(options.learningRate());
        Tensor theta = Tensor.zeros(dimension());
        Chain.State adamState = adam.init(theta);
        List<Step> steps = new ArrayList<>();
        for (int k = 0; k < options.steps(); k++) {
            List<Task> batch = sampleTasks(rng[1], options.tasks(), options);
            Evaluation e = evaluate(options, batch, theta, pool);
            Step step = new Step(k + 1, e.loss(), Math.sqrt(e.gradient().squaredNorm().item()),
                    heldOutLoss(options, heldOut, theta, pool), e.innerIterations(), e.adjointResidual());
            steps.add(step);
            if (onStep != null) {
                onStep.accept(step);
            }
            Divergence.checkStep(k + 1, step.loss(), step.gradientNorm(), "--learning-rate", options.learningRate());
            GradientTransformation.Update<Tensor, Chain.State> u = adam.update(e.gradient(), adamState, theta);
            theta = Optimizers.applyUpdates(theta, u.updates());
            Divergence.checkUpdate(k + 1, "theta", theta, "--learning-rate", options.learningRate());
            adamState = u.state();
        }
        return new Result(steps, theta.toArray(), heldOutLoss(options, heldOut, theta, pool));
    }
}
