package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Gradient descent for min_x f(x, θ), with Nesterov acceleration (default) and a backtracking
 * line search (default) or a fixed step: {@link ProximalGradient} with no proximal term, as in
 * JAXopt. Error ‖∇f(x)‖; optimality condition F = ∇ₓf (symmetric, so implicit differentiation
 * may use CG or Cholesky).
 *
 * <p>The error of each iteration comes from the proximal-gradient step, ‖(x − ∇f(x)) − x‖: a
 * difference of numbers of the size of x, which rounds to zero once ε·|x| exceeds |∇f(x)| (ε the
 * machine epsilon) — on an objective unbounded below the iterates grow until that happens, and
 * the run would report convergence at a point that is nowhere near stationary. So whenever that
 * error is at most {@code tol}, it is replaced by ‖∇f(x)‖ computed directly (one more gradient,
 * only at the last iteration of a converging run): rounding alone cannot satisfy that test. The
 * shared loop then reports such a run as {@link SolverStatus#DIVERGED}.
 */
public final class GradientDescent<X, A>
        extends IterativeSolver<X, A, ProximalGradient.State<X>, GradientDescent<X, A>> {

    private final BiFunction<X, A, Tensor> fun;
    private final ProximalGradient<X, A> inner;

    private GradientDescent(SolverOptions options, BiFunction<X, A, Tensor> fun, ProximalGradient<X, A> inner) {
        super(options);
        this.fun = fun;
        this.inner = inner;
    }

    /** A solver for min f(x, args). */
    public static <X, A> GradientDescent<X, A> of(BiFunction<X, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("GradientDescent.of: fun is null");
        }
        return new GradientDescent<>(SolverOptions.defaults(), fun, ProximalGradient.of(fun, (x, a, s) -> x));
    }

    @Override
    protected GradientDescent<X, A> withOptions(SolverOptions options) {
        return new GradientDescent<>(options, fun, inner);
    }

    /** A fixed step size (> 0), or ≤ 0 for the backtracking line search (default). */
    public GradientDescent<X, A> stepsize(double value) {
        return new GradientDescent<>(options(), fun, inner.stepsize(value));
    }

    /** Nesterov acceleration (default true). */
    public GradientDescent<X, A> acceleration(boolean value) {
        return new GradientDescent<>(options(), fun, inner.acceleration(value));
    }

    public GradientDescent<X, A> maxls(int value) {
        return new GradientDescent<>(options(), fun, inner.maxls(value));
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
            X g = Autodiff.grad((X z) -> fun.apply(z, a)).apply(x);
            double gradientNorm = Pytree.norm(g);
            s = new ProximalGradient.State<>(s.iterations(), gradientNorm, s.y(), s.t(), s.stepsize());
            step = new OptStep<>(step.params(), s);
        }
        return step;
    }

    @Override
    public X optimality(X params, A args) {
        return Autodiff.grad((X z) -> fun.apply(z, args)).apply(params);
    }

    @Override
    protected boolean optimalityIsGradient() {
        return true;
    }
}
