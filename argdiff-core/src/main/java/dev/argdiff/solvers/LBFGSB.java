package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;

/**
 * L-BFGS-B: limited-memory BFGS for min_x f(x, θ) subject to l ≤ x ≤ u, with bounds per
 * coordinate (entries may be ±∞; l = u fixes a coordinate) that may depend differentiably on θ.
 *
 * <p>Iteration (Byrd, Lu, Nocedal and Zhu 1995), on the model
 * m(z) = f(x) + ⟨∇f(x), z − x⟩ + ½(z − x)ᵀB(z − x), B the L-BFGS matrix of the last m pairs in
 * compact form B = θI − W·M·Wᵀ (Byrd, Nocedal and Schnabel 1994) with θ = ⟨y, y⟩/⟨s, y⟩ of
 * the newest pair:
 * <ol>
 *   <li>the generalized Cauchy point x<sup>c</sup>: the first local minimizer of m along the
 *       projected gradient path P(x − t·∇f(x)), t ≥ 0, found by walking its breakpoints;</li>
 *   <li>subspace minimization: m minimized over the coordinates x<sup>c</sup> left free, the others
 *       held at their bounds; the minimizer is projected onto the box, and when that does not give a
 *       descent direction, the step is truncated at the first bound instead (Morales and Nocedal
 *       2011); call the result x̄;</li>
 *   <li>a line search along d = x̄ − x, its largest step capped at the largest step that stays in
 *       the box (≥ 1, since x̄ is in it); every trial point is clipped to the box against rounding,
 *       so f is never evaluated outside it. Every iterate is feasible; an infeasible initial point is
 *       first projected onto the box.</li>
 * </ol>
 * A pair with ⟨s, y⟩ ≤ 1e-10·‖s‖‖y‖ is not stored. When the compact matrices are singular or the
 * direction is not one of descent, the memory is cleared and the step recomputed with B = θ₀I;
 * when the line search fails, the iterate stays and the memory is cleared, or, with
 * {@code stopIfLinesearchFails}, the run ends with {@link SolverStatus#LINE_SEARCH_FAILED}.
 *
 * <p>Error: ‖P(x − ∇f(x)) − x‖₂, the projected-gradient residual at the returned iterate (JAXopt
 * uses the ∞-norm of the same vector; the 2-norm is what implicit differentiation certifies, so a
 * converged run is always certified). Optimality condition (JAXopt's, as ProjectedGradient's):
 * <pre>
 *   F(x, θ) = P_[l(θ), u(θ)](x − ∇ₓf(x, θ)) − x
 * </pre>
 * with the box projection {@link Projection#box(Tensor, Tensor, Tensor)}, so the implicit derivative
 * is with respect to θ in f and in the bounds. On a strictly active bound (xᵢ = lᵢ with ∂ᵢf &gt; 0)
 * the derivative of xᵢ is that of lᵢ; on a free coordinate it follows the reduced Hessian.
 * <b>At a weakly active bound</b> (xᵢ = lᵢ and ∂ᵢf = 0) F is not differentiable and the derivative
 * is a one-sided choice: x − ∇f lies on the bound, where the projection is differentiated as the
 * identity, so the coordinate is differentiated as <em>free</em> — the derivative that is right
 * for perturbations of θ that move the solution into the box — and lᵢ gets no derivative. Where
 * rounding leaves ∂ᵢf slightly positive there, it is differentiated as active (the other
 * one-sided derivative). ∂ₓF is not symmetric: the implicit solve uses LU or GMRES.
 *
 * <p>Unrolling ({@code implicitDiff(false)}) differentiates the step on its piece: the Cauchy step,
 * which coordinates sit on which bound, the projection or truncation of the subspace step and the
 * line-search step are decided on concrete values and held fixed, and the point is computed in
 * tensor operations (the compact matrices and their 2m×2m solves included) — in every run, so a
 * concrete and an unrolled run take bitwise the same steps. A coordinate on a bound carries the
 * bound's derivative.
 *
 * <p>Options ({@link Options}; JAXopt's LBFGSB defaults): history size 10, zoom line search
 * (strong Wolfe, c1 = 1e-4, c2 = 0.9, at most 20 evaluations, maximal step 1), or any
 * {@link LineSearch} (backtracking, Hager–Zhang), first step of a search the previous one times
 * 1.5 up to the maximal step, which it starts from again after a step ≤ 1e-6; θ₀ = 1 (B = θ₀I
 * before the first pair, and always when {@code useGamma} is false); or a fixed step or a schedule
 * s(k) (the point x + s·d is clipped to the box). Common options in {@link SolverOptions}
 * (maxiter 500, tol 1e-6; JAXopt: 50 and 1e-3).
 *
 * <pre>{@code
 * // Rosenbrock on the box x ≤ 0.5: the minimizer is (0.5, 0.25)
 * LBFGSB<Tensor, Object> s = LBFGSB.of((x, a) -> x.row(0).rsub(1).square()
 *         .add(x.row(1).sub(x.row(0).square()).square().mul(100)),
 *         a -> LBFGSB.Bounds.of(Double.NEGATIVE_INFINITY, 0.5));
 * Tensor x = s.run(Tensor.of(-1.2, 1), null).params();
 * }</pre>
 *
 * <p>Cost per iteration: one value and gradient of f per trial step (the accepted one reused),
 * O(n·m) for the compact products, O(n log n + n·m²) for the Cauchy point, O(m³) for the 2m×2m
 * solves.
 *
 * <p>References: R. H. Byrd, P. Lu, J. Nocedal, C. Zhu, "A limited memory algorithm for bound
 * constrained optimization", SIAM J. Sci. Comput. 16 (1995) 1190–1208; R. H. Byrd, J. Nocedal,
 * R. B. Schnabel, "Representations of quasi-Newton matrices and their use in limited memory
 * methods", Math. Programming 63 (1994) 129–156; J. L. Morales, J. Nocedal, "Remark on
 * Algorithm 778", ACM TOMS 38 (2011).
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of f and of the bounds
 */
