package dev.argdiff.solvers;

import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.implicit.WithAux;
import dev.argdiff.linalg.LinearSolver;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The protocol of every iterative solver: {@link #init}, {@link #update}, {@link #run} and
 * {@link #optimality}, the condition F(x, θ) = 0 its solutions satisfy.
 *
 * <p>{@code run} iterates {@code update} until the error is at most {@code tol}, or
 * {@code maxiter} iterations are done, or the run fails: the error or the iterate becomes
 * non-finite, the iterates diverge, or (when {@code tol} &gt; 0) the error stagnates above
 * {@code tol}; {@link SolverResult#status()} says which (rules in {@link SolverStatus}). With {@code implicitDiff(true)} (the default) it is
 * wrapped by {@link ImplicitDiff#customRootWithAux} with this solver's optimality condition, so
 * every transform differentiates the solution implicitly and the iterations run on concrete
 * values; with {@code implicitDiff(false)} the loop is simply differentiated — the iterations
 * are unrolled on the reverse tape (memory linear in the iterations).
 *
 * <p>Solvers are immutable: the option methods return modified copies.
 *
 * @param <X>    the tree type of the parameters being optimized
 * @param <A>    the type of the arguments (hyperparameters, data), usually a record
 * @param <S>    the solver's state
 * @param <SELF> the concrete solver type
 */
public abstract class IterativeSolver<X, A, S extends SolverState, SELF extends IterativeSolver<X, A, S, SELF>> {

    private final SolverOptions options;

    /** A solver with these common options. */
    protected IterativeSolver(SolverOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.options = options;
    }

    /** A copy of this solver with other common options. */
    protected abstract SELF withOptions(SolverOptions options);

    /** The initial state for these initial parameters. */
    public abstract S init(X initParams, A args);

    /** One iteration. */
    public abstract OptStep<X, S> update(X params, S state, A args);

    /** The optimality condition F(x, θ), zero at a solution; shaped like x. */
    public abstract X optimality(X params, A args);

    /**
     * Whether the optimality condition is the gradient of an objective (its Jacobian is then a
     * symmetric Hessian and implicit differentiation may use CG).
     */
    protected boolean optimalityIsGradient() {
        return false;
    }

    /** The common options of this solver. */
    public SolverOptions options() {
        return options;
    }

    /** The maximum number of iterations. */
    public SELF maxiter(int value) {
        return withOptions(options.withMaxiter(value));
    }

    /** The stopping tolerance on the solver's error. */
    public SELF tol(double value) {
        return withOptions(options.withTol(value));
    }

    /** Implicit differentiation (true, the default) or unrolling (false). */
    public SELF implicitDiff(boolean value) {
        return withOptions(options.withImplicitDiff(value));
    }

    /** The options of implicit differentiation (linear solver, tolerances, failure policy). */
    public SELF implicitOptions(ImplicitOptions value) {
        return withOptions(options.withImplicitOptions(value));
    }

    /** The linear solver of implicit differentiation. */
    public SELF implicitSolver(LinearSolver solver) {
        return withOptions(options.withImplicitOptions(options.implicitOptions().withSolver(solver)));
    }

    /**
     * When unrolling, recompute the iterations in blocks of {@code k} during the backward pass
     * instead of keeping their whole tape (gradient checkpointing; 0 turns it off).
     */
    public SELF checkpointEvery(int k) {
        return withOptions(options.withCheckpointEvery(k));
    }

    /** A listener called after every iteration. */
    public SELF listener(ProgressListener value) {
        return withOptions(options.withListener(value));
    }

    /** Runs the solver from {@code initParams}; the solution is differentiable with respect to {@code args}. */
    public SolverResult<X, S> run(X initParams, A args) {
        if (initParams == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".run: initParams is null");
        }
        Run<X, S> out;
        if (options.implicitDiff()) {
            WithAux<X, Run<X, S>> r = decorated().apply(initParams, args);
            out = new Run<>(r.solution(), r.aux().state(), r.aux().progress());
        } else {
            out = loop(initParams, args);
        }
        return new SolverResult<>(out.params(), out.state(), out.progress().status());
    }

    /** Where a run is: the iterate, the solver's state, and the loop's stopping memory. */
    private record Run<X, S>(X params, S state, Progress progress) {
    }

    /**
     * The solver loop decorated by customRoot, built once per solver so that its memo of the last
     * solution spans calls: a forward-mode Jacobian (one JVP per input direction, each calling
     * {@code run}) then solves once.
     */
    private BiFunction<X, A, WithAux<X, Run<X, S>>> decorated() {
        BiFunction<X, A, WithAux<X, Run<X, S>>> d = decorated;
        if (d == null) {
            d = ImplicitDiff.customRootWithAux(this::optimality, (x0, a) -> {
                Run<X, S> r = loop(x0, a);
                return new WithAux<>(r.params(), new Run<>(null, r.state(), r.progress()));
            }, effectiveImplicitOptions());
            decorated = d;
        }
        return d;
    }

    private volatile BiFunction<X, A, WithAux<X, Run<X, S>>> decorated;

    /** The implicit options with this solver's defaults filled in (symmetry, optimality tolerance). */
    protected ImplicitOptions effectiveImplicitOptions() {
        ImplicitOptions io = options.implicitOptions();
        if (optimalityIsGradient() && !io.symmetric()) {
            io = io.withSymmetric(true);
        }
        if (!io.optimalityToleranceIsSet()) {
            // The solver stops at error ≤ tol, its error being ‖F‖ or a comparable measure; certify at that level.
            io = io.withOptimalityTolerance(Math.max(options.tol(), 1e-12) * 1.0001);
        }
        return io;
    }

    private Run<X, S> loop(X initParams, A args) {
        Run<X, S> run = new Run<>(initParams, init(initParams, args), Progress.start());
        int k = options.checkpointEvery();
        if (!options.implicitDiff() && k > 0) {
            // Each block of k iterations is one checkpointed function of (params, state, args): the
            // tape keeps its input, and the backward pass reruns it (Autodiff.checkpoint). A block's first
            // evaluation has concrete inputs and reports to the listener; its recomputations are traced and silent.
            Function<Block<X, S, A>, Run<X, S>> block = Autodiff.checkpoint(
                    (Block<X, S, A> b) -> iterate(b.run(), b.args(), k, Pytree.isConcrete(b)));
            while (!run.progress().done()) {
                run = block.apply(new Block<>(run, args));
            }
            return run;
        }
        return iterate(run, args, Integer.MAX_VALUE, true);
    }

    /** The input of a checkpointed block of iterations. */
    private record Block<X, S, A>(Run<X, S> run, A args) {
    }

    /** At most {@code count} iterations; the listener hears them unless they are a recomputation. */
    private Run<X, S> iterate(Run<X, S> run, A args, int count, boolean report) {
        X params = run.params();
        S state = run.state();
        Progress progress = run.progress();
        for (int i = 0; i < count && !progress.done(); i++) {
            OptStep<X, S> step = update(params, state, args);
            params = step.params();
            state = step.state();
            progress = progress.after(params, state, options);
            if (report && options.listener() != null) {
                options.listener().onStep(params, state);
            }
        }
        return new Run<>(params, state, progress);
    }

}
