package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;
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
 * <p>With a {@link LineSearch} chosen ({@link #lineSearch}: {@link ZoomLineSearch},
 * {@link HagerZhangLineSearch} or {@link BacktrackingLineSearch}) the iteration is steepest descent
 * x⁺ = x − t·∇f(x) with t from that search, without acceleration: Nesterov's extrapolation needs
 * steps below 1/L, which the Armijo and Wolfe conditions do not guarantee (a step up to 2/L passes
 * them on a quadratic). Each search starts from the previous step times 1.5, capped at the search's
 * maximal step (JAXopt's "increase" initialization, as LBFGS). The error is then ‖∇f(x⁺)‖ at the
 * returned iterate. When the search finds no step with sufficient decrease the iterate stays and
 * the next search starts from the maximal step, or, with {@link #stopIfLinesearchFails}, the run
 * stops with {@link SolverStatus#LINE_SEARCH_FAILED}; a gradient or value that is not finite ends
 * the run with {@link SolverStatus#NON_FINITE}. Cost per iteration: one value and gradient at x and
 * one per trial step. The step t is a constant for differentiation; an unrolled run differentiates
 * x − t·∇f(x, θ). Without a chosen search (the default) the options of {@link ProximalGradient}
 * apply unchanged.
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

    /**
     * The optional line search of gradient descent (the step-size options are
     * {@link ProximalGradient.Options}, shared with ProximalGradient and ProjectedGradient).
     *
     * @param lineSearch            a line search along −∇f, or null (default) for ProximalGradient's
     *                              accelerated backtracking (or its fixed step or schedule)
     * @param stopIfLinesearchFails stop with {@link SolverStatus#LINE_SEARCH_FAILED} when the search
     *                              fails (default false); only with a line search, since the default
     *                              backtracking never fails (it keeps its last trial step)
     */
    public record Search(LineSearch lineSearch, boolean stopIfLinesearchFails) {
        /** @throws IllegalArgumentException naming stopIfLinesearchFails when set without a line search */
        public Search {
            if (stopIfLinesearchFails && lineSearch == null) {
                throw new IllegalArgumentException("GradientDescent.stopIfLinesearchFails: needs a lineSearch (the "
                        + "default backtracking never fails: it keeps its last trial step); choose one first");
            }
        }

        /** No line search of its own: ProximalGradient's step rules. */
        public static Search defaults() {
            return new Search(null, false);
        }

        public Search withLineSearch(LineSearch value) {
            return new Search(value, value != null && stopIfLinesearchFails);
        }

        public Search withStopIfLinesearchFails(boolean value) {
            return new Search(lineSearch, value);
        }
    }

    /** First step of a search: the previous one times this (JAXopt's LBFGS "increase" default). */
    private static final double INCREASE_FACTOR = 1.5;
    /** At or below this step the next search starts again from the maximal step (as LBFGS's default). */
    private static final double MIN_STEPSIZE = 1e-6;

    private final ProximalGradient<X, A> inner;
    private final Search search;

    private GradientDescent(SolverOptions options, ProximalGradient<X, A> inner, Search search) {
        super(options);
        this.inner = inner;
        this.search = search;
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
        return new GradientDescent<>(SolverOptions.defaults(), ProximalGradient.ofObjective(fun, (x, a, s) -> x),
                Search.defaults());
    }

    @Override
    protected GradientDescent<X, A> withOptions(SolverOptions options) {
        return new GradientDescent<>(options, inner, search);
    }

    /** A copy with these step-size and line-search options (shared with ProximalGradient). */
    public GradientDescent<X, A> with(ProximalGradient.Options value) {
        return new GradientDescent<>(options(), inner.with(value), search);
    }

    /** A copy with this line-search choice. @throws IllegalArgumentException if value is null */
    public GradientDescent<X, A> withSearch(Search value) {
        if (value == null) {
            throw new IllegalArgumentException("GradientDescent.withSearch: search is null");
        }
        return new GradientDescent<>(options(), inner, value);
    }

    /** The line-search choice (no search of its own by default). */
    public Search search() {
        return search;
    }

    /**
     * Steepest descent with this line search instead of the accelerated backtracking (see the class
     * comment); also turns acceleration off, which a line search does not combine with. Null restores
     * the default (acceleration stays as set).
     */
    public GradientDescent<X, A> lineSearch(LineSearch value) {
        GradientDescent<X, A> out = withSearch(search.withLineSearch(value));
        return value == null ? out : out.acceleration(false);
    }

    /**
     * Stop with {@link SolverStatus#LINE_SEARCH_FAILED} when the chosen line search fails (JAXopt's
     * {@code stop_if_linesearch_fails}; default false: keep the iterate and search again).
     *
     * @throws IllegalArgumentException naming stopIfLinesearchFails when true and no line search is chosen
     */
    public GradientDescent<X, A> stopIfLinesearchFails(boolean value) {
        return withSearch(search.withStopIfLinesearchFails(value));
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
        LineSearch ls = search.lineSearch();
        if (ls == null) {
            return inner.init(initParams, args);
        }
        ProximalGradient.Options o = own();
        if (o.stepsize() > 0 || o.schedule() != null) {
            throw new IllegalStateException("GradientDescent: both a lineSearch and a fixed stepsize or schedule are "
                    + "set; choose one (lineSearch(null) restores the step options)");
        }
        if (o.acceleration()) {
            throw new IllegalStateException("GradientDescent: acceleration does not combine with a lineSearch "
                    + "(Armijo/Wolfe steps may exceed 1/L); set acceleration(false)");
        }
        return new ProximalGradient.State<>(0, Double.POSITIVE_INFINITY, initParams, 1.0, ls.maxStepsize(), null);
    }

    @Override
    public OptStep<X, ProximalGradient.State<X>> update(X params, ProximalGradient.State<X> state, A args) {
        if (search.lineSearch() != null) {
            return searchUpdate(params, state, args);
        }
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

    /** One steepest-descent step with the chosen line search (decisions on concrete values). */
    private OptStep<X, ProximalGradient.State<X>> searchUpdate(X x, ProximalGradient.State<X> state, A args) {
        Objective<X, A> fun = inner.objective();
        LineSearch ls = search.lineSearch();
        X xc = Autodiff.stopGradient(x);
        A ac = Autodiff.stopGradient(args);
        Autodiff.ValueAuxAndGrad<X, Object> at = fun.valueAuxAndGrad(xc, ac);
        double value = at.value().item();
        X gc = at.gradient();
        double gradNorm = Pytree.norm(gc);
        if (!Double.isFinite(gradNorm) || !Double.isFinite(value)) {
            // NaN data or overflow: no search; the loop ends the run as NON_FINITE.
            return new OptStep<>(x, new ProximalGradient.State<>(state.iterations() + 1, Double.NaN, x, 1.0,
                    state.stepsize(), at.aux()));
        }
        if (gradNorm == 0) {
            return new OptStep<>(x, new ProximalGradient.State<>(state.iterations() + 1, 0.0, x, 1.0,
                    state.stepsize(), at.aux()));
        }
        X dc = Pytree.map(gc, Tensor::neg);
        double init = DescentSteps.initialStep(state.stepsize(), ls.maxStepsize(), MIN_STEPSIZE, INCREASE_FACTOR);
        Map<Double, Autodiff.ValueAuxAndGrad<X, Object>> evaluated = new HashMap<>();
        LineSearch.Result r = ls.search(s -> {
            Autodiff.ValueAuxAndGrad<X, Object> vg = fun.valueAuxAndGrad(DescentSteps.axpy(xc, s, dc), ac);
            evaluated.put(s, vg);
            return new LineSearch.Point(s, vg.value().item(), Pytree.vdot(vg.gradient(), dc).item());
        }, value, -gradNorm * gradNorm, init);
        if (r.failed()) {
            return new OptStep<>(x, new ProximalGradient.State<>(state.iterations() + 1, gradNorm, x, 1.0,
                    ls.maxStepsize(), at.aux(), search.stopIfLinesearchFails()));
        }
        double t = r.stepsize();
        // Unrolling: the step x − t·∇f(x, θ) with the gradient traced; t stays a constant.
        X grad = DescentSteps.isTraced(x) || DescentSteps.isTraced(args) ? fun.grad(x, args) : gc;
        X next = DescentSteps.axpy(x, -t, grad);
        Autodiff.ValueAuxAndGrad<X, Object> accepted = evaluated.get(t);
        return new OptStep<>(next, new ProximalGradient.State<>(state.iterations() + 1,
                Pytree.norm(accepted.gradient()), next, 1.0, t, accepted.aux()));
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
