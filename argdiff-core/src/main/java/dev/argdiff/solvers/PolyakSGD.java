package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Stochastic gradient descent with the stochastic Polyak step size (Loizou, Vaswani, Laradji,
 * Lacoste-Julien, "Stochastic Polyak step-size for SGD: an adaptive learning rate for fast
 * convergence", AISTATS 2021; Berrada, Zisserman, Kumar, ICML 2020), as JAXopt's
 * {@code PolyakSGD}. On the batch it is given, each update takes
 * <pre>
 *   s = min(f(x) / (‖∇f(x)‖² + δ), maxStepsize)
 *   v⁺ = momentum·v − s·∇f(x),   x⁺ = x + v⁺          (x⁺ = x − s·∇f(x) with momentum 0)
 * </pre>
 * The step assumes f ≥ 0 with optimal value 0 on every batch (interpolation; SPS_max with
 * f* = 0): a negative f is refused with an {@link IllegalStateException} rather than taking a step
 * uphill. Where ‖∇f‖² + δ = 0 the step size is {@code maxStepsize} (the step is zero anyway; JAXopt
 * divides by zero there).
 *
 * <p>Defaults, as JAXopt: max step size 1 (the most important option), δ = 0, momentum 0. Common
 * options as every argdiff solver (maxiter 500, tol 1e-6 — JAXopt: 1e-3 — and implicit
 * differentiation of {@link #run} on by default, JAXopt: off).
 *
 * <p>Error: ‖∇f‖ at the point each update started from (as JAXopt). Optimality condition ∇ₓf
 * (symmetric). {@link #runIterator} runs on mini-batches, {@link #run} on one full batch. When
 * unrolled, the step size is differentiated too (it is a smooth function of θ where the min is
 * not at its kink).
 *
 * @param <X> the parameter tree type
 * @param <A> the arguments of f: one mini-batch (and any hyperparameters)
 */
public final class PolyakSGD<X, A> extends IterativeSolver<X, A, PolyakSGD.State<X>, PolyakSGD<X, A>>
        implements StochasticSolver<X, A, PolyakSGD.State<X>> {

    /**
     * Iterations, error ‖∇f‖ at the last step's start (+∞ initially), f there (0-d, +∞
     * initially), the step size taken (0-d, 1 initially, as JAXopt) and the velocity v (zeros
     * initially; with momentum 0 it stays zero).
     */
    public record State<X>(int iterations, double error, Tensor value, Tensor stepsize, X velocity, Object aux)
            implements SolverState {
    }

    /**
     * The options of PolyakSGD (defaults as JAXopt's).
     *
     * @param maxStepsize the largest step, finite and &gt; 0 (default 1)
     * @param delta       δ added to ‖∇f‖² in the step's denominator, finite and ≥ 0 (default 0)
     * @param momentum    heavy-ball momentum in [0, 1) (default 0)
     */
    public record Options(double maxStepsize, double delta, double momentum) {

        /** @throws IllegalArgumentException naming the option and its value when one is out of range */
        public Options {
            if (!(maxStepsize > 0) || Double.isInfinite(maxStepsize)) {
                throw new IllegalArgumentException("PolyakSGD: maxStepsize must be finite and > 0, got " + maxStepsize);
            }
            if (!(delta >= 0) || Double.isInfinite(delta)) {
                throw new IllegalArgumentException("PolyakSGD: delta must be finite and >= 0, got " + delta);
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("PolyakSGD: momentum must be in [0, 1), got " + momentum);
            }
        }

        public static Options defaults() {
            return new Options(1.0, 0.0, 0.0);
        }

        public Options withMaxStepsize(double value) {
            return new Options(value, delta, momentum);
        }

        public Options withDelta(double value) {
            return new Options(maxStepsize, value, momentum);
        }

        public Options withMomentum(double value) {
            return new Options(maxStepsize, delta, value);
        }
    }

    private final Objective<X, A> fun;
    private final Options own;

    private PolyakSGD(SolverOptions options, Options own, Objective<X, A> fun) {
        super(options);
        this.fun = fun;
        this.own = own;
    }

    /**
     * A solver for min f(x, batch), f ≥ 0.
     *
     * @throws IllegalArgumentException if fun is null
     */
    public static <X, A> PolyakSGD<X, A> of(BiFunction<X, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("PolyakSGD.of: fun is null");
        }
        return ofObjective(Objective.of(fun));
    }

    /**
     * A solver for min f(x, batch), f ≥ 0, with f in any {@link Objective} form (with aux: the state
     * carries the aux at the point the last update started from; or with its gradient).
     *
     * @throws IllegalArgumentException if fun is null
     */
    public static <X, A> PolyakSGD<X, A> ofObjective(Objective<X, A> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("PolyakSGD.of: fun is null");
        }
        return new PolyakSGD<>(SolverOptions.defaults(), Options.defaults(), fun);
    }

    @Override
    protected PolyakSGD<X, A> withOptions(SolverOptions options) {
        return new PolyakSGD<>(options, own, fun);
    }

    /** A copy with these options. @throws IllegalArgumentException if value is null */
    public PolyakSGD<X, A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("PolyakSGD.with: options is null");
        }
        return new PolyakSGD<>(options(), value, fun);
    }

    /** This solver's own options. */
    public Options own() {
        return own;
    }

    /** @throws IllegalArgumentException unless value &gt; 0 and finite */
    public PolyakSGD<X, A> maxStepsize(double value) {
        return with(own.withMaxStepsize(value));
    }

    /** δ added to ‖∇f‖² in the step's denominator. @throws IllegalArgumentException unless δ ≥ 0 and finite */
    public PolyakSGD<X, A> delta(double value) {
        return with(own.withDelta(value));
    }

    /** Heavy-ball momentum, 0 (default) for none. @throws IllegalArgumentException unless 0 ≤ value &lt; 1 */
    public PolyakSGD<X, A> momentum(double value) {
        return with(own.withMomentum(value));
    }

    @Override
    public int maxiter() {
        return options().maxiter();
    }

    @Override
    public ProgressListener listener() {
        return options().listener();
    }

    @Override
    public State<X> init(X initParams, A args) {
        if (initParams == null) {
            throw new IllegalArgumentException("PolyakSGD.init: initParams is null");
        }
        return new State<>(0, Double.POSITIVE_INFINITY, Tensor.scalar(Double.POSITIVE_INFINITY), Tensor.scalar(1.0),
                Pytree.zerosLike(Autodiff.stopGradient(initParams)), null);
    }

    @Override
    public OptStep<X, State<X>> update(X params, State<X> state, A args) {
        if (params == null || state == null) {
            throw new IllegalArgumentException("PolyakSGD.update: " + (params == null ? "params" : "state") + " is null");
        }
        Autodiff.ValueAuxAndGrad<X, Object> vg = fun.valueAuxAndGrad(params, args);
        double maxStepsize = own.maxStepsize();
        double momentum = own.momentum();
        Tensor value = vg.value();
        X grad = vg.gradient();
        Tensor gradSq = Pytree.l2Norm(grad, true);
        double f = value.item();
        if (!Double.isFinite(f) || !Double.isFinite(gradSq.item())) {
            throw new ArithmeticException("PolyakSGD.update: the objective is " + f + " and the squared gradient norm "
                    + gradSq.item() + " at iteration " + state.iterations() + " (a smaller maxStepsize may help)");
        }
        if (f < 0) {
            throw new IllegalStateException("PolyakSGD.update: the objective is " + f + " < 0 at iteration "
                    + state.iterations() + "; the Polyak step assumes f >= 0 with minimum 0 (shift f by a lower bound)");
        }
        Tensor denominator = gradSq.add(own.delta());
        Tensor s = denominator.item() == 0 ? Tensor.scalar(maxStepsize) : value.div(denominator).minimum(maxStepsize);
        X next;
        X velocity = state.velocity();
        if (momentum == 0) {
            next = Pytree.addScalarMul(params, s.neg(), grad);
        } else {
            velocity = Pytree.addScalarMul(Pytree.scalarMul(momentum, state.velocity()), s.neg(), grad);
            next = Pytree.add(params, velocity);
        }
        return new OptStep<>(next, new State<>(state.iterations() + 1, Math.sqrt(gradSq.item()), value, s, velocity,
                vg.aux()));
    }

    @Override
    public X optimality(X params, A args) {
        return fun.grad(params, args);
    }

    @Override
    protected boolean optimalityIsGradient() {
        return true;
    }
}
