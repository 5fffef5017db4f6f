package dev.argdiff.optim;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.OptStep;
import dev.argdiff.solvers.StochasticSolver;
import dev.argdiff.tensor.NumericalFailureException;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Minimizes a differentiable objective f(params, args) with a {@link GradientTransformation}
 * (JAXopt's {@code OptaxSolver}): each {@link #update} evaluates f and its gradient with respect
 * to the parameters at the current point, transforms the gradient with the optimizer and applies
 * the result.
 *
 * <pre>{@code
 * OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.of(
 *         (Tensor x, Tensor c) -> x.sub(c).squaredNorm().mul(0.5), Optimizers.adam(0.1));
 * OptimizerSolver.Step<Tensor, Void> out = solver.run(x0, c, 500);
 * Tensor x = out.params();
 * }</pre>
 *
 * <p><b>Differentiation.</b> {@link #run} is a plain Java loop over {@link #update}; when the
 * initial parameters, the arguments, or the optimizer's learning rate are traced, every step is
 * recorded and differentiated (unrolling; memory linear in the steps). For implicit
 * differentiation of a converged solution, use {@link #optimality} — the gradient ∇ₓf, zero at a
 * minimizer — with {@link dev.argdiff.implicit.ImplicitDiff#customRoot}.
 *
 * <p><b>Failure.</b> A non-finite objective value or gradient stops the solver with an
 * {@link ArithmeticException} naming the iteration; nothing is silently carried on.
 *
 * <p>Solvers are immutable; {@link #withListener} returns a modified copy.
 *
 * @param <P> the parameter tree type
 * @param <X> the type of the arguments (data, hyperparameters), usually a record
 * @param <A> the auxiliary output of the objective ({@link Void} without one)
 */
public final class OptimizerSolver<P, X, A> {

    /** Called by {@link #update} before every step. */
    @FunctionalInterface
    public interface Listener<P> {
        /**
         * @param iteration the number of steps done before this one (0 for the first step)
         * @param value     f(params, args), the objective at params
         * @param params    the parameters the step starts from
         */
        void onStep(int iteration, double value, P params);
    }

    /**
     * The solver's state after {@code iterations} steps. As in JAXopt, {@code value},
     * {@code gradNorm} and {@code aux} belong to the point the last step started from (they come
     * from the gradient evaluation the step needs, at no extra cost); they are +∞, +∞ and null in
     * the initial state.
     *
     * @param iterations the number of steps done
     * @param value      f at the last step's starting point (0-d; traced when f depends on traced values)
     * @param gradNorm   the global norm of ∇ₓf there (0-d)
     * @param aux        the objective's auxiliary output there, or null
     * @param optState   the optimizer's state (the {@code S} of its {@link GradientTransformation})
     */
    public record State<A>(int iterations, Tensor value, Tensor gradNorm, A aux, Object optState) {
    }

    /** New parameters and the state after a step. */
    public record Step<P, A>(P params, State<A> state) {
    }

    private final BiFunction<P, X, Autodiff.Aux<A>> objective;
    private final GradientTransformation<Object> optimizer;
    private final Listener<? super P> listener;

    private OptimizerSolver(BiFunction<P, X, Autodiff.Aux<A>> objective, GradientTransformation<Object> optimizer,
                            Listener<? super P> listener) {
        this.objective = objective;
        this.optimizer = optimizer;
        this.listener = listener;
    }

    /**
     * A solver for a scalar objective {@code (params, args) -> f} (a 0-d tensor).
     *
     * @throws IllegalArgumentException if objective or optimizer is null
     */
    public static <P, X> OptimizerSolver<P, X, Void> of(BiFunction<P, X, Tensor> objective,
                                                        GradientTransformation<?> optimizer) {
        if (objective == null) {
            throw new IllegalArgumentException("OptimizerSolver.of: objective is null");
        }
        return new OptimizerSolver<>((p, x) -> new Autodiff.Aux<Void>(objective.apply(p, x), null),
                erase("of", optimizer), null);
    }

    /**
     * A solver for an objective with auxiliary output {@code (params, args) -> Aux(f, aux)}
     * (JAX's {@code has_aux}); the aux of each evaluation is kept in the state.
     *
     * @throws IllegalArgumentException if objective or optimizer is null
     */
    public static <P, X, A> OptimizerSolver<P, X, A> withAux(BiFunction<P, X, Autodiff.Aux<A>> objective,
                                                             GradientTransformation<?> optimizer) {
        if (objective == null) {
            throw new IllegalArgumentException("OptimizerSolver.withAux: objective is null");
        }
        return new OptimizerSolver<>(objective, erase("withAux", optimizer), null);
    }

    // Sound: the solver only feeds the optimizer states it produced itself.
    @SuppressWarnings("unchecked")
    private static GradientTransformation<Object> erase(String op, GradientTransformation<?> optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("OptimizerSolver." + op + ": optimizer is null");
        }
        return (GradientTransformation<Object>) optimizer;
    }

    /** A copy of this solver that calls {@code listener} before every step (null: none). */
    public OptimizerSolver<P, X, A> withListener(Listener<? super P> listener) {
        return new OptimizerSolver<>(objective, optimizer, listener);
    }

    /** The optimizer. */
    public GradientTransformation<?> optimizer() {
        return optimizer;
    }

    /**
     * The initial state: no steps done, value and gradNorm +∞, no aux, the optimizer's initial
     * state for these parameters. Does not evaluate the objective.
     *
     * @throws IllegalArgumentException if params is null
     */
    public State<A> init(P params, X args) {
        if (params == null) {
            throw new IllegalArgumentException("OptimizerSolver.init: params is null");
        }
        Tensor inf = Tensor.scalar(Double.POSITIVE_INFINITY);
        return new State<>(0, inf, inf, null, optimizer.init(params));
    }

    /**
     * One step: x ← x + u, where u is the optimizer's transform of ∇ₓf(x, args).
     *
     * @throws IllegalArgumentException if params or state is null, or the objective is not scalar
     * @throws ArithmeticException      if f(x, args) or its gradient is not finite
     */
    public Step<P, A> update(P params, State<A> state, X args) {
        if (params == null) {
            throw new IllegalArgumentException("OptimizerSolver.update: params is null");
        }
        if (state == null) {
            throw new IllegalArgumentException("OptimizerSolver.update: state is null");
        }
        Autodiff.ValueAuxAndGrad<P, A> vg =
                Autodiff.valueAndGradWithAux((P p) -> objective.apply(p, args)).apply(params);
        double value = vg.value().item();
        if (!Double.isFinite(value)) {
            throw new NumericalFailureException("OptimizerSolver.update: the objective is " + value + " at iteration "
                    + state.iterations() + " (a smaller learning rate may help)");
        }
        Tensor gradNorm = Optimizers.globalNorm(vg.gradient());
        if (!Double.isFinite(gradNorm.item())) {
            throw new NumericalFailureException("OptimizerSolver.update: the gradient is not finite at iteration "
                    + state.iterations() + " (objective " + value + ")");
        }
        if (listener != null) {
            listener.onStep(state.iterations(), value, params);
        }
        GradientTransformation.Update<P, Object> u = optimizer.update(vg.gradient(), state.optState(), params);
        P next = Optimizers.applyUpdates(params, u.updates());
        return new Step<>(next, new State<>(state.iterations() + 1, vg.value(), gradNorm, vg.aux(), u.state()));
    }

    /**
     * Exactly {@code steps} updates from {@code init} (no stopping test: the caller chooses the
     * budget; inspect {@code state().gradNorm()} for convergence).
     *
     * @throws IllegalArgumentException if init is null or steps is negative
     */
    public Step<P, A> run(P init, X args, int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("OptimizerSolver.run: steps must be >= 0, got " + steps);
        }
        P params = init;
        State<A> state = init(init, args);
        for (int k = 0; k < steps; k++) {
            Step<P, A> step = update(params, state, args);
            params = step.params();
            state = step.state();
        }
        return new Step<>(params, state);
    }

    /**
     * The optimality condition ∇ₓf(params, args), zero at an unconstrained minimizer; pass it to
     * {@link dev.argdiff.implicit.ImplicitDiff#customRoot} for implicit differentiation.
     */
    public P optimality(P params, X args) {
        return Autodiff.valueAndGradWithAux((P p) -> objective.apply(p, args)).apply(params).gradient();
    }

    /**
     * This solver on the stochastic-solver protocol: {@code runIterator} makes one step per batch
     * (the batch is the objective's arguments), at most {@code maxiter} steps.
     *
     * @throws IllegalArgumentException if maxiter &lt; 1
     */
    public StochasticSolver<P, X, State<A>> stochastic(int maxiter) {
        if (maxiter < 1) {
            throw new IllegalArgumentException("OptimizerSolver.stochastic: maxiter must be >= 1, got " + maxiter);
        }
        OptimizerSolver<P, X, A> self = this;
        return new StochasticSolver<>() {
            @Override
            public State<A> init(P initParams, X firstBatch) {
                return self.init(initParams, firstBatch);
            }

            @Override
            public OptStep<P, State<A>> update(P params, State<A> state, X batch) {
                Step<P, A> step = self.update(params, state, batch);
                return new OptStep<>(step.params(), step.state());
            }

            @Override
            public int maxiter() {
                return maxiter;
            }
        };
    }
}
