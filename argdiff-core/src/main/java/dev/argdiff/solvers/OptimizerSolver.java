package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.optim.GradientTransformation;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.tensor.NumericalFailureException;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Minimizes a differentiable objective f(x, args) with a {@link GradientTransformation}
 * (JAXopt's {@code OptaxSolver}): each {@link #update} evaluates f and ∇ₓf at the current point,
 * transforms the gradient with the optimizer and adds the result, x⁺ = x + u(∇ₓf(x)).
 *
 * <pre>{@code
 * OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.of(
 *         (Tensor x, Tensor c) -> x.sub(c).squaredNorm().mul(0.5), Optimizers.adam(0.1));
 * Tensor x = solver.maxiter(2000).run(x0, c).params();
 * }</pre>
 *
 * <p>A regular {@link IterativeSolver}: {@link #run} stops at ‖∇ₓf‖ ≤ {@code tol} (the error,
 * as JAXopt, is the gradient norm at the point the last step started from, which the step
 * computes anyway), is differentiated implicitly through its optimality condition ∇ₓf = 0
 * (symmetric, so CG or Cholesky may solve it) or, with {@code implicitDiff(false)}, unrolled —
 * then a traced learning rate, initial point or argument is differentiated through every step,
 * and {@code checkpointEvery(k)} bounds the tape. {@code tol(0).maxiter(K).implicitDiff(false)}
 * makes exactly K steps unless the shared loop stops a run that diverges or turns non-finite
 * ({@link SolverStatus}). It is also a {@link StochasticSolver}: {@link #runIterator} makes one
 * step per batch (the batch is f's arguments), at most {@code maxiter} steps.
 *
 * <p><b>Failure.</b> A non-finite objective value or gradient in {@link #update} throws a
 * {@link NumericalFailureException} naming the iteration; nothing is silently carried on.
 *
 * @param <X>   the parameter tree type
 * @param <A>   the type of the arguments (data, hyperparameters), usually a record
 * @param <Aux> the auxiliary output of the objective ({@link Void} without one)
 */
public final class OptimizerSolver<X, A, Aux>
        extends IterativeSolver<X, A, OptimizerSolver.State<Aux>, OptimizerSolver<X, A, Aux>>
        implements StochasticSolver<X, A, OptimizerSolver.State<Aux>> {

    /**
     * The solver's state after {@code iterations} steps. As in JAXopt, {@code value},
     * {@code gradNorm} and {@code aux} belong to the point the last step started from (they come
     * from the gradient evaluation the step needs, at no extra cost); they are +∞, +∞ and null in
     * the initial state.
     *
     * @param iterations the number of steps done
     * @param error      {@code gradNorm} as a number (the stopping measure)
     * @param value      f at the last step's starting point (0-d; traced when f depends on traced values)
     * @param gradNorm   the global norm of ∇ₓf there (0-d)
     * @param aux        the objective's auxiliary output there, or null
     * @param optState   the optimizer's state (the {@code S} of its {@link GradientTransformation})
     */
    public record State<Aux>(int iterations, double error, Tensor value, Tensor gradNorm, Aux aux, Object optState)
            implements SolverState {
    }

    private final BiFunction<X, A, Autodiff.Aux<Aux>> objective;
    private final GradientTransformation<Object> optimizer;

    private OptimizerSolver(SolverOptions options, BiFunction<X, A, Autodiff.Aux<Aux>> objective,
                            GradientTransformation<Object> optimizer) {
        super(options);
        this.objective = objective;
        this.optimizer = optimizer;
    }

    /**
     * A solver for a scalar objective {@code (params, args) -> f} (a 0-d tensor).
     *
     * @throws IllegalArgumentException if objective or optimizer is null
     */
    public static <X, A> OptimizerSolver<X, A, Void> of(BiFunction<X, A, Tensor> objective,
                                                        GradientTransformation<?> optimizer) {
        if (objective == null) {
            throw new IllegalArgumentException("OptimizerSolver.of: objective is null");
        }
        return new OptimizerSolver<>(SolverOptions.defaults(),
                (p, x) -> new Autodiff.Aux<Void>(objective.apply(p, x), null), erase("of", optimizer));
    }

    /**
     * A solver for an objective with auxiliary output {@code (params, args) -> Aux(f, aux)}
     * (JAX's {@code has_aux}); the aux of each evaluation is kept in the state.
     *
     * @throws IllegalArgumentException if objective or optimizer is null
     */
    public static <X, A, Aux> OptimizerSolver<X, A, Aux> withAux(BiFunction<X, A, Autodiff.Aux<Aux>> objective,
                                                                 GradientTransformation<?> optimizer) {
        if (objective == null) {
            throw new IllegalArgumentException("OptimizerSolver.withAux: objective is null");
        }
        return new OptimizerSolver<>(SolverOptions.defaults(), objective, erase("withAux", optimizer));
    }

    // Sound: the solver only feeds the optimizer states it produced itself.
    @SuppressWarnings("unchecked")
    private static GradientTransformation<Object> erase(String op, GradientTransformation<?> optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("OptimizerSolver." + op + ": optimizer is null");
        }
        return (GradientTransformation<Object>) optimizer;
    }

    @Override
    protected OptimizerSolver<X, A, Aux> withOptions(SolverOptions options) {
        return new OptimizerSolver<>(options, objective, optimizer);
    }

    /** The optimizer. */
    public GradientTransformation<?> optimizer() {
        return optimizer;
    }

    @Override
    public int maxiter() {
        return options().maxiter();
    }

    @Override
    public ProgressListener listener() {
        return options().listener();
    }

    /**
     * The initial state: no steps done, value and gradNorm +∞, no aux, the optimizer's initial
     * state for these parameters. Does not evaluate the objective.
     *
     * @throws IllegalArgumentException if params is null
     */
    @Override
    public State<Aux> init(X params, A args) {
        if (params == null) {
            throw new IllegalArgumentException("OptimizerSolver.init: params is null");
        }
        Tensor inf = Tensor.scalar(Double.POSITIVE_INFINITY);
        return new State<>(0, Double.POSITIVE_INFINITY, inf, inf, null, optimizer.init(params));
    }

    /**
     * One step: x ← x + u, where u is the optimizer's transform of ∇ₓf(x, args).
     *
     * @throws IllegalArgumentException if params or state is null, or the objective is not scalar
     * @throws NumericalFailureException if f(x, args) or its gradient is not finite
     */
    @Override
    public OptStep<X, State<Aux>> update(X params, State<Aux> state, A args) {
        if (params == null) {
            throw new IllegalArgumentException("OptimizerSolver.update: params is null");
        }
        if (state == null) {
            throw new IllegalArgumentException("OptimizerSolver.update: state is null");
        }
        Autodiff.ValueAuxAndGrad<X, Aux> vg =
                Autodiff.valueAndGradWithAux((X p) -> objective.apply(p, args)).apply(params);
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
        GradientTransformation.Update<X, Object> u = optimizer.update(vg.gradient(), state.optState(), params);
        X next = Optimizers.applyUpdates(params, u.updates());
        return new OptStep<>(next, new State<>(state.iterations() + 1, gradNorm.item(), vg.value(), gradNorm,
                vg.aux(), u.state()));
    }

    /** The optimality condition ∇ₓf(params, args), zero at an unconstrained minimizer. */
    @Override
    public X optimality(X params, A args) {
        return Autodiff.valueAndGradWithAux((X p) -> objective.apply(p, args)).apply(params).gradient();
    }

    @Override
    protected boolean optimalityIsGradient() {
        return true;
    }
}
