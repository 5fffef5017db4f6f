package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.IntToDoubleFunction;

/**
 * Limited-memory BFGS for min_x f(x, θ), with a line search (default: strong-Wolfe zoom).
 *
 * <p>Iteration: d = −H·∇f(x), where H is the L-BFGS inverse-Hessian approximation built from
 * the last m pairs sᵢ = xᵢ₊₁ − xᵢ, yᵢ = ∇f(xᵢ₊₁) − ∇f(xᵢ) by the two-loop recursion
 * (Nocedal and Wright, Algorithm 7.4) with initial matrix γ·I, γ = ⟨s, y⟩/⟨y, y⟩ of the newest
 * pair (eq. 7.20); then x⁺ = x + t·d with t from the {@link LineSearch} of the options (default
 * {@link ZoomLineSearch}: strong Wolfe conditions, c1 = 1e-4, c2 = 0.9; {@link HagerZhangLineSearch}
 * and {@link BacktrackingLineSearch} may be chosen instead). The recursion runs on trees with {@link Pytree#vdot} and
 * tensor operations, so unrolling ({@code implicitDiff(false)}) differentiates through it; the
 * chosen step t is a constant for differentiation. A pair with ⟨s, y⟩ ≤ 1e-10·‖s‖‖y‖ is not
 * stored (the (strong) Wolfe conditions guarantee ⟨s, y⟩ > 0 otherwise; an Armijo step does not).
 * When the line search finds no step with sufficient decrease, the iterate stays, the memory is
 * cleared and the next iteration starts again from the steepest descent direction, or, with
 * {@code stopIfLinesearchFails}, the run stops with {@link SolverStatus#LINE_SEARCH_FAILED}
 * (JAXopt's {@code stop_if_linesearch_fails}). A gradient or value that is not finite (NaN data,
 * overflow) ends the run with {@link SolverStatus#NON_FINITE} at the current iterate.
 *
 * <p>First step of each line search ("increase" strategy of JAXopt): the previous step times
 * {@code increaseFactor}, capped at {@code maxStepsize}; {@code maxStepsize} again after a step
 * below {@code minStepsize}.
 *
 * <p>Error: ‖∇f(x)‖ at the returned iterate. Optimality condition: F = ∇ₓf (symmetric, so
 * implicit differentiation may use CG or Cholesky).
 *
 * <p>Defaults (JAXopt's LBFGS, in {@link Options}): history size 10, zoom line search with at most 30
 * evaluations, maxStepsize 1, minStepsize 1e-6, increaseFactor 1.5, γ scaling on,
 * stopIfLinesearchFails off, or a fixed step or a schedule s(k); common options in {@link SolverOptions} (tol 1e-6; JAXopt: 1e-3). The
 * objective may return aux or its own gradient ({@link Objective}).
 *
 * <pre>{@code
 * // Rosenbrock: (1 − x₀)² + 100·(x₁ − x₀²)², minimized at (1, 1) in about 40 iterations
 * LBFGS<Tensor, Object> lbfgs = LBFGS.of((x, a) -> x.row(0).rsub(1).square()
 *         .add(x.row(1).sub(x.row(0).square()).square().mul(100)));
 * Tensor x = lbfgs.tol(1e-10).run(Tensor.of(-1.2, 1), List.of()).params();
 * }</pre>
 *
 * <p>Cost per iteration: one value and gradient of f per trial step of the line search (for
 * f(x) = ½‖Ax − b‖²: 2 products with A each), the accepted one reused; with a fixed step one value
 * and gradient (2 products). When unrolling, the accepted point is evaluated once more, traced.
 *
 * <p>Reference: J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006,
 * Algorithm 7.5; D. C. Liu, J. Nocedal, "On the limited memory BFGS method for large scale
 * optimization", Math. Programming 1989.
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of f
 */
public final class LBFGS<X, A> extends IterativeSolver<X, A, LBFGS.State<X>, LBFGS<X, A>> {

