package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Stochastic gradient descent with a stochastic Armijo line search (Vaswani, Mishkin, Laradji,
 * Schmidt, Gidel, Lacoste-Julien, "Painless stochastic gradient: interpolation, line-search, and
 * convergence rates", NeurIPS 2019), as JAXopt's {@code ArmijoSGD}.
 *
 * <p>Each update, on the batch it is given, starts from the previous step size s (reset as below),
 * and shrinks it by {@code decreaseFactor} until the Armijo condition on that batch holds,
 * <pre>
 *   f(x − s∇f(x)) ≤ f(x) − (1 − aggressiveness)·s·‖∇f(x)‖² + ε        (ε: machine epsilon)
 * </pre>
 * or {@code maxls} trials are spent; then x⁺ = x − s∇f(x) + momentum·(x − x⁻) (heavy ball, the
 * last term absent with momentum 0). Step sizes never exceed {@code maxStepsize}. Resets:
 * {@link Reset#INCREASE} tries s·increaseFactor first (default); {@link Reset#CONSERVATIVE}
 * re-uses s (a non-increasing sequence); {@link Reset#GOLDSTEIN} re-uses s and also increases it
 * while the curvature condition f(x⁺) ≥ f(x) − aggressiveness·s·‖∇f‖² fails.
 *
 * <p>Defaults, as JAXopt: aggressiveness 0.9 (in (0, 1)), decrease factor 0.8, increase factor
 * 1.5, reset "increase", momentum 0, max step size 1 (also the initial step size), maxls 15.
 * Common options as every argdiff solver (maxiter 500, tol 1e-6 — JAXopt: 1e-3 — and implicit
 * differentiation of {@link #run} on by default, JAXopt: off).
 *
 * <p>Error: ‖∇f‖ at the point each update started from (the gradient the step used; as JAXopt,
 * so no extra gradient is evaluated). Optimality condition ∇ₓf (symmetric). Use
 * {@link #runIterator} for mini-batches; {@link #run} is the full-batch solver. When unrolled, the
 * chosen step size is a constant (it is piecewise constant in θ) and the trial points of the line
 * search are evaluated on concrete values, off the tape.
 *
 * <pre>{@code
 * ArmijoSGD<Tensor, Batch> sgd = ArmijoSGD.<Tensor, Batch>of((w, b) -> b.x().matmul(w).sub(b.y()).square().mean())
 *         .maxiter(200);
 * Tensor w = sgd.runIterator(Tensor.zeros(d), MiniBatches.of(n, 32, 0L, idx -> batchOf(idx))).params();
 * }</pre>
 *
 * @param <X> the parameter tree type
 * @param <A> the arguments of f: one mini-batch (and any hyperparameters)
 */
public final class ArmijoSGD<X, A> extends IterativeSolver<X, A, ArmijoSGD.State<X>, ArmijoSGD<X, A>>
        implements StochasticSolver<X, A, ArmijoSGD.State<X>> {

    /** How the step size of the previous update is reset before the line search. */
    public enum Reset {
        INCREASE, CONSERVATIVE, GOLDSTEIN
    }

    /**
     * Iterations, error ‖∇f‖ at the last step's start (+∞ initially), f at the new point on the
     * last batch (+∞ initially), the accepted step size ({@code maxStepsize} initially) and the
     * velocity x − x⁻ of the last step (zeros initially).
     */
    public record State<X>(int iterations, double error, double value, double stepsize, X velocity, Object aux)
            implements SolverState {
    }

    /**
     * The options of ArmijoSGD (defaults as JAXopt's).
     *
     * @param aggressiveness the Armijo constant is 1 − aggressiveness, in (0, 1) (default 0.9)
     * @param decreaseFactor the step's reduction factor in (0, 1) (default 0.8)
     * @param increaseFactor the step's growth factor, finite and ≥ 1 (default 1.5)
     * @param reset          how the previous step is reset before the search (default INCREASE)
     * @param momentum       heavy-ball momentum in [0, 1) (default 0)
     * @param maxStepsize    the largest step, finite and &gt; 0 (default 1)
     * @param maxls          the largest number of line-search steps, ≥ 1 (default 15)
     */
    public record Options(double aggressiveness, double decreaseFactor, double increaseFactor, Reset reset,
                          double momentum, double maxStepsize, int maxls) {

        /** @throws IllegalArgumentException naming the option and its value when one is out of range */
        public Options {
            if (!(aggressiveness > 0 && aggressiveness < 1)) {
                throw new IllegalArgumentException("ArmijoSGD: aggressiveness must be in (0, 1), got " + aggressiveness);
            }
            if (!(decreaseFactor > 0 && decreaseFactor < 1)) {
                throw new IllegalArgumentException("ArmijoSGD: decreaseFactor must be in (0, 1), got " + decreaseFactor);
            }
            if (!(increaseFactor >= 1) || Double.isInfinite(increaseFactor)) {
                throw new IllegalArgumentException("ArmijoSGD: increaseFactor must be finite and >= 1, got "
                        + increaseFactor);
            }
            if (reset == null) {
                throw new IllegalArgumentException("ArmijoSGD: reset is null");
            }
            if (!(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("ArmijoSGD: momentum must be in [0, 1), got " + momentum);
            }
            if (!(maxStepsize > 0) || Double.isInfinite(maxStepsize)) {
                throw new IllegalArgumentException("ArmijoSGD: maxStepsize must be finite and > 0, got " + maxStepsize);
            }
            if (maxls < 1) {
                throw new IllegalArgumentException("ArmijoSGD: maxls must be >= 1, got " + maxls);
            }
        }

        public static Options defaults() {
            return new Options(0.9, 0.8, 1.5, Reset.INCREASE, 0.0, 1.0, 15);
        }

        public Options withAggressiveness(double value) {
            return new Options(value, decreaseFactor, increaseFactor, reset, momentum, maxStepsize, maxls);
        }

        public Options withDecreaseFactor(double value) {
            return new Options(aggressiveness, value, increaseFactor, reset, momentum, maxStepsize, maxls);
        }

        public Options withIncreaseFactor(double value) {
            return new Options(aggressiveness, decreaseFactor, value, reset, momentum, maxStepsize, maxls);
        }

        public Options withReset(Reset value) {
            return new Options(aggressiveness, decreaseFactor, increaseFactor, value, momentum, maxStepsize, maxls);
        }

        public Options withMomentum(double value) {
            return new Options(aggressiveness, decreaseFactor, increaseFactor, reset, value, maxStepsize, maxls);
        }

        public Options withMaxStepsize(double value) {
            return new Options(aggressiveness, decreaseFactor, increaseFactor, reset, momentum, value, maxls);
        }

        public Options withMaxls(int value) {
            return new Options(aggressiveness, decreaseFactor, increaseFactor, reset, momentum, maxStepsize, value);
        }
    }

    private final Objective<X, A> fun;
    private final Options own;

    private ArmijoSGD(SolverOptions options, Options own, Objective<X, A> fun) {
        super(options);
        this.fun = fun;
        this.own = own;
    }

    /**
     * A solver for min f(x, batch).
     *
     * @throws IllegalArgumentException if fun is null
     */
    public static <X, A> ArmijoSGD<X, A> of(BiFunction<X, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("ArmijoSGD.of: fun is null");
        }
        return ofObjective(Objective.of(fun));
    }

    /**
     * A solver for min f(x, batch) with f in any {@link Objective} form (with aux: the state carries
     * the aux at the point the last update started from; or with its gradient).
     *
     * @throws IllegalArgumentException if fun is null
     */
    public static <X, A> ArmijoSGD<X, A> ofObjective(Objective<X, A> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("ArmijoSGD.of: fun is null");
        }
        return new ArmijoSGD<>(SolverOptions.defaults(), Options.defaults(), fun);
    }

    @Override
    protected ArmijoSGD<X, A> withOptions(SolverOptions options) {
        return new ArmijoSGD<>(options, own, fun);
    }

    /** A copy with these options. @throws IllegalArgumentException if value is null */
    public ArmijoSGD<X, A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("ArmijoSGD.with: options is null");
        }
        return new ArmijoSGD<>(options(), value, fun);
    }

    /** This solver's own options. */
    public Options own() {
        return own;
    }

    /** @throws IllegalArgumentException unless 0 &lt; value &lt; 1 */
    public ArmijoSGD<X, A> aggressiveness(double value) {
        return with(own.withAggressiveness(value));
    }

    /** @throws IllegalArgumentException unless 0 &lt; value &lt; 1 */
    public ArmijoSGD<X, A> decreaseFactor(double value) {
        return with(own.withDecreaseFactor(value));
    }

    /** @throws IllegalArgumentException unless value ≥ 1 and finite */
    public ArmijoSGD<X, A> increaseFactor(double value) {
        return with(own.withIncreaseFactor(value));
    }

    /** @throws IllegalArgumentException if value is null */
    public ArmijoSGD<X, A> reset(Reset value) {
        return with(own.withReset(value));
    }

    /** Heavy-ball momentum, 0 (default) for none. @throws IllegalArgumentException unless 0 ≤ value &lt; 1 */
    public ArmijoSGD<X, A> momentum(double value) {
        return with(own.withMomentum(value));
    }

    /** @throws IllegalArgumentException unless value &gt; 0 and finite */
    public ArmijoSGD<X, A> maxStepsize(double value) {
        return with(own.withMaxStepsize(value));
    }

    /** @throws IllegalArgumentException unless value ≥ 1 */
    public ArmijoSGD<X, A> maxls(int value) {
        return with(own.withMaxls(value));
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
            throw new IllegalArgumentException("ArmijoSGD.init: initParams is null");
        }
        return new State<>(0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, own.maxStepsize(),
                Pytree.zerosLike(Autodiff.stopGradient(initParams)), null);
    }

    @Override
    public OptStep<X, State<X>> update(X params, State<X> state, A args) {
        if (params == null || state == null) {
            throw new IllegalArgumentException("ArmijoSGD.update: " + (params == null ? "params" : "state") + " is null");
        }
        double increaseFactor = own.increaseFactor();
        double maxStepsize = own.maxStepsize();
        Reset reset = own.reset();
        double s = reset == Reset.INCREASE ? Math.min(state.stepsize() * increaseFactor, maxStepsize) : state.stepsize();
        Autodiff.ValueAuxAndGrad<X, Object> vg = fun.valueAuxAndGrad(params, args);
        double fCur = vg.value().item();
        X grad = vg.gradient();
        double gradSq = Pytree.l2Norm(grad, true).item();
        if (!Double.isFinite(fCur) || !Double.isFinite(gradSq)) {
            throw new ArithmeticException("ArmijoSGD.update: the objective is " + fCur + " and the squared gradient norm "
                    + gradSq + " at iteration " + state.iterations() + " (a smaller maxStepsize may help)");
        }
        // The line search only decides s: its trial points are evaluated off the tape.
        X p0 = Autodiff.stopGradient(params);
        X g0 = Autodiff.stopGradient(grad);
        A a0 = Autodiff.stopGradient(args);
        double coef = 1 - own.aggressiveness();
        double fNext = trial(p0, g0, a0, s);
        for (int ls = 0; ls < own.maxls(); ls++) {
            boolean violated = s * coef * gradSq > fCur - fNext + Math.ulp(1.0) || !Double.isFinite(fNext);
            if (violated) {
                s = Math.min(s * own.decreaseFactor(), maxStepsize);
                fNext = trial(p0, g0, a0, s);
            }
            if (reset == Reset.GOLDSTEIN) {
                boolean tooShort = fNext < fCur - s * (1 - coef) * gradSq;
                if (tooShort) {
                    s = Math.min(s * increaseFactor, maxStepsize);
                    fNext = trial(p0, g0, a0, s);
                }
                violated = violated || tooShort;
            }
            if (!violated) {
                break;
            }
        }
        X next = Pytree.addScalarMul(params, -s, grad);
        X velocity = state.velocity();
        if (own.momentum() != 0) {
            next = Pytree.addScalarMul(next, own.momentum(), state.velocity());
            velocity = Pytree.sub(next, params);
        }
        return new OptStep<>(next, new State<>(state.iterations() + 1, Math.sqrt(gradSq), fNext, s, velocity,
                vg.aux()));
    }

    private double trial(X params, X grad, A args, double s) {
        return fun.value(Pytree.addScalarMul(params, -s, grad), args).item();
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
