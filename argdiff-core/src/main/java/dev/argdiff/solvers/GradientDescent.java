package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.IntToDoubleFunction;

/**
 * Gradient descent for min_x f(x, θ), with Nesterov acceleration (default) and a backtracking
 * line search (default) or a fixed step: {@link ProximalGradient} with no proximal term, as in
 * JAXopt. Error ‖∇f(y)‖ at the extrapolated point y, taken from the step as ‖x⁺ − y‖/s;
 * optimality condition F = ∇ₓf (symmetric, so implicit differentiation may use CG or Cholesky).
 * Cost per iteration as ProximalGradient's: one gradient with a fixed step (for ½‖Ax − b‖²: 2
 * products with A), one value and gradient and one value with the line search (3), plus one value
 * per backtracking step.
 *
 * <p>That error is a difference of numbers of the size of x, which rounds to zero once ε·|x|
 * exceeds |∇f| (ε the machine epsilon) — on an objective unbounded below the iterates grow until
 * that happens, and the run would report convergence at a point that is nowhere near stationary.
 * So whenever the error is at most {@code tol}, it is replaced by ‖∇f(x)‖ computed directly (one
 * more gradient, only at the last iteration of a converging run): rounding alone cannot satisfy
 * that test. The shared loop then reports such a run as {@link SolverStatus#DIVERGED}.
 *
 * <p>Example: ridge regression, and the derivative of its solution with respect to the
 * regularization strength (by implicit differentiation, the default):
 * <pre>{@code
 * record Args(Tensor l2reg, Tensor x, Tensor y) {}
 * Tensor x = Tensor.of(new double[][] {{1, 0}, {0, 2}, {1, 1}});
 * Tensor y = Tensor.of(1, 2, 3);
 * GradientDescent<Tensor, Args> gd = GradientDescent.<Tensor, Args>of((w, a) ->
 *         a.x().matmul(w).sub(a.y()).square().mean().mul(0.5)
 *                 .add(a.l2reg().mul(0.5).mul(w.squaredNorm())))
 *     .maxiter(500).tol(1e-10);
 * Tensor w = gd.run(Tensor.zeros(2), new Args(Tensor.scalar(0.1), x, y)).params();
 * Tensor dw = Autodiff.jacfwd((Tensor l2reg) -> gd.run(Tensor.zeros(2), new Args(l2reg, x, y)).params())
 *         .apply(Tensor.scalar(0.1));                                            // ∂w/∂l2reg at the solution
 * }</pre>
 */
public final class GradientDescent<X, A>
        extends IterativeSolver<X, A, ProximalGradient.State<X>, GradientDescent<X, A>> {

    private final ProximalGradient<X, A> inner;

    private GradientDescent(SolverOptions options, ProximalGradient<X, A> inner) {
        super(options);
        this.inner = inner;
    }

    /** A solver for min f(x, args). */
    public static <X, A> GradientDescent<X, A> of(BiFunction<X, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("GradientDescent.of: fun is null");
        }
        return ofObjective(Objective.of(fun));
    }

    /** A solver for min f(x, args) with f in any {@link Objective} form (with aux, or with its gradient). */
    public static <X, A> GradientDescent<X, A> ofObjective(Objective<X, A> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("GradientDescent.of: fun is null");
        }
        return new GradientDescent<>(SolverOptions.defaults(), ProximalGradient.ofObjective(fun, (x, a, s) -> x));
    }

    @Override
    protected GradientDescent<X, A> withOptions(SolverOptions options) {
        return new GradientDescent<>(options, inner);
    }

    /** A copy with these step-size and line-search options (shared with ProximalGradient). */
    public GradientDescent<X, A> with(ProximalGradient.Options value) {
        return new GradientDescent<>(options(), inner.with(value));
    }

    /** This solver's own options. */
    public ProximalGradient.Options own() {
        return inner.own();
    }

    /** A fixed step size (> 0), or ≤ 0 for the backtracking line search (default). */
    public GradientDescent<X, A> stepsize(double value) {
        return with(own().withStepsize(value));
    }

    /** A step size s(k) at iteration k = 0, 1, … (finite, > 0), instead of a fixed step or the line search. */
    public GradientDescent<X, A> stepsize(IntToDoubleFunction schedule) {
        return with(own().withSchedule(schedule));
    }

    /** Nesterov acceleration (default true). */
    public GradientDescent<X, A> acceleration(boolean value) {
        return with(own().withAcceleration(value));
    }

    /** The largest number of step reductions per line search (default 15). */
    public GradientDescent<X, A> maxls(int value) {
        return with(own().withMaxls(value));
    }

    /** The line search's reduction factor in (0, 1) (default 0.5). */
    public GradientDescent<X, A> stepFactor(double value) {
        return with(own().withStepFactor(value));
    }

    @Override
    public ProximalGradient.State<X> init(X initParams, A args) {
        return inner.init(initParams, args);
    }

    @Override
    public OptStep<X, ProximalGradient.State<X>> update(X params, ProximalGradient.State<X> state, A args) {
        OptStep<X, ProximalGradient.State<X>> step = inner.update(params, state, args);
        ProximalGradient.State<X> s = step.state();
        if (s.error() <= options().tol()) {
            X x = Autodiff.stopGradient(step.params());
            A a = Autodiff.stopGradient(args);
            X g = inner.objective().grad(x, a);
            double gradientNorm = Pytree.norm(g);
            s = new ProximalGradient.State<>(s.iterations(), gradientNorm, s.y(), s.t(), s.stepsize(), s.aux());
            step = new OptStep<>(step.params(), s);
        }
        return step;
    }

    @Override
    public X optimality(X params, A args) {
        return inner.objective().grad(params, args);
    }

    @Override
    protected boolean optimalityIsGradient() {
        return true;
    }
}
