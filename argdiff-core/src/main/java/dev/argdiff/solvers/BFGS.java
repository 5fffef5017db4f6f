package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * BFGS with a dense inverse-Hessian approximation, for min_x f(x, θ) with x a tree of tensors
 * (flattened to one vector of n entries; H is n×n).
 *
 * <p>Iteration: d = −H·∇f(x), x⁺ = x + t·d with t from the line search, and with
 * s = x⁺ − x, y = ∇f(x⁺) − ∇f(x), ρ = 1/⟨s, y⟩ (Nocedal and Wright, eq. 6.17):
 * <pre>
 *   H⁺ = (I − ρ·s·yᵀ)·H·(I − ρ·y·sᵀ) + ρ·s·sᵀ
 * </pre>
 * applied in the expanded form H − ρ(s·(Hy)ᵀ + (Hy)·sᵀ) + (ρ²·yᵀHy + ρ)·s·sᵀ, O(n²). H starts at
 * the identity, rescaled before the first update to (⟨s, y⟩/⟨y, y⟩)·I (Nocedal and Wright,
 * eq. 6.20; JAXopt keeps I: without the scaling the dense update needs more than 100 iterations
 * on extended Rosenbrock with n = 100, where LBFGS, which scales, needs 38). A pair with ⟨s, y⟩ ≤ 1e-10·‖s‖‖y‖ does not update H (a Wolfe step
 * guarantees ⟨s, y⟩ &gt; 0; a backtracking Armijo step does not). When d is not a descent
 * direction (rounding), H is reset to the identity. The update is made of tensor operations, so
 * unrolling ({@code implicitDiff(false)}) differentiates through it; the step t is a constant.
 *
 * <p>When the line search finds no step with sufficient decrease, the iterate stays and H is
 * reset to the identity, or, with {@code stopIfLinesearchFails}, the run stops with
 * {@link SolverStatus#LINE_SEARCH_FAILED} (JAXopt's {@code stop_if_linesearch_fails}). A gradient
 * or value that is not finite (NaN data, overflow) ends the run with {@link SolverStatus#NON_FINITE}.
 *
 * <p>Error: ‖∇f(x)‖. Optimality condition: F = ∇ₓf (symmetric; implicit differentiation may use
 * CG or Cholesky).
 *
 * <p>Options ({@link Options}, defaults as JAXopt's BFGS): the line search (zoom, strong Wolfe,
 * c1 = 1e-4, c2 = 0.9), first step of each search the previous one times 1.5 up to the search's
 * maximal step 1, the maximal step again after a step ≤ 1e-6, stopIfLinesearchFails false;
 * common options in {@link SolverOptions}.
 *
 * <pre>{@code
 * BFGS<Tensor, Object> bfgs = BFGS.of((x, a) -> x.row(0).rsub(1).square()
 *         .add(x.row(1).sub(x.row(0).square()).square().mul(100)));
 * Tensor x = bfgs.tol(1e-10).run(Tensor.of(-1.2, 1), null).params();   // (1, 1)
 * }</pre>
 *
 * <p>Reference: J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006,
 * Algorithm 6.1.
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of f
 */
public final class BFGS<X, A> extends IterativeSolver<X, A, BFGS.State<X>, BFGS<X, A>> {

    /**
     * Iterations, error ‖∇f(x)‖ (+∞ before the first update), f(x) and ∇f(x), the inverse-Hessian
     * approximation H (n×n), the last step, the number of failed line searches, and whether the
     * last one failed with stopIfLinesearchFails set.
     */
    public record State<X>(int iterations, double error, double value, X grad, Tensor inverseHessian, double stepsize,
                           int failedLineSearches, boolean lineSearchFailedStop) implements SolverState {
    }

    /**
     * BFGS's own options.
     *
     * @param lineSearch            the line search (default {@link ZoomLineSearch#defaults()})
     * @param minStepsize           below this step the next search starts again from the maximal step (≥ 0; default 1e-6)
     * @param increaseFactor        the first step of a search is the previous one times this (≥ 1; default 1.5)
     * @param stopIfLinesearchFails stop the run when a line search fails (default false: reset H and go on)
     */
    public record Options(LineSearch lineSearch, double minStepsize, double increaseFactor,
                          boolean stopIfLinesearchFails) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            if (lineSearch == null) {
                throw new IllegalArgumentException("BFGS.lineSearch: must not be null");
            }
            if (!(minStepsize >= 0) || Double.isInfinite(minStepsize)) {
                throw new IllegalArgumentException("BFGS.minStepsize: must be finite and >= 0, got " + minStepsize);
            }
            if (!(increaseFactor >= 1) || Double.isInfinite(increaseFactor)) {
                throw new IllegalArgumentException("BFGS.increaseFactor: must be finite and >= 1, got " + increaseFactor);
            }
        }

        public static Options defaults() {
            return new Options(ZoomLineSearch.defaults(), 1e-6, 1.5, false);
        }

        public Options withLineSearch(LineSearch value) {
            return new Options(value, minStepsize, increaseFactor, stopIfLinesearchFails);
        }

        public Options withMinStepsize(double value) {
            return new Options(lineSearch, value, increaseFactor, stopIfLinesearchFails);
        }

        public Options withIncreaseFactor(double value) {
            return new Options(lineSearch, minStepsize, value, stopIfLinesearchFails);
        }

        public Options withStopIfLinesearchFails(boolean value) {
            return new Options(lineSearch, minStepsize, increaseFactor, value);
        }
    }

    private final Options options;
    private final BiFunction<X, A, Tensor> fun;

    private BFGS(SolverOptions common, Options options, BiFunction<X, A, Tensor> fun) {
        super(common);
        if (options == null) {
            throw new IllegalArgumentException("BFGS: options is null");
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
    public static <X, A> BFGS<X, A> of(BiFunction<X, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("BFGS.of: fun is null");
        }
        return new BFGS<>(SolverOptions.defaults(), Options.defaults(), fun);
    }

    @Override
    protected BFGS<X, A> withOptions(SolverOptions common) {
        return new BFGS<>(common, options, fun);
    }

    public Options solverOptions() {
        return options;
    }

    public BFGS<X, A> with(Options value) {
        return new BFGS<>(options(), value, fun);
    }

    public BFGS<X, A> withLineSearch(LineSearch value) {
        return with(options.withLineSearch(value));
    }

    public BFGS<X, A> withMinStepsize(double value) {
        return with(options.withMinStepsize(value));
    }

    public BFGS<X, A> withIncreaseFactor(double value) {
        return with(options.withIncreaseFactor(value));
    }

    public BFGS<X, A> withStopIfLinesearchFails(boolean value) {
        return with(options.withStopIfLinesearchFails(value));
    }

    @Override
    public State<X> init(X initParams, A args) {
        Autodiff.ValueAndGrad<X> vg = DescentSteps.valueAndGrad(fun, initParams, args);
        int n = Pytree.size(initParams);
        return new State<>(0, Double.POSITIVE_INFINITY, vg.value().item(), vg.gradient(), Tensor.eye(n),
                options.lineSearch().maxStepsize(), 0, false);
    }

    @Override
    public OptStep<X, State<X>> update(X x, State<X> state, A args) {
        X grad = state.grad();
        Tensor h = state.inverseHessian();
        Tensor g = TreeVectors.flatten(grad);
        if (!Double.isFinite(DescentSteps.norm(g)) || !Double.isFinite(state.value())) {
            // NaN data or overflow: no direction and no search; the loop ends the run as NON_FINITE.
            return new OptStep<>(x, new State<>(state.iterations() + 1, Double.NaN, state.value(), grad, h,
                    state.stepsize(), state.failedLineSearches(), false));
        }
        Tensor d = h.matmul(g).neg();
        double slope0 = DescentSteps.vdot(g, d);
        if (!(slope0 < 0)) {
            // Not a descent direction (rounding in H): restart from steepest descent.
            h = Tensor.eye(g.size());
            d = g.neg();
            slope0 = -DescentSteps.vdot(g, g);
        }
        if (slope0 == 0) {
            return new OptStep<>(x, new State<>(state.iterations() + 1, 0.0, state.value(), grad, h, state.stepsize(),
                    state.failedLineSearches(), false));
        }
        X direction = TreeVectors.unflatten(x, d);
        LineSearch ls = options.lineSearch();
        double init = DescentSteps.initialStep(state.stepsize(), ls.maxStepsize(), options.minStepsize(),
                options.increaseFactor());
        DescentSteps.Moved<X> m = DescentSteps.move(fun, ls, x, args, state.value(), grad, direction, init);
        if (m.failed()) {
            return new OptStep<>(x, new State<>(state.iterations() + 1, DescentSteps.norm(grad), state.value(), grad,
                    Tensor.eye(g.size()), ls.maxStepsize(), state.failedLineSearches() + 1,
                    options.stopIfLinesearchFails()));
        }
        Tensor s = TreeVectors.flatten(m.params()).sub(TreeVectors.flatten(x));
        Tensor y = TreeVectors.flatten(m.grad()).sub(g);
        double sy = DescentSteps.vdot(s, y);
        if (sy > 1e-10 * DescentSteps.norm(s) * DescentSteps.norm(y)) {
            if (state.iterations() == 0) {
                // Nocedal and Wright eq. 6.20: scale H₀ = I by ⟨s, y⟩/⟨y, y⟩ before the first update.
                h = h.mul(s.vdot(y).div(y.vdot(y)));
            }
            Tensor rho = s.vdot(y).reciprocal();
            Tensor hy = h.matmul(y);
            Tensor yhy = y.vdot(hy);
            Tensor cross = s.outer(hy);
            h = h.sub(cross.add(cross.transpose()).mul(rho)).add(s.outer(s).mul(rho.square().mul(yhy).add(rho)));
        }
        return new OptStep<>(m.params(), new State<>(state.iterations() + 1, DescentSteps.norm(m.grad()), m.value(),
                m.grad(), h, m.stepsize(), state.failedLineSearches(), false));
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