    /**
     * Iterations, error ‖∇f(x)‖ (+∞ before the first update), f(x) and ∇f(x) at the current
     * iterate, the stored pairs (oldest first), the last step size, the number of line searches
     * that found no step with sufficient decrease, the objective's aux at the current iterate
     * (null unless the objective has aux), and whether the last line search failed with
     * stopIfLinesearchFails set.
     */
    public record State<X>(int iterations, double error, double value, X grad, List<X> sHistory, List<X> yHistory,
                           double stepsize, int failedLineSearches, Object aux, boolean lineSearchFailedStop)
            implements SolverState {
    }

    /**
     * The options of L-BFGS.
     *
     * @param historySize    the number m of stored pairs (≥ 0; 0 gives steepest descent with the line search; default 10)
     * @param stepsize       a fixed step size (&gt; 0), or ≤ 0 for the line search (default 0)
     * @param schedule       a step size as a function of the iteration number k = 0, 1, … (finite, &gt; 0),
     *                       used instead of {@code stepsize} and the line search; null (default) for none
     * @param lineSearch     the line search (default {@link ZoomLineSearch#defaults()}: maxls = its
     *                       maxEvaluations, 30; Wolfe constants 1e-4, 0.9; maxStepsize 1)
     * @param minStepsize    below this step the next line search starts again from maxStepsize (≥ 0; default 1e-6)
     * @param increaseFactor the first step of a line search is the previous one times this factor (≥ 1; default 1.5)
     * @param useGamma       scale the initial inverse Hessian by γ = ⟨s, y⟩/⟨y, y⟩ (default true)
     * @param stopIfLinesearchFails stop the run with {@link SolverStatus#LINE_SEARCH_FAILED} when a line
     *                       search fails (default false: clear the memory and go on)
     */
    public record Options(int historySize, double stepsize, IntToDoubleFunction schedule, LineSearch lineSearch,
                          double minStepsize, double increaseFactor, boolean useGamma,
                          boolean stopIfLinesearchFails) {

        /** @throws IllegalArgumentException naming the option and its value when one is out of range */
        public Options {
            if (historySize < 0) {
                throw new IllegalArgumentException("LBFGS.historySize: must be >= 0, got " + historySize);
            }
            if (!Double.isFinite(stepsize)) {
                throw new IllegalArgumentException("LBFGS.stepsize: must be finite, got " + stepsize);
            }
            if (lineSearch == null) {
                throw new IllegalArgumentException("LBFGS.lineSearch: must not be null");
            }
            if (!(minStepsize >= 0) || Double.isInfinite(minStepsize)) {
                throw new IllegalArgumentException("LBFGS.minStepsize: must be finite and >= 0, got " + minStepsize);
            }
            if (!(increaseFactor >= 1) || Double.isInfinite(increaseFactor)) {
                throw new IllegalArgumentException("LBFGS.increaseFactor: must be finite and >= 1, got "
                        + increaseFactor);
            }
        }

        public static Options defaults() {
            return new Options(10, 0.0, null, ZoomLineSearch.defaults(), 1e-6, 1.5, true, false);
        }

        public Options withHistorySize(int value) {
            return new Options(value, stepsize, schedule, lineSearch, minStepsize, increaseFactor, useGamma,
                    stopIfLinesearchFails);
        }

        public Options withStepsize(double value) {
            return new Options(historySize, value, null, lineSearch, minStepsize, increaseFactor, useGamma,
                    stopIfLinesearchFails);
        }

        public Options withSchedule(IntToDoubleFunction value) {
            if (value == null) {
                throw new IllegalArgumentException("LBFGS.schedule: must not be null (use stepsize for a fixed step)");
            }
            return new Options(historySize, stepsize, value, lineSearch, minStepsize, increaseFactor, useGamma,
                    stopIfLinesearchFails);
        }

        public Options withLineSearch(LineSearch value) {
            return new Options(historySize, stepsize, schedule, value, minStepsize, increaseFactor, useGamma,
                    stopIfLinesearchFails);
        }

        public Options withMinStepsize(double value) {
            return new Options(historySize, stepsize, schedule, lineSearch, value, increaseFactor, useGamma,
                    stopIfLinesearchFails);
        }

        public Options withIncreaseFactor(double value) {
            return new Options(historySize, stepsize, schedule, lineSearch, minStepsize, value, useGamma,
                    stopIfLinesearchFails);
        }

        public Options withUseGamma(boolean value) {
            return new Options(historySize, stepsize, schedule, lineSearch, minStepsize, increaseFactor, value,
                    stopIfLinesearchFails);
        }

        public Options withStopIfLinesearchFails(boolean value) {
            return new Options(historySize, stepsize, schedule, lineSearch, minStepsize, increaseFactor, useGamma, value);
        }

        /** The step of iteration k: the schedule's, or the fixed step (≤ 0: line search). */
        double stepAt(int k) {
            return StepSchedule.stepAt("LBFGS", schedule, stepsize, k);
        }
    }