public final class LBFGSB<X, A> extends IterativeSolver<X, A, LBFGSB.State<X>, LBFGSB<X, A>> {

    /**
     * The box l ≤ x ≤ u: trees with x's structure whose leaves broadcast to x's leaves (a 0-d
     * tensor bounds a whole leaf). Entries of lower may be −∞, of upper +∞.
     */
    public record Bounds<X>(X lower, X upper) {
        /** @throws IllegalArgumentException if lower or upper is null */
        public Bounds {
            if (lower == null || upper == null) {
                throw new IllegalArgumentException("LBFGSB.Bounds: " + (lower == null ? "lower" : "upper")
                        + " is null");
            }
        }

        /** The same constant bounds for every coordinate of a tensor x. */
        public static Bounds<Tensor> of(double lower, double upper) {
            return new Bounds<>(Tensor.scalar(lower), Tensor.scalar(upper));
        }
    }

    /**
     * Iterations, error ‖P(x − ∇f(x)) − x‖₂ (+∞ before the first update), f(x) and ∇f(x) at the
     * current iterate, the stored pairs as flat vectors (oldest first), the last step size, the
     * number of failed line searches, whether the last one failed with stopIfLinesearchFails set,
     * and the objective's aux at the current iterate (null unless the objective has aux).
     */
    public record State<X>(int iterations, double error, double value, X grad, List<Tensor> sHistory,
                           List<Tensor> yHistory, double stepsize, int failedLineSearches,
                           boolean lineSearchFailedStop, Object aux) implements SolverState {
    }

