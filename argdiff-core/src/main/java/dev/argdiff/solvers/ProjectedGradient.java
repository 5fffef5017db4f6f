package dev.argdiff.solvers;

import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.IntToDoubleFunction;

/**
 * Projected gradient for min_x f(x, θ) subject to x ∈ C(θ): {@link ProximalGradient} whose
 * proximal operator is the projection onto C (the prox of C's indicator, for any step), as in
 * JAXopt. Optimality condition F(x, θ) = P_C(x − ∇f(x, θ)) − x. Cost per iteration as
 * ProximalGradient's: for f(x) = ½‖Ax − b‖², 2 products with A with a fixed step, 3 with the line
 * search plus one per backtracking step; one projection per trial step.
 */
public final class ProjectedGradient<X, A>
        extends IterativeSolver<X, A, ProximalGradient.State<X>, ProjectedGradient<X, A>> {

    private final ProximalGradient<X, A> inner;

    private ProjectedGradient(SolverOptions options, ProximalGradient<X, A> inner) {
        super(options);
        this.inner = inner;
    }

    /**
     * @param fun        the objective f(x, args)
     * @param projection the projection onto C, taking its hyperparameters from args
     */
    public static <X, A> ProjectedGradient<X, A> of(BiFunction<X, A, Tensor> fun, BiFunction<X, A, X> projection) {
        if (fun == null || projection == null) {
            throw new IllegalArgumentException("ProjectedGradient.of: fun and projection must not be null");
        }
        return ofObjective(Objective.of(fun), projection);
    }

    /** As {@link #of(BiFunction, BiFunction)} with f in any {@link Objective} form (with aux, or with its gradient). */
    public static <X, A> ProjectedGradient<X, A> ofObjective(Objective<X, A> fun, BiFunction<X, A, X> projection) {
        if (fun == null || projection == null) {
            throw new IllegalArgumentException("ProjectedGradient.of: fun and projection must not be null");
        }
        return new ProjectedGradient<>(SolverOptions.defaults(),
                ProximalGradient.ofObjective(fun, (x, a, s) -> projection.apply(x, a)));
    }

    @Override
    protected ProjectedGradient<X, A> withOptions(SolverOptions options) {
        return new ProjectedGradient<>(options, inner);
    }

    /** A copy with these step-size and line-search options (shared with ProximalGradient). */
    public ProjectedGradient<X, A> with(ProximalGradient.Options value) {
        return new ProjectedGradient<>(options(), inner.with(value));
    }

    /** This solver's own options. */
    public ProximalGradient.Options own() {
        return inner.own();
    }

    /** A fixed step size (> 0), or ≤ 0 for the backtracking line search (default). */
    public ProjectedGradient<X, A> stepsize(double value) {
        return with(own().withStepsize(value));
    }

    /** A step size s(k) at iteration k = 0, 1, … (finite, > 0), instead of a fixed step or the line search. */
    public ProjectedGradient<X, A> stepsize(IntToDoubleFunction schedule) {
        return with(own().withSchedule(schedule));
    }

    /** FISTA acceleration (default true). */
    public ProjectedGradient<X, A> acceleration(boolean value) {
        return with(own().withAcceleration(value));
    }

    /**
     * Adaptive restart of the momentum (default false), as in {@link ProximalGradient#restart}:
     * O'Donoghue and Candès' gradient test.
     */
    public ProjectedGradient<X, A> restart(boolean value) {
        return with(own().withRestart(value));
    }

    /** The largest number of step reductions per line search (default 15). */
    public ProjectedGradient<X, A> maxls(int value) {
        return with(own().withMaxls(value));
    }

    /** The line search's reduction factor in (0, 1) (default 0.5). */
    public ProjectedGradient<X, A> stepFactor(double value) {
        return with(own().withStepFactor(value));
    }

    @Override
    public ProximalGradient.State<X> init(X initParams, A args) {
        return inner.init(initParams, args);
    }

    @Override
    public OptStep<X, ProximalGradient.State<X>> update(X params, ProximalGradient.State<X> state, A args) {
        return inner.update(params, state, args);
    }

    @Override
    public X optimality(X params, A args) {
        return inner.optimality(params, args);
    }
}