    private final Objective<X, A> fun;
    private final Options own;

    private LBFGS(SolverOptions options, Options own, Objective<X, A> fun) {
        super(options);
        this.fun = fun;
        this.own = own;
    }

    /**
     * A solver for min f(x, args).
     *
     * @param fun the objective f(x, args), a scalar (0-d tensor), smooth in x
     * @throws IllegalArgumentException if {@code fun} is null
     */
    public static <X, A> LBFGS<X, A> of(BiFunction<X, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("LBFGS.of: fun is null");
        }
        return ofObjective(Objective.of(fun));
    }

    /**
     * A solver for min f(x, args) with f in any {@link Objective} form (with aux, or with its gradient).
     *
     * @throws IllegalArgumentException if {@code fun} is null
     */
    public static <X, A> LBFGS<X, A> ofObjective(Objective<X, A> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("LBFGS.of: fun is null");
        }
        return new LBFGS<>(SolverOptions.defaults(), Options.defaults(), fun);
    }

    @Override
    protected LBFGS<X, A> withOptions(SolverOptions options) {
        return new LBFGS<>(options, own, fun);
    }

    /** A copy with these options. @throws IllegalArgumentException if value is null */
    public LBFGS<X, A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("LBFGS.with: options is null");
        }
        return new LBFGS<>(options(), value, fun);
    }

    /** This solver's own options. */
    public Options own() {
        return own;
    }

    /** The number m of stored pairs (≥ 0; 0 gives steepest descent with the line search; default 10). */
    public LBFGS<X, A> historySize(int value) {
        return with(own.withHistorySize(value));
    }

    /** A fixed step size (> 0), or ≤ 0 for the line search (default). */
    public LBFGS<X, A> stepsize(double value) {
        return with(own.withStepsize(value));
    }

    /** A step size s(k) at iteration k = 0, 1, … (finite, > 0), instead of a fixed step or the line search. */
    public LBFGS<X, A> stepsize(IntToDoubleFunction schedule) {
        return with(own.withSchedule(schedule));
    }

    /**
     * The line search: {@link ZoomLineSearch} (default), {@link HagerZhangLineSearch} or
     * {@link BacktrackingLineSearch} (with an Armijo-only condition ⟨s, y⟩ &gt; 0 is not guaranteed
     * and pairs without it are skipped). {@link #maxls}, {@link #wolfe} and {@link #maxStepsize}
     * then configure the chosen search (every {@link LineSearch} has these options).
     *
     * @throws IllegalArgumentException naming lineSearch if value is null
     */
    public LBFGS<X, A> lineSearch(LineSearch value) {
        return with(own.withLineSearch(value));
    }

    /**
     * The largest number of function evaluations per line search (≥ 1; default 30): the
     * configured search's {@link LineSearch#withMaxEvaluations maxEvaluations}.
     */
    public LBFGS<X, A> maxls(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("LBFGS.maxls: must be >= 1, got " + value);
        }
        return with(own.withLineSearch(own.lineSearch().withMaxEvaluations(value)));
    }

    /**
     * The Wolfe constants of the configured line search (zoom's default 1e-4 and 0.9, in
     * 0 &lt; c1 &lt; c2 &lt; 1; each search checks its own range, see {@link LineSearch#withWolfe}).
     */
    public LBFGS<X, A> wolfe(double c1, double c2) {
        return with(own.withLineSearch(own.lineSearch().withWolfe(c1, c2)));
    }

    /** The largest step of a line search (finite, > 0; default 1). */
    public LBFGS<X, A> maxStepsize(double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("LBFGS.maxStepsize: must be finite and > 0, got " + value);
        }
        return with(own.withLineSearch(own.lineSearch().withMaxStepsize(value)));
    }

    /**
     * Stop the run with {@link SolverStatus#LINE_SEARCH_FAILED} when a line search finds no step
     * with sufficient decrease (default false: clear the memory and go on from steepest descent).
     */
    public LBFGS<X, A> stopIfLinesearchFails(boolean value) {
        return with(own.withStopIfLinesearchFails(value));
    }

    /** Below this step the next line search starts again from maxStepsize (≥ 0; default 1e-6). */
    public LBFGS<X, A> minStepsize(double value) {
        return with(own.withMinStepsize(value));
    }

    /** The first step of a line search is the previous one times this factor (≥ 1; default 1.5). */
    public LBFGS<X, A> increaseFactor(double value) {
        return with(own.withIncreaseFactor(value));
    }

    /** Scale the initial inverse Hessian by γ = ⟨s, y⟩/⟨y, y⟩ (default true) or use the identity. */
    public LBFGS<X, A> useGamma(boolean value) {
        return with(own.withUseGamma(value));
    }

    /** The number of past iterates kept. */
    public int historySize() {
        return own.historySize();
    }

    /** The line search. */
    public LineSearch lineSearch() {
        return own.lineSearch();
    }

    @Override
    public State<X> init(X initParams, A args) {
        Autodiff.ValueAuxAndGrad<X, Object> vg = valueAndGrad(initParams, args);
        return new State<>(0, Double.POSITIVE_INFINITY, vg.value().item(), vg.gradient(), List.of(), List.of(),
                own.lineSearch().maxStepsize(), 0, vg.aux(), false);
    }

    @Override
    public OptStep<X, State<X>> update(X x, State<X> state, A args) {
        X grad = state.grad();
        List<X> ss = state.sHistory();
        List<X> ys = state.yHistory();
        double gradNorm = Pytree.norm(grad);
        if (!Double.isFinite(gradNorm) || !Double.isFinite(state.value())) {
            // NaN data or overflow: no direction and no search; the loop ends the run as NON_FINITE.
            return new OptStep<>(x, new State<>(state.iterations() + 1, Double.NaN, state.value(), grad, ss, ys,
                    state.stepsize(), state.failedLineSearches(), state.aux(), false));
        }
        X direction = Pytree.map(inverseHessianProduct(grad, ss, ys), Tensor::neg);
        X xc = Autodiff.stopGradient(x);
        A ac = Autodiff.stopGradient(args);
        double slope0 = Pytree.vdot(Autodiff.stopGradient(grad), Autodiff.stopGradient(direction)).item();
        if (!(slope0 < 0)) {
            // Not a descent direction (rounding in the recursion): restart from steepest descent.
            ss = List.of();
            ys = List.of();
            direction = Pytree.map(grad, Tensor::neg);
            slope0 = -Pytree.vdot(Autodiff.stopGradient(grad), Autodiff.stopGradient(grad)).item();
        }
        if (slope0 == 0) {
            // ∇f(x) = 0 exactly: a stationary point.
            return new OptStep<>(x, new State<>(state.iterations() + 1, 0.0, state.value(), grad, ss, ys,
                    state.stepsize(), state.failedLineSearches(), state.aux(), false));
        }
        X dc = Autodiff.stopGradient(direction);
        Map<Double, Autodiff.ValueAuxAndGrad<X, Object>> evaluated = new HashMap<>();
        double t = own.stepAt(state.iterations());
        boolean failed = false;
        if (!(t > 0)) {
            LineSearch lineSearch = own.lineSearch();
            double minStepsize = own.minStepsize();
            double increaseFactor = own.increaseFactor();
            double init = state.stepsize() <= minStepsize ? lineSearch.maxStepsize()
                    : Math.min(state.stepsize() * increaseFactor, lineSearch.maxStepsize());
            LineSearch.Result ls = lineSearch.search(s -> {
                X point = axpy(xc, s, dc);
                Autodiff.ValueAuxAndGrad<X, Object> vg = valueAndGrad(point, ac);
                evaluated.put(s, vg);
                return new LineSearch.Point(s, vg.value().item(), Pytree.vdot(vg.gradient(), dc).item());
            }, state.value(), slope0, init);
            t = ls.stepsize();
            failed = ls.failed();
        }
        if (failed) {
            return new OptStep<>(x, new State<>(state.iterations() + 1, Pytree.norm(grad), state.value(), grad, List.of(),
                    List.of(), own.lineSearch().maxStepsize(), state.failedLineSearches() + 1, state.aux(),
                    own.stopIfLinesearchFails()));
        }
        X next = axpy(x, t, direction);
        Autodiff.ValueAuxAndGrad<X, Object> vg = evaluated.get(t);
        if (vg == null || isTraced(next)) {
            // Unrolling (or a fixed step): the gradient must be a traced function of (x, θ).
            vg = valueAndGrad(next, args);
        }
        X nextGrad = vg.gradient();
        if (own.historySize() > 0) {
            X s = Pytree.map2(next, x, Tensor::sub);
            X y = Pytree.map2(nextGrad, grad, Tensor::sub);
            double sy = Pytree.vdot(Autodiff.stopGradient(s), Autodiff.stopGradient(y)).item();
            double sn = Pytree.norm(s);
            double yn = Pytree.norm(y);
            if (sy > 1e-10 * sn * yn) {
                ss = push(ss, s);
                ys = push(ys, y);
            }
        }
        return new OptStep<>(next, new State<>(state.iterations() + 1, Pytree.norm(nextGrad), vg.value().item(), nextGrad,
                ss, ys, t, state.failedLineSearches(), vg.aux(), false));
    }

    /** H·g by the two-loop recursion (tensor operations on trees; differentiable). */
    private X inverseHessianProduct(X g, List<X> ss, List<X> ys) {
        int k = ss.size();
        if (k == 0) {
            return g;
        }
        Tensor[] rho = new Tensor[k];
        Tensor[] alpha = new Tensor[k];
        X q = g;
        for (int i = k - 1; i >= 0; i--) {
            rho[i] = Pytree.vdot(ss.get(i), ys.get(i)).reciprocal();
            Tensor a = rho[i].mul(Pytree.vdot(ss.get(i), q));
            alpha[i] = a;
            q = Pytree.map2(q, ys.get(i), (qq, yy) -> qq.subScaled(a, yy));
        }
        X r = q;
        if (own.useGamma()) {
            Tensor gamma = Pytree.vdot(ss.get(k - 1), ys.get(k - 1)).div(Pytree.vdot(ys.get(k - 1), ys.get(k - 1)));
            r = Pytree.map(r, v -> v.mul(gamma));
        }
        for (int i = 0; i < k; i++) {
            Tensor b = rho[i].mul(Pytree.vdot(ys.get(i), r));
            Tensor c = alpha[i].sub(b);
            r = Pytree.map2(r, ss.get(i), (rr, s) -> rr.addScaled(c, s));
        }
        return r;
    }

    private List<X> push(List<X> history, X value) {
        int from = Math.max(0, history.size() + 1 - own.historySize());
        List<X> out = new ArrayList<>(history.subList(from, history.size()));
        out.add(value);
        return Collections.unmodifiableList(out);
    }

    private Autodiff.ValueAuxAndGrad<X, Object> valueAndGrad(X x, A args) {
        return fun.valueAuxAndGrad(x, args);
    }

    private static <X> X axpy(X x, double t, X d) {
        return Pytree.map2(x, d, (a, b) -> a.addScaled(t, b));
    }

    private static boolean isTraced(Object tree) {
        for (Tensor t : Pytree.leaves(tree)) {
            if (t.isTraced()) {
                return true;
            }
        }
        return false;
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