    /**
     * The options of L-BFGS-B.
     *
     * @param historySize           the number m of stored pairs (≥ 0; 0 gives projected steepest descent with
     *                              the line search; default 10)
     * @param stepsize              a fixed step size (&gt; 0), or ≤ 0 for the line search (default 0)
     * @param schedule              a step size s(k) at iteration k = 0, 1, … (finite, &gt; 0) instead of
     *                              {@code stepsize} and the line search; null (default) for none
     * @param lineSearch            the line search (default {@link ZoomLineSearch} with at most 20 evaluations);
     *                              its maximal step is further capped by the box
     * @param minStepsize           below this step the next search starts again from the maximal step (≥ 0;
     *                              default 1e-6)
     * @param increaseFactor        the first step of a search is the previous one times this (≥ 1; default 1.5)
     * @param useGamma              θ = θ₀·⟨y, y⟩/⟨s, y⟩ of the newest pair (default true), else θ = θ₀
     * @param theta                 θ₀ (finite, &gt; 0; default 1): B = θ₀I before the first pair
     * @param stopIfLinesearchFails end the run when a line search fails (default false: clear the memory
     *                              and go on)
     */
    public record Options(int historySize, double stepsize, IntToDoubleFunction schedule, LineSearch lineSearch,
                          double minStepsize, double increaseFactor, boolean useGamma, double theta,
                          boolean stopIfLinesearchFails) {

        /** @throws IllegalArgumentException naming the option and its value when one is out of range */
        public Options {
            if (historySize < 0) {
                throw new IllegalArgumentException("LBFGSB.historySize: must be >= 0, got " + historySize);
            }
            if (!Double.isFinite(stepsize)) {
                throw new IllegalArgumentException("LBFGSB.stepsize: must be finite, got " + stepsize);
            }
            if (lineSearch == null) {
                throw new IllegalArgumentException("LBFGSB.lineSearch: must not be null");
            }
            if (!(minStepsize >= 0) || Double.isInfinite(minStepsize)) {
                throw new IllegalArgumentException("LBFGSB.minStepsize: must be finite and >= 0, got " + minStepsize);
            }
            if (!(increaseFactor >= 1) || Double.isInfinite(increaseFactor)) {
                throw new IllegalArgumentException("LBFGSB.increaseFactor: must be finite and >= 1, got "
                        + increaseFactor);
            }
            if (!(theta > 0) || Double.isInfinite(theta)) {
                throw new IllegalArgumentException("LBFGSB.theta: must be finite and > 0, got " + theta);
            }
        }

        public static Options defaults() {
            return new Options(10, 0.0, null, ZoomLineSearch.defaults().maxEvaluations(20), 1e-6, 1.5, true, 1.0,
                    false);
        }

        public Options withHistorySize(int value) {
            return new Options(value, stepsize, schedule, lineSearch, minStepsize, increaseFactor, useGamma, theta,
                    stopIfLinesearchFails);
        }

        public Options withStepsize(double value) {
            return new Options(historySize, value, null, lineSearch, minStepsize, increaseFactor, useGamma, theta,
                    stopIfLinesearchFails);
        }

        public Options withSchedule(IntToDoubleFunction value) {
            if (value == null) {
                throw new IllegalArgumentException("LBFGSB.schedule: must not be null (use stepsize for a fixed step)");
            }
            return new Options(historySize, stepsize, value, lineSearch, minStepsize, increaseFactor, useGamma, theta,
                    stopIfLinesearchFails);
        }

        public Options withLineSearch(LineSearch value) {
            return new Options(historySize, stepsize, schedule, value, minStepsize, increaseFactor, useGamma, theta,
                    stopIfLinesearchFails);
        }

        public Options withMinStepsize(double value) {
            return new Options(historySize, stepsize, schedule, lineSearch, value, increaseFactor, useGamma, theta,
                    stopIfLinesearchFails);
        }

        public Options withIncreaseFactor(double value) {
            return new Options(historySize, stepsize, schedule, lineSearch, minStepsize, value, useGamma, theta,
                    stopIfLinesearchFails);
        }

        public Options withUseGamma(boolean value) {
            return new Options(historySize, stepsize, schedule, lineSearch, minStepsize, increaseFactor, value, theta,
                    stopIfLinesearchFails);
        }

        public Options withTheta(double value) {
            return new Options(historySize, stepsize, schedule, lineSearch, minStepsize, increaseFactor, useGamma, value,
                    stopIfLinesearchFails);
        }

        public Options withStopIfLinesearchFails(boolean value) {
            return new Options(historySize, stepsize, schedule, lineSearch, minStepsize, increaseFactor, useGamma, theta,
                    value);
        }

        /** The step of iteration k: the schedule's, or the fixed step (≤ 0: line search). */
        double stepAt(int k) {
            return StepSchedule.stepAt("LBFGSB", schedule, stepsize, k);
        }
    }

