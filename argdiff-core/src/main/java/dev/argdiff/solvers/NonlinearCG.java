package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Nonlinear conjugate gradient for min_x f(x, θ): x⁺ = x + t·d with t from the line search, then
 * d⁺ = −g⁺ + β·d with g = ∇f(x), g⁺ = ∇f(x⁺), y = g⁺ − g and β by the chosen {@link Method}:
 * <pre>
 *   FLETCHER_REEVES:   β = ‖g⁺‖² / ‖g‖²
 *   POLAK_RIBIERE:     β = max(0, ⟨g⁺, y⟩ / ‖g‖²)         (PR+, Gilbert and Nocedal)
 *   HESTENES_STIEFEL:  β = max(0, ⟨g⁺, y⟩ / ⟨d, y⟩)
 *   DAI_YUAN:          β = ‖g⁺‖² / ⟨d, y⟩
 * </pre>
 * Restarts (d⁺ = −g⁺): when d⁺ is not a descent direction (⟨g⁺, d⁺⟩ ≥ 0, or a denominator is 0),
 * after a failed line search, and every {@code restartEvery} iterations if that is &gt; 0.
 * β is computed from concrete values (a discrete choice of the method, like the step t), so an
 * unrolled run differentiates through the points and gradients but not through β or t.
 *
 * <p>When the line search fails the iterate stays and d restarts from −g, or, with
 * {@code stopIfLinesearchFails}, the run stops with {@link SolverStatus#LINE_SEARCH_FAILED}. A
 * gradient or value that is not finite ends the run with {@link SolverStatus#NON_FINITE}.
 *
 * <p>Error: ‖∇f(x)‖. Optimality condition: F = ∇ₓf (symmetric).
 *
 * <p>Options ({@link Options}; defaults as JAXopt's NonlinearCG): method POLAK_RIBIERE, zoom line
 * search (strong Wolfe, c1 = 1e-4, c2 = 0.9), first step the previous one times 1.2 up to the
 * maximal step 1, the maximal step again after a step ≤ 1e-6, restartEvery 0 (JAXopt has no
 * periodic restart), stopIfLinesearchFails false.
 *
 * <p>References: J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006,
 * §5.2; W. W. Hager, H. Zhang, "A survey of nonlinear conjugate gradient methods", Pacific J.
 * Optim. 2 (2006); Y. H. Dai, Y. Yuan, SIAM J. Optim. 10 (1999); J. C. Gilbert, J. Nocedal,
 * SIAM J. Optim. 2 (1992).
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of f
 */
public final class NonlinearCG<X, A> extends IterativeSolver<X, A, NonlinearCG.State<X>, NonlinearCG<X, A>> {

    /** The formula of β. */
    public enum Method { FLETCHER_REEVES, POLAK_RIBIERE, HESTENES_STIEFEL, DAI_YUAN }

    /**
     * Iterations, error ‖∇f(x)‖, f(x), ∇f(x), the next search direction, the last step, the number of
     * failed line searches, iterations since the last restart, and whether to stop for a failed search.
     */
    public record State<X>(int iterations, double error, double value, X grad, X direction, double stepsize,
                           int failedLineSearches, int sinceRestart, boolean lineSearchFailedStop)
            implements SolverState {
    }

    /**
     * NonlinearCG's own options.
     *
     * @param method                the β formula (default POLAK_RIBIERE)
     * @param lineSearch            the line search (default {@link ZoomLineSearch#defaults()})
     * @param minStepsize           below this step the next search starts from the maximal step (≥ 0; default 1e-6)
     * @param increaseFactor        the first step of a search is the previous one times this (≥ 1; default 1.2)
     * @param restartEvery          restart from −∇f every this many iterations (≥ 0; 0 never, the default)
     * @param stopIfLinesearchFails stop the run when a line search fails (default false)
     */
    public record Options(Method method, LineSearch lineSearch, double minStepsize, double increaseFactor,
                          int restartEvery, boolean stopIfLinesearchFails) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            if (method == null) {
                throw new IllegalArgumentException("NonlinearCG.method: must not be null");
            }
            if (lineSearch == null) {
                throw new IllegalArgumentException("NonlinearCG.lineSearch: must not be null");
            }
            if (!(minStepsize >= 0) || Double.isInfinite(minStepsize)) {
                throw new IllegalArgumentException("NonlinearCG.minStepsize: must be finite and >= 0, got "
                        + minStepsize);
            }
            if (!(increaseFactor >= 1) || Double.isInfinite(increaseFactor)) {
                throw new IllegalArgumentException("NonlinearCG.increaseFactor: must be finite and >= 1, got "
                        + increaseFactor);
            }
            if (restartEvery < 0) {
                throw new IllegalArgumentException("NonlinearCG.restartEvery: must be >= 0, got " + restartEvery);
            }
        }

        public static Options defaults() {
            return new Options(Method.POLAK_RIBIERE, ZoomLineSearch.defaults(), 1e-6, 1.2, 0, false);
        }

        public Options withMethod(Method value) {
            return new Options(value, lineSearch, minStepsize, increaseFactor, restartEvery, stopIfLinesearchFails);
        }

        public Options withLineSearch(LineSearch value) {
            return new Options(method, value, minStepsize, increaseFactor, restartEvery, stopIfLinesearchFails);
        }

        public Options withMinStepsize(double value) {
            return new Options(method, lineSearch, value, increaseFactor, restartEvery, stopIfLinesearchFails);
        }

        public Options withIncreaseFactor(double value) {
            return new Options(method, lineSearch, minStepsize, value, restartEvery, stopIfLinesearchFails);
        }

        public Options withRestartEvery(int value) {
            return new Options(method, lineSearch, minStepsize, increaseFactor, value, stopIfLinesearchFails);
        }

        public Options withStopIfLinesearchFails(boolean value) {
            return new Options(method, lineSearch, minStepsize, increaseFactor, restartEvery, value);
        }
    }

    private final Options options;
    private final BiFunction<X, A, Tensor> fun;

    private NonlinearCG(SolverOptions common, Options options, BiFunction<X, A, Tensor> fun) {
        super(common);
        if (options == null) {
            throw new IllegalArgumentException("NonlinearCG: options is null");
        }
        this.options = options;
        this.fun = fun;
    }

    /**
     * A solver for min f(x, args).
     *
     * @param fun the objective f(x, args), a scalar (0-d tensor), smooth in x
     * @throws IllegalArgumentException if {@code fun} is null
     */
    public static <X, A> NonlinearCG<X, A> of(BiFunction<X, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("NonlinearCG.of: fun is null");
        }
        return new NonlinearCG<>(SolverOptions.defaults(), Options.defaults(), fun);
    }

    @Override
    protected NonlinearCG<X, A> withOptions(SolverOptions common) {
        return new NonlinearCG<>(common, options, fun);
    }

    public Options solverOptions() {
        return options;
    }

    public NonlinearCG<X, A> with(Options value) {
        return new NonlinearCG<>(options(), value, fun);
    }

    public NonlinearCG<X, A> withMethod(Method value) {
        return with(options.withMethod(value));
    }

    public NonlinearCG<X, A> withLineSearch(LineSearch value) {
        return with(options.withLineSearch(value));
    }

    public NonlinearCG<X, A> withMinStepsize(double value) {
        return with(options.withMinStepsize(value));
    }

    public NonlinearCG<X, A> withIncreaseFactor(double value) {
        return with(options.withIncreaseFactor(value));
    }

    public NonlinearCG<X, A> withRestartEvery(int value) {
        return with(options.withRestartEvery(value));
    }

    public NonlinearCG<X, A> withStopIfLinesearchFails(boolean value) {
        return with(options.withStopIfLinesearchFails(value));
    }

    @Override
    public State<X> init(X initParams, A args) {
        Autodiff.ValueAndGrad<X> vg = DescentSteps.valueAndGrad(fun, initParams, args);
        return new State<>(0, Double.POSITIVE_INFINITY, vg.value().item(), vg.gradient(),
                Pytree.map(vg.gradient(), Tensor::neg), options.lineSearch().maxStepsize(), 0, 0, false);
    }

    @Override
    public OptStep<X, State<X>> update(X x, State<X> state, A args) {
        X grad = state.grad();
        X d = state.direction();
        if (!Double.isFinite(DescentSteps.norm(grad)) || !Double.isFinite(state.value())) {
            // NaN data or overflow: no direction and no search; the loop ends the run as NON_FINITE.
            return new OptStep<>(x, new State<>(state.iterations() + 1, Double.NaN, state.value(), grad, d,
                    state.stepsize(), state.failedLineSearches(), state.sinceRestart(), false));
        }
        double slope0 = DescentSteps.vdot(grad, d);
        if (!(slope0 < 0)) {
            d = Pytree.map(grad, Tensor::neg);
            slope0 = -DescentSteps.vdot(grad, grad);
        }
        if (slope0 == 0) {
            return new OptStep<>(x, new State<>(state.iterations() + 1, 0.0, state.value(), grad, d, state.stepsize(),
                    state.failedLineSearches(), 0, false));
        }
        LineSearch ls = options.lineSearch();
        double init = DescentSteps.initialStep(state.stepsize(), ls.maxStepsize(), options.minStepsize(),
                options.increaseFactor());
        DescentSteps.Moved<X> m = DescentSteps.move(fun, ls, x, args, state.value(), grad, d, init);
        if (m.failed()) {
            return new OptStep<>(x, new State<>(state.iterations() + 1, DescentSteps.norm(grad), state.value(), grad,
                    Pytree.map(grad, Tensor::neg), ls.maxStepsize(), state.failedLineSearches() + 1, 0,
                    options.stopIfLinesearchFails()));
        }
        X g1 = m.grad();
        X minusG1 = Pytree.map(g1, Tensor::neg);
        int since = state.sinceRestart() + 1;
        X next = minusG1;
        if (options.restartEvery() == 0 || since < options.restartEvery()) {
            double beta = beta(grad, g1, d);
            if (Double.isFinite(beta) && beta != 0) {
                X candidate = Pytree.map2(minusG1, d, (a, b) -> a.add(b.mul(beta)));
                if (DescentSteps.vdot(g1, candidate) < 0) {
                    next = candidate;
                }
            }
        }
        if (next == minusG1) {
            since = 0;
        }
        return new OptStep<>(m.params(), new State<>(state.iterations() + 1, DescentSteps.norm(g1), m.value(), g1,
                next, m.stepsize(), state.failedLineSearches(), since, false));
    }

    /** β of the method, from concrete values (NaN when a denominator vanishes). */
    private double beta(X g, X g1, X d) {
        double g1g1 = DescentSteps.vdot(g1, g1);
        double gg = DescentSteps.vdot(g, g);
        double g1y = g1g1 - DescentSteps.vdot(g1, g);
        double dy = DescentSteps.vdot(d, g1) - DescentSteps.vdot(d, g);
        switch (options.method()) {
            case FLETCHER_REEVES:
                return g1g1 / gg;
            case POLAK_RIBIERE:
                return Math.max(0, g1y / gg);
            case HESTENES_STIEFEL:
                return Math.max(0, g1y / dy);
            default:
                return g1g1 / dy;
        }
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
