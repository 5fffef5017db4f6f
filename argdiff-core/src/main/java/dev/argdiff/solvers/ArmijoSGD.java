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
    public record State<X>(int iterations, double error, double value, double stepsize, X velocity)
            implements SolverState {
    }

    private final BiFunction<X, A, Tensor> fun;
    private final double aggressiveness;
    private final double decreaseFactor;
    private final double increaseFactor;
    private final Reset reset;
    private final double momentum;
    private final double maxStepsize;
    private final int maxls;

    private ArmijoSGD(SolverOptions options, BiFunction<X, A, Tensor> fun, double aggressiveness,
                      double decreaseFactor, double increaseFactor, Reset reset, double momentum, double maxStepsize,
                      int maxls) {
        super(options);
        this.fun = fun;
        this.aggressiveness = aggressiveness;
        this.decreaseFactor = decreaseFactor;
        this.increaseFactor = increaseFactor;
        this.reset = reset;
        this.momentum = momentum;
        this.maxStepsize = maxStepsize;
        this.maxls = maxls;
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
        return new ArmijoSGD<>(SolverOptions.defaults(), fun, 0.9, 0.8, 1.5, Reset.INCREASE, 0.0, 1.0, 15);
    }

    @Override
    protected ArmijoSGD<X, A> withOptions(SolverOptions options) {
        return new ArmijoSGD<>(options, fun, aggressiveness, decreaseFactor, increaseFactor, reset, momentum,
                maxStepsize, maxls);
    }

    /** @throws IllegalArgumentException unless 0 &lt; value &lt; 1 */
    public ArmijoSGD<X, A> aggressiveness(double value) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException("ArmijoSGD: aggressiveness must be in (0, 1), got " + value);
        }
        return new ArmijoSGD<>(options(), fun, value, decreaseFactor, increaseFactor, reset, momentum, maxStepsize,
                maxls);
    }

    /** @throws IllegalArgumentException unless 0 &lt; value &lt; 1 */
    public ArmijoSGD<X, A> decreaseFactor(double value) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException("ArmijoSGD: decreaseFactor must be in (0, 1), got " + value);
        }
        return new ArmijoSGD<>(options(), fun, aggressiveness, value, increaseFactor, reset, momentum, maxStepsize,
                maxls);
    }

    /** @throws IllegalArgumentException unless value ≥ 1 and finite */
    public ArmijoSGD<X, A> increaseFactor(double value) {
        if (!(value >= 1) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("ArmijoSGD: increaseFactor must be finite and >= 1, got " + value);
        }
        return new ArmijoSGD<>(options(), fun, aggressiveness, decreaseFactor, value, reset, momentum, maxStepsize,
                maxls);
    }

    /** @throws IllegalArgumentException if value is null */
    public ArmijoSGD<X, A> reset(Reset value) {
        if (value == null) {
            throw new IllegalArgumentException("ArmijoSGD: reset is null");
        }
        return new ArmijoSGD<>(options(), fun, aggressiveness, decreaseFactor, increaseFactor, value, momentum,
                maxStepsize, maxls);
    }

    /** Heavy-ball momentum, 0 (default) for none. @throws IllegalArgumentException unless 0 ≤ value &lt; 1 */
    public ArmijoSGD<X, A> momentum(double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("ArmijoSGD: momentum must be in [0, 1), got " + value);
        }
        return new ArmijoSGD<>(options(), fun, aggressiveness, decreaseFactor, increaseFactor, reset, value,
                maxStepsize, maxls);
    }

    /** @throws IllegalArgumentException unless value &gt; 0 and finite */
    public ArmijoSGD<X, A> maxStepsize(double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("ArmijoSGD: maxStepsize must be finite and > 0, got " + value);
        }
        return new ArmijoSGD<>(options(), fun, aggressiveness, decreaseFactor, increaseFactor, reset, momentum, value,
                maxls);
    }

    /** @throws IllegalArgumentException unless value ≥ 1 */
    public ArmijoSGD<X, A> maxls(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("ArmijoSGD: maxls must be >= 1, got " + value);
        }
        return new ArmijoSGD<>(options(), fun, aggressiveness, decreaseFactor, increaseFactor, reset, momentum,
                maxStepsize, value);
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
        return new State<>(0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, maxStepsize,
                Pytree.zerosLike(Autodiff.stopGradient(initParams)));
    }

    @Override
    public OptStep<X, State<X>> update(X params, State<X> state, A args) {
        if (params == null || state == null) {
            throw new IllegalArgumentException("ArmijoSGD.update: " + (params == null ? "params" : "state") + " is null");
        }
        double s = reset == Reset.INCREASE ? Math.min(state.stepsize() * increaseFactor, maxStepsize) : state.stepsize();
        Autodiff.ValueAndGrad<X> vg = Autodiff.valueAndGrad((X p) -> fun.apply(p, args)).apply(params);
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
        double coef = 1 - aggressiveness;
        double fNext = trial(p0, g0, a0, s);
        for (int ls = 0; ls < maxls; ls++) {
            boolean violated = s * coef * gradSq > fCur - fNext + Math.ulp(1.0) || !Double.isFinite(fNext);
            if (violated) {
                s = Math.min(s * decreaseFactor, maxStepsize);
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
        if (momentum != 0) {
            next = Pytree.addScalarMul(next, momentum, state.velocity());
            velocity = Pytree.sub(next, params);
        }
        return new OptStep<>(next, new State<>(state.iterations() + 1, Math.sqrt(gradSq), fNext, s, velocity));
    }

    private double trial(X params, X grad, A args, double s) {
        return fun.apply(Pytree.addScalarMul(params, -s, grad), args).item();
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