    private final Objective<X, A> fun;
    private final Function<? super A, Bounds<X>> bounds;
    private final Options own;

    private LBFGSB(SolverOptions options, Options own, Objective<X, A> fun, Function<? super A, Bounds<X>> bounds) {
        super(options);
        this.fun = fun;
        this.bounds = bounds;
        this.own = own;
    }

    /**
     * A solver for min f(x, args) subject to l ≤ x ≤ u.
     *
     * @param fun    the objective f(x, args), a scalar (0-d tensor), smooth in x on the box
     * @param bounds the box as a function of args (so that l and u can be differentiated), e.g.
     *               {@code a -> LBFGSB.Bounds.of(0, Double.POSITIVE_INFINITY)}
     * @throws IllegalArgumentException if fun or bounds is null
     */
    public static <X, A> LBFGSB<X, A> of(BiFunction<X, A, Tensor> fun, Function<? super A, Bounds<X>> bounds) {
        if (fun == null) {
            throw new IllegalArgumentException("LBFGSB.of: fun is null");
        }
        return ofObjective(Objective.of(fun), bounds);
    }

    /**
     * As {@link #of(BiFunction, Function)} with f in any {@link Objective} form (with aux, or with its gradient).
     *
     * @throws IllegalArgumentException if fun or bounds is null
     */
    public static <X, A> LBFGSB<X, A> ofObjective(Objective<X, A> fun, Function<? super A, Bounds<X>> bounds) {
        if (fun == null || bounds == null) {
            throw new IllegalArgumentException("LBFGSB.of: " + (fun == null ? "fun" : "bounds") + " is null");
        }
        return new LBFGSB<>(SolverOptions.defaults(), Options.defaults(), fun, bounds);
    }

    @Override
    protected LBFGSB<X, A> withOptions(SolverOptions options) {
        return new LBFGSB<>(options, own, fun, bounds);
    }

    /** A copy with these options. @throws IllegalArgumentException if value is null */
    public LBFGSB<X, A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("LBFGSB.with: options is null");
        }
        return new LBFGSB<>(options(), value, fun, bounds);
    }

    /** This solver's own options. */
    public Options own() {
        return own;
    }

    /** The number m of stored pairs (≥ 0; default 10). */
    public LBFGSB<X, A> historySize(int value) {
        return with(own.withHistorySize(value));
    }

    /** A fixed step size (> 0), or ≤ 0 for the line search (default). */
    public LBFGSB<X, A> stepsize(double value) {
        return with(own.withStepsize(value));
    }

    /** A step size s(k) at iteration k = 0, 1, … (finite, > 0), instead of a fixed step or the line search. */
    public LBFGSB<X, A> stepsize(IntToDoubleFunction schedule) {
        return with(own.withSchedule(schedule));
    }

    /** The line search (zoom, backtracking or Hager–Zhang; default zoom with at most 20 evaluations). */
    public LBFGSB<X, A> lineSearch(LineSearch value) {
        return with(own.withLineSearch(value));
    }

    /**
     * The largest number of function evaluations per line search (≥ 1; default 20): the
     * configured search's {@link LineSearch#withMaxEvaluations maxEvaluations}, as in {@link LBFGS#maxls}.
     */
    public LBFGSB<X, A> maxls(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("LBFGSB.maxls: must be >= 1, got " + value);
        }
        return with(own.withLineSearch(own.lineSearch().withMaxEvaluations(value)));
    }

    /**
     * The Wolfe constants of the configured line search (in 0 &lt; c1 &lt; c2 &lt; 1; each search
     * checks its own range, see {@link LineSearch#withWolfe}), as in {@link LBFGS#wolfe}.
     */
    public LBFGSB<X, A> wolfe(double c1, double c2) {
        return with(own.withLineSearch(own.lineSearch().withWolfe(c1, c2)));
    }

    /** The largest step of a line search (finite, > 0; default 1), further capped by the box. */
    public LBFGSB<X, A> maxStepsize(double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("LBFGSB.maxStepsize: must be finite and > 0, got " + value);
        }
        return with(own.withLineSearch(own.lineSearch().withMaxStepsize(value)));
    }

    /** Below this step the next line search starts again from the maximal step (≥ 0; default 1e-6). */
    public LBFGSB<X, A> minStepsize(double value) {
        return with(own.withMinStepsize(value));
    }

    /** The first step of a line search is the previous one times this factor (≥ 1; default 1.5). */
    public LBFGSB<X, A> increaseFactor(double value) {
        return with(own.withIncreaseFactor(value));
    }

    /** Scale B₀ by ⟨y, y⟩/⟨s, y⟩ of the newest pair (default true). */
    public LBFGSB<X, A> useGamma(boolean value) {
        return with(own.withUseGamma(value));
    }

    /** θ₀ (finite, > 0; default 1). */
    public LBFGSB<X, A> theta(double value) {
        return with(own.withTheta(value));
    }

    /** End the run with LINE_SEARCH_FAILED when a line search fails (default false). */
    public LBFGSB<X, A> stopIfLinesearchFails(boolean value) {
        return with(own.withStopIfLinesearchFails(value));
    }

    // ------------------------------------------------------------------ the box

    /** The bounds flattened like x (traced when θ is) and their concrete values. */
    private record Box(Tensor lower, Tensor upper, double[] lo, double[] hi) {
    }

    private Box box(X x, A args) {
        Bounds<X> b = bounds.apply(args);
        if (b == null) {
            throw new IllegalArgumentException("LBFGSB: the bounds function returned null");
        }
        List<Tensor> xs = Pytree.leaves(x);
        Tensor lower = flatLike("lower", b.lower(), xs);
        Tensor upper = flatLike("upper", b.upper(), xs);
        double[] lo = lower.concrete().toArray();
        double[] hi = upper.concrete().toArray();
        for (int i = 0; i < lo.length; i++) {
            if (Double.isNaN(lo[i]) || Double.isNaN(hi[i])) {
                throw new IllegalArgumentException("LBFGSB: " + (Double.isNaN(lo[i]) ? "lower" : "upper")
                        + " is NaN at entry " + i + " (of x flattened)");
            }
            if (lo[i] > hi[i] || lo[i] == Double.POSITIVE_INFINITY || hi[i] == Double.NEGATIVE_INFINITY) {
                throw new IllegalArgumentException("LBFGSB: the box is empty at entry " + i + " (of x flattened): lower "
                        + lo[i] + ", upper " + hi[i] + "; needs lower <= upper, lower < +inf and upper > -inf");
            }
        }
        return new Box(lower, upper, lo, hi);
    }

    private static Tensor flatLike(String name, Object bound, List<Tensor> xs) {
        List<Tensor> bs = Pytree.leaves(bound);
        if (bs.size() != xs.size()) {
            throw new ShapeException("LBFGSB: " + name + " has " + bs.size() + " tensor leaves, x has " + xs.size()
                    + "; the bounds must have x's structure");
        }
        List<Tensor> parts = new ArrayList<>(xs.size());
        for (int j = 0; j < xs.size(); j++) {
            int[] shape = xs.get(j).shape();
            if (!Shapes.broadcastsTo(bs.get(j).shape(), shape)) {
                throw new ShapeException("LBFGSB: " + name + " leaf " + j + " has shape " + Shapes.str(bs.get(j).shape())
                        + ", which does not broadcast to x's leaf shape " + Shapes.str(shape));
            }
            parts.add(bs.get(j).broadcastTo(shape).flatten());
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.concatenate(parts, 0);
    }

    private static double[] clip(double[] v, double[] lo, double[] hi) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.min(Math.max(v[i], lo[i]), hi[i]);
        }
        return out;
    }

    /** ‖P(x − g) − x‖₂ on concrete values. */
    private static double error(double[] x, double[] g, double[] lo, double[] hi) {
        double s = 0;
        double scale = 0;
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = Math.min(Math.max(x[i] - g[i], lo[i]), hi[i]) - x[i];
            scale = Math.max(scale, Math.abs(r[i]));
        }
        if (scale == 0 || !Double.isFinite(scale)) {
            return scale == 0 ? 0.0 : Double.NaN;
        }
        for (double v : r) {
            s += (v / scale) * (v / scale);
        }
        return scale * Math.sqrt(s);
    }

    // ------------------------------------------------------------------ the iteration

    @Override
    public State<X> init(X initParams, A args) {
        Box b = box(initParams, args);
        double[] x0 = Pytree.toArray(initParams);
        for (int i = 0; i < x0.length; i++) {
            if (Double.isNaN(x0[i])) {
                throw new IllegalArgumentException("LBFGSB: initParams is NaN at entry " + i + " (of x flattened)");
            }
        }
        X x = feasible(initParams, x0, b);
        Autodiff.ValueAuxAndGrad<X, Object> vg = fun.valueAuxAndGrad(x, args);
        return new State<>(0, Double.POSITIVE_INFINITY, vg.value().item(), vg.gradient(), List.of(), List.of(),
                own.lineSearch().maxStepsize(), 0, false, vg.aux());
    }

    /** x itself when it is in the box, else its projection (differentiable in x and the bounds). */
    private X feasible(X x, double[] xc, Box b) {
        for (int i = 0; i < xc.length; i++) {
            if (xc[i] < b.lo()[i] || xc[i] > b.hi()[i]) {
                Tensor flat = TreeVectors.flatten(x);
                return TreeVectors.unflatten(x, Tensor.where(flat.lt(b.lower()), b.lower(),
                        Tensor.where(flat.gt(b.upper()), b.upper(), flat)));
            }
        }
        return x;
    }

    @Override
    public OptStep<X, State<X>> update(X params, State<X> state, A args) {
        Box b = box(params, args);
        X x = feasible(params, Pytree.toArray(params), b);
        double[] xc = Pytree.toArray(x);
        double[] gc = Pytree.toArray(state.grad());
        if (!Double.isFinite(state.value()) || !FlatValues.allFinite(gc)) {
            // f or ∇f is not finite at the iterate: nothing sensible follows; the loop stops on the NaN error.
            return new OptStep<>(x, withError(state, Double.NaN));
        }
        Direction dir = direction(x, xc, gc, b, state.grad(), state.sHistory(), state.yHistory());
        List<Tensor> ss = dir.sHistory();
        List<Tensor> ys = dir.yHistory();
        Tensor xbar = dir.xbar();
        double[] d = dir.d();
        boolean moves = xbar != null;
        if (!moves) {
            // P(x − ∇f) = x (no descent direction exists), or one exists only below rounding.
            double e = error(xc, gc, b.lo(), b.hi());
            return new OptStep<>(x, new State<>(state.iterations() + 1, e, state.value(), state.grad(), ss, ys,
                    state.stepsize(), state.failedLineSearches() + (e == 0 ? 0 : 1),
                    e != 0 && own.stopIfLinesearchFails(), state.aux()));
        }
        double slope0 = FlatValues.dot(gc, d);
        double cap = Math.min(own.lineSearch().maxStepsize(), Math.max(1.0, maxFeasibleStep(xc, d, b)));
        Map<Double, Autodiff.ValueAuxAndGrad<X, Object>> evaluated = new HashMap<>();
        A ac = Autodiff.stopGradient(args);
        double t = own.stepAt(state.iterations());
        if (!(t > 0)) {
            LineSearch ls = own.lineSearch().withMaxStepsize(cap);
            double init = DescentSteps.initialStep(state.stepsize(), cap, own.minStepsize(), own.increaseFactor());
            LineSearch.Result r = ls.search(s -> {
                X point = Pytree.fromArray(x, trial(xc, s, d, b));
                Autodiff.ValueAuxAndGrad<X, Object> vg = fun.valueAuxAndGrad(point, ac);
                evaluated.put(s, vg);
                return new LineSearch.Point(s, vg.value().item(),
                        FlatValues.dot(Pytree.toArray(vg.gradient()), d));
            }, state.value(), slope0, init);
            if (r.failed()) {
                return new OptStep<>(x, new State<>(state.iterations() + 1, error(xc, gc, b.lo(), b.hi()),
                        state.value(), state.grad(), List.of(), List.of(), own.lineSearch().maxStepsize(),
                        state.failedLineSearches() + 1, own.stopIfLinesearchFails(), state.aux()));
            }
            t = r.stepsize();
        }
        double[] nextc = trial(xc, t, d, b);
        X next;
        Autodiff.ValueAuxAndGrad<X, Object> vg;
        if (xbar.isTraced() || isTraced(x) || isTraced(args)) {
            Tensor xf = TreeVectors.flatten(x);
            Tensor moved = xf.addScaled(t, xbar.sub(xf));
            next = TreeVectors.unflatten(x, LbfgsbDirection.onBounds(moved, LbfgsbDirection.endAt(nextc, b.lo(), b.hi()),
                    b.lower(), b.upper()));
            vg = fun.valueAuxAndGrad(next, args);
        } else {
            next = Pytree.fromArray(x, nextc);
            vg = evaluated.get(t);
            if (vg == null) {
                vg = fun.valueAuxAndGrad(next, args);
            }
        }
        X nextGrad = vg.gradient();
        double[] gn = Pytree.toArray(nextGrad);
        if (own.historySize() > 0) {
            Tensor s = TreeVectors.flatten(next).sub(TreeVectors.flatten(x));
            Tensor y = TreeVectors.flatten(nextGrad).sub(TreeVectors.flatten(state.grad()));
            double[] sc = s.concrete().toArray();
            double[] yc = y.concrete().toArray();
            double sy = FlatValues.dot(sc, yc);
            if (sy > 1e-10 * Math.sqrt(FlatValues.dot(sc, sc)) * Math.sqrt(FlatValues.dot(yc, yc))) {
                ss = push(ss, s);
                ys = push(ys, y);
            }
        }
        return new OptStep<>(next, new State<>(state.iterations() + 1, error(nextc, gn, b.lo(), b.hi()),
                vg.value().item(), nextGrad, ss, ys, t, state.failedLineSearches(), false, vg.aux()));
    }

    /** The end point x̄ of the step (null when there is no descent direction), d = x̄ − x, and the pairs kept. */
    private record Direction(Tensor xbar, double[] d, List<Tensor> sHistory, List<Tensor> yHistory) {
    }

    /**
     * The step from the stored pairs; when their compact matrices are singular or the step is not a
     * descent direction (rounding), the pairs are forgotten and the step taken with B = θ₀I.
     */
    private Direction direction(X x, double[] xc, double[] gc, Box b, X grad, List<Tensor> ss, List<Tensor> ys) {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (attempt == 1) {
                if (ss.isEmpty()) {
                    break;
                }
                ss = List.of();
                ys = List.of();
            }
            LbfgsbDirection.Plan plan = plan(xc, gc, b, ss, ys);
            if (plan == null) {
                continue;
            }
            if (Arrays.equals(plan.xbar(), xc)) {
                // P(x − ∇f) = x: x is stationary for the box.
                break;
            }
            Tensor xbar;
            try {
                // The point is computed in tensor operations whether or not anything is traced, so that the
                // concrete, unrolled and checkpoint-recomputed runs take bitwise the same steps.
                xbar = replay(x, grad, b, plan, ss, ys);
            } catch (ArithmeticException unsolved) {
                // A 2m×2m solve of the compact form failed its accuracy check: forget the pairs.
                continue;
            }
            double[] xbarc = xbar.concrete().toArray();
            double[] d = new double[xc.length];
            double slope = 0;
            for (int i = 0; i < xc.length; i++) {
                d[i] = xbarc[i] - xc[i];
                slope += gc[i] * d[i];
            }
            if (slope < 0) {
                return new Direction(xbar, d, ss, ys);
            }
        }
        return new Direction(null, null, ss, ys);
    }

    private LbfgsbDirection.Plan plan(double[] x, double[] g, Box b, List<Tensor> ss, List<Tensor> ys) {
        int k = ss.size();
        double[][] s = new double[k][];
        double[][] y = new double[k][];
        for (int i = 0; i < k; i++) {
            s[i] = ss.get(i).concrete().toArray();
            y[i] = ys.get(i).concrete().toArray();
        }
        double theta = own.theta();
        if (own.useGamma() && k > 0) {
            theta *= FlatValues.dot(y[k - 1], y[k - 1]) / FlatValues.dot(s[k - 1], y[k - 1]);
        }
        return LbfgsbDirection.plan(x, g, b.lo(), b.hi(), s, y, theta);
    }

    /** x̄ recomputed from tensors (traced when unrolling) with the plan's choices held fixed. */
    private Tensor replay(X x, X grad, Box b, LbfgsbDirection.Plan plan, List<Tensor> ss, List<Tensor> ys) {
        Tensor xf = TreeVectors.flatten(x);
        Tensor gf = TreeVectors.flatten(grad);
        int k = plan.pairs();
        List<Tensor> s = LbfgsbDirection.newest(ss, k);
        List<Tensor> y = LbfgsbDirection.newest(ys, k);
        Tensor theta = Tensor.scalar(own.theta());
        if (own.useGamma() && k > 0) {
            Tensor sn = s.get(k - 1);
            Tensor yn = y.get(k - 1);
            theta = theta.mul(yn.vdot(yn).div(sn.vdot(yn)));
        }
        return LbfgsbDirection.replay(plan, xf, gf, b.lower(), b.upper(), s, y, theta);
    }

    /** x + t·d clipped to the box (a rounding correction for t up to the largest feasible step). */
    private static double[] trial(double[] x, double t, double[] d, Box b) {
        double[] v = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            v[i] = x[i] + t * d[i];
        }
        return clip(v, b.lo(), b.hi());
    }

    /** The largest t with x + t·d in the box (+∞ when no bound is met). */
    private static double maxFeasibleStep(double[] x, double[] d, Box b) {
        double t = Double.POSITIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            if (d[i] > 0) {
                t = Math.min(t, (b.hi()[i] - x[i]) / d[i]);
            } else if (d[i] < 0) {
                t = Math.min(t, (b.lo()[i] - x[i]) / d[i]);
            }
        }
        return t;
    }

    private State<X> withError(State<X> s, double error) {
        return new State<>(s.iterations() + 1, error, s.value(), s.grad(), s.sHistory(), s.yHistory(), s.stepsize(),
                s.failedLineSearches(), false, s.aux());
    }

    private List<Tensor> push(List<Tensor> history, Tensor value) {
        int from = Math.max(0, history.size() + 1 - own.historySize());
        List<Tensor> out = new ArrayList<>(history.subList(from, history.size()));
        out.add(value);
        return Collections.unmodifiableList(out);
    }

    private static boolean isTraced(Object tree) {
        for (Tensor t : Pytree.leaves(tree)) {
            if (t.isTraced()) {
                return true;
            }
        }
        return false;
    }

    /** F(x, θ) = P_[l, u](x − ∇ₓf(x, θ)) − x, with {@link Projection#box(Tensor, Tensor, Tensor)}. */
    @Override
    public X optimality(X params, A args) {
        Box b = box(params, args);
        Tensor x = TreeVectors.flatten(params);
        Tensor g = TreeVectors.flatten(fun.grad(params, args));
        return TreeVectors.unflatten(params, Projection.box(x.sub(g), b.lower(), b.upper()).sub(x));
    }
}
