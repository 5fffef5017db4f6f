package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.prox.ProxOperator;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.IntToDoubleFunction;

/**
 * Proximal gradient descent for min_x f(x, θ) + g(x, θ), with f smooth and g given by its
 * proximal operator; FISTA acceleration (default) and a backtracking line search (default) or
 * a fixed step.
 *
 * <p>Iteration (accelerated): x⁺ = prox_{s·g}(y − s∇f(y)); t⁺ = (1 + √(1 + 4t²))/2;
 * y⁺ = x⁺ + ((t − 1)/t⁺)(x⁺ − x). The line search starts from the step accepted at the previous
 * iteration (1 at the first) and multiplies it by {@code stepFactor} until the sufficient-decrease
 * condition f(x⁺) ≤ f(y) + ⟨∇f(y), x⁺ − y⟩ + ‖x⁺ − y‖²/(2s) holds (at most {@code maxls} times).
 * Unlike JAXopt, which restarts every search from s/stepFactor (and so backtracks at nearly every
 * iteration), the step never grows, as in Beck and Teboulle's backtracking FISTA. This also keeps
 * unrolled derivatives stable: a step grown by local tests beyond the curvature of the other
 * directions (on the diabetes lasso, s = 8 where 1/L = 2.92) makes the linearised iteration
 * unstable, so unrolling past convergence amplifies rounding noise (−3.9·10⁶ at 250 iterations
 * where the derivative is 155.659) and forward, reverse and checkpointed unrolling disagree.
 * One more departure: where the curvature term ‖x⁺ − y‖²/(2s) is within the rounding noise of f
 * (near the optimum), the value test is decided by rounding and would stall the solver near 1e-8;
 * there the gradient test ⟨∇f(x⁺) − ∇f(y), x⁺ − y⟩ ≤ ‖x⁺ − y‖²/s decides, so that the solver
 * converges to machine precision. It costs a gradient at x⁺, so it runs only at the first iteration,
 * at every 8th and after a reduction; in between, the step accepted last is kept
 * (a step too long near the optimum only makes the iterates oscillate until the next check reduces
 * it; the fixed point does not depend on s).
 *
 * <p>Cost per iteration, in evaluations of f (for f(x) = ½‖Ax − b‖², one product with A each) and of
 * its gradient (one product with A and one with Aᵀ each, f included): with a fixed step, one
 * gradient (2 products); with the line search, one value and gradient at y and one value at x⁺
 * (3 products), plus one value per backtracking step; within the rounding noise of f, no value at
 * x⁺ (2 products), and a gradient at x⁺ (2 more) where the gradient test decides. The prox is
 * applied once per trial step.
 *
 * <p>Error: the gradient mapping ‖x⁺ − y‖/s at the extrapolated point (JAXopt's), from quantities
 * the iteration has computed. Optimality condition (for implicit differentiation):
 * F(x, θ) = prox_{g}(x − ∇f(x, θ), θ, 1) − x, whose root is the minimizer for any step
 * (the fixed point of the proximal-gradient map with unit step).
 *
 * <p>Options ({@link Options}, shared with GradientDescent and ProjectedGradient): line search
 * (stepsize ≤ 0, default) or a fixed step or a schedule s(k), maxls 15, stepFactor 0.5,
 * acceleration on, adaptive restart off (see {@link #restart}); common options in
 * {@link SolverOptions}. The smooth part may return aux or its own gradient ({@link Objective}).
 *
 * <p>References: A. Beck, M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for
 * linear inverse problems", SIAM J. Imaging Sciences 2009; Yu. Nesterov, "Gradient methods for
 * minimizing composite functions", Math. Programming 2013.
 *
 * <p>Example: the lasso min ½‖Xw − y‖² + λ‖w‖₁ and the derivative of its solution in λ:
 * <pre>{@code
 * record Lasso(Tensor lam, Tensor x, Tensor y) {}
 * Tensor x = Tensor.of(new double[][] {{1, 0}, {0, 1}, {1, 1}});
 * Tensor y = Tensor.of(2, 1, 2);
 * ProximalGradient<Tensor, Lasso> pg = ProximalGradient.<Tensor, Lasso>of(
 *         (w, a) -> a.x().matmul(w).sub(a.y()).square().sum().mul(0.5),
 *         (w, a, step) -> Prox.lasso(w, a.lam(), step))
 *     .maxiter(2000).tol(1e-10);
 * Tensor w = pg.run(Tensor.zeros(2), new Lasso(Tensor.scalar(1.0), x, y)).params();
 * Tensor dw = Autodiff.jacfwd((Tensor lam) -> pg.run(Tensor.zeros(2), new Lasso(lam, x, y)).params())
 *         .apply(Tensor.scalar(1.0));         // w = [4/3, 1/3], ∂w/∂λ = −(XᵀX)⁻¹·sign(w) = [−1/3, −1/3]
 * }</pre>
 */
public final class ProximalGradient<X, A>
        extends IterativeSolver<X, A, ProximalGradient.State<X>, ProximalGradient<X, A>> {

    /**
     * Iterations, error, the extrapolated point y, the momentum t, the current step size, the
     * objective's aux at the current iterate (null unless the objective has aux; not differentiated),
     * and whether a line search failed with stopIfLinesearchFails set (only {@link GradientDescent}
     * with a {@link LineSearch} sets it; false otherwise).
     */
    public record State<X>(int iterations, double error, X y, double t, double stepsize, Object aux,
                           boolean lineSearchFailedStop) implements SolverState {
        /** A state whose line search did not stop the run. */
        public State(int iterations, double error, X y, double t, double stepsize, Object aux) {
            this(iterations, error, y, t, stepsize, aux, false);
        }
    }

    /**
     * The step-size and line-search options of ProximalGradient, {@link GradientDescent} and
     * {@link ProjectedGradient}.
     *
     * @param stepsize     a fixed step size (&gt; 0), or ≤ 0 for the backtracking line search (default 0)
     * @param schedule     a step size as a function of the iteration number k = 0, 1, … (values finite
     *                     and &gt; 0), used instead of {@code stepsize} and the line search; null (default) for none
     * @param maxls        the largest number of step reductions per line search (≥ 0; default 15)
     * @param stepFactor   the line search's reduction factor in (0, 1) (default 0.5)
     * @param acceleration FISTA/Nesterov acceleration (default true)
     * @param restart      adaptive restart of the acceleration (default false; see {@link ProximalGradient#restart})
     */
    public record Options(double stepsize, IntToDoubleFunction schedule, int maxls, double stepFactor,
                          boolean acceleration, boolean restart) {

        /** @throws IllegalArgumentException naming the option and its value when one is out of range */
        public Options {
            if (!Double.isFinite(stepsize)) {
                throw new IllegalArgumentException("stepsize must be finite, got " + stepsize);
            }
            if (maxls < 0) {
                throw new IllegalArgumentException("maxls must be >= 0, got " + maxls);
            }
            if (!(stepFactor > 0 && stepFactor < 1)) {
                throw new IllegalArgumentException("stepFactor must be in (0, 1), got " + stepFactor);
            }
        }

        public static Options defaults() {
            return new Options(0.0, null, 15, 0.5, true, false);
        }

        public Options withStepsize(double value) {
            return new Options(value, null, maxls, stepFactor, acceleration, restart);
        }

        public Options withSchedule(IntToDoubleFunction value) {
            if (value == null) {
                throw new IllegalArgumentException("schedule must not be null (use withStepsize for a fixed step)");
            }
            return new Options(stepsize, value, maxls, stepFactor, acceleration, restart);
        }

        public Options withMaxls(int value) {
            return new Options(stepsize, schedule, value, stepFactor, acceleration, restart);
        }

        public Options withStepFactor(double value) {
            return new Options(stepsize, schedule, maxls, value, acceleration, restart);
        }

        public Options withAcceleration(boolean value) {
            return new Options(stepsize, schedule, maxls, stepFactor, value, restart);
        }

        public Options withRestart(boolean value) {
            return new Options(stepsize, schedule, maxls, stepFactor, acceleration, value);
        }

        /** The step of iteration k: the schedule's, or the fixed step (≤ 0: line search). */
        double stepAt(int k) {
            return StepSchedule.stepAt("ProximalGradient", schedule, stepsize, k);
        }
    }

    /**
     * Within the rounding noise of f the line search rechecks the kept step with the gradient test at
     * every this many iterations (and at the first): near the optimum a line-search iteration costs
     * 2 + 2/8 products on average instead of 4.
     */
    static final int BAND_RECHECK = 8;

    /** Multiples of ulp(|f|) taken as the rounding error of a difference of two values of f. */
    private static final double ROUNDOFF_FACTOR = 16.0;

    private final Objective<X, A> fun;
    private final ProxOperator<X, A> prox;
    private final Options own;

    private ProximalGradient(SolverOptions options, Options own, Objective<X, A> fun, ProxOperator<X, A> prox) {
        super(options);
        this.fun = fun;
        this.prox = prox;
        this.own = own;
    }

    /**
     * A solver for min f(x, θ) + g(x, θ).
     *
     * @param fun  the smooth part f(x, args), a scalar
     * @param prox the proximal operator of g, taking its hyperparameters from args
     */
    public static <X, A> ProximalGradient<X, A> of(BiFunction<X, A, Tensor> fun, ProxOperator<X, A> prox) {
        if (fun == null) {
            throw new IllegalArgumentException("ProximalGradient.of: fun is null");
        }
        return ofObjective(Objective.of(fun), prox);
    }

    /**
     * A solver for min f(x, θ) + g(x, θ) with f in any {@link Objective} form (with aux, or with a
     * user-supplied gradient).
     */
    public static <X, A> ProximalGradient<X, A> ofObjective(Objective<X, A> fun, ProxOperator<X, A> prox) {
        if (fun == null) {
            throw new IllegalArgumentException("ProximalGradient.of: fun is null");
        }
        if (prox == null) {
            throw new IllegalArgumentException("ProximalGradient.of: prox is null");
        }
        return new ProximalGradient<>(SolverOptions.defaults(), Options.defaults(), fun, prox);
    }

    @Override
    protected ProximalGradient<X, A> withOptions(SolverOptions options) {
        return new ProximalGradient<>(options, own, fun, prox);
    }

    /** A copy with these step-size and line-search options. */
    public ProximalGradient<X, A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("ProximalGradient.with: options is null");
        }
        return new ProximalGradient<>(options(), value, fun, prox);
    }

    public Options own() {
        return own;
    }

    /** The smooth part f. */
    Objective<X, A> objective() {
        return fun;
    }

    /** A fixed step size (> 0), or ≤ 0 for the backtracking line search (default). */
    public ProximalGradient<X, A> stepsize(double value) {
        return with(own.withStepsize(value));
    }

    /** A step size s(k) at iteration k = 0, 1, … (finite, > 0), instead of a fixed step or the line search. */
    public ProximalGradient<X, A> stepsize(IntToDoubleFunction schedule) {
        return with(own.withSchedule(schedule));
    }

    /** The largest number of step reductions per line search (default 15). */
    public ProximalGradient<X, A> maxls(int value) {
        return with(own.withMaxls(value));
    }

    /** The line search's reduction factor in (0, 1) (default 0.5). */
    public ProximalGradient<X, A> stepFactor(double value) {
        return with(own.withStepFactor(value));
    }

    /** FISTA acceleration (default true). */
    public ProximalGradient<X, A> acceleration(boolean value) {
        return with(own.withAcceleration(value));
    }

    /**
     * Adaptive restart of the acceleration (default false, JAXopt's behaviour): when the step
     * x⁺ − x points against the extrapolation, (y − x⁺)ᵀ(x⁺ − x) > 0, the momentum is reset
     * (t = 1, y = x⁺). Without it FISTA's iterates converge only sublinearly and, with the line
     * search's step changes, can stall around 1e-8 relative; with it the convergence is linear on
     * locally strongly convex problems. B. O'Donoghue, E. Candès, "Adaptive restart for
     * accelerated gradient schemes", Found. Comput. Math. 2015.
     */
    public ProximalGradient<X, A> restart(boolean value) {
        return with(own.withRestart(value));
    }

    @Override
    public State<X> init(X initParams, A args) {
        return new State<>(0, Double.POSITIVE_INFINITY, initParams, 1.0, 1.0, null);
    }

    @Override
    public OptStep<X, State<X>> update(X x, State<X> state, A args) {
        X point = own.acceleration() ? state.y() : x;
        Step<X> step;
        double stepsize = own.stepAt(state.iterations());
        if (stepsize > 0) {
            // A fixed step needs only the gradient at the point: one evaluation of f and its gradient.
            X grad = fun.grad(point, args);
            step = new Step<>(proxGrad(point, grad, stepsize, args), stepsize, Double.NaN);
        } else {
            Autodiff.ValueAndGrad<X> vg = fun.valueAndGrad(point, args);
            // Within the noise of f the step accepted last is kept untested, except at the first iteration (the step
            // is the initial guess) and at every BAND_RECHECK-th one.
            boolean keepWithinNoise = state.iterations() % BAND_RECHECK != 0;
            step = lineSearch(point, vg.value(), vg.gradient(), state.stepsize(), keepWithinNoise, args);
        }
        X next = step.x();
        // The solver's own arithmetic on concrete values (never differentiated, or nothing traces the iterates):
        // loops over flat arrays instead of element-wise tensor operations (see FlatValues).
        double[] nextV = FlatValues.values(next);
        double[] pointV = FlatValues.values(point);
        double[] xV = own.acceleration() ? FlatValues.values(x) : pointV;
        X nextY = next;
        double nextT = state.t();
        if (own.acceleration()) {
            if (own.restart() && FlatValues.dotOfDifferences(pointV, nextV, nextV, xV) > 0) {
                // (y − x⁺)ᵀ(x⁺ − x) > 0: a discrete decision on concrete values, never differentiated.
                nextT = 1.0;
            } else {
                nextT = 0.5 * (1 + Math.sqrt(1 + 4 * state.t() * state.t()));
                double momentum = (state.t() - 1) / nextT;
                nextY = FlatValues.concrete(next, x)
                        ? FlatValues.tree(next, FlatValues.extrapolate(nextV, xV, momentum))
                        : Pytree.map2(next, x, (a, b) -> a.addScaled(momentum, a.sub(b)));
            }
        }
        // The gradient mapping ‖x⁺ − y‖/s at the point, from quantities already computed (as JAXopt does).
        double sq = Double.isNaN(step.squaredDistance()) ? FlatValues.squaredDistance(nextV, pointV)
                : step.squaredDistance();
        double error = Math.sqrt(sq) / step.stepsize();
        return new OptStep<>(next, new State<>(state.iterations() + 1, error, nextY, nextT, step.stepsize(),
                auxAt(next, args)));
    }

    /** The objective's aux at x (one more evaluation of f, only for an objective with aux). */
    Object auxAt(X x, A args) {
        return fun.hasAux() ? fun.valueAndAux(Autodiff.stopGradient(x), Autodiff.stopGradient(args)).aux() : null;
    }

    /** The accepted point, its step and ‖x⁺ − y‖² (NaN where the step did not compute it). */
    private record Step<X>(X x, double stepsize, double squaredDistance) {
    }

    /**
     * One proximal-gradient step from {@code point} with the backtracking line search, starting
     * from the step accepted last (the step never grows: see the class comment). Its tests read
     * concrete values only, as flat arrays. {@code keepWithinNoise}: where the curvature term is within
     * the noise of f, accept {@code current} without a test (see the comment inside).
     */
    private Step<X> lineSearch(X point, Tensor value, X grad, double current, boolean keepWithinNoise, A args) {
        double s = current;
        X next = proxGrad(point, grad, s, args);
        double f0 = value.item();
        // f(x⁺) − f(y) is the difference of two values of size |f(y)|: its rounding error is about |f|·ε. The value
        // test below decides on f(x⁺) − f(y) − ⟨∇f(y), x⁺ − y⟩, a curvature term of size ‖x⁺ − y‖²/(2s); where that
        // term is not well above the noise (near the optimum, and for composite objectives even when f(x⁺) − f(y)
        // itself is large, since ∇f(y) ≠ 0 at the solution) the test is decided by rounding and the solver stalls.
        // There the gradient form of the same curvature condition, ⟨∇f(x⁺) − ∇f(y), x⁺ − y⟩ ≤ ‖x⁺ − y‖²/s, decides
        // (as TFOCS does), at the cost of a gradient at x⁺ — but only at the first iteration, at every BAND_RECHECK-th
        // one and after a reduction within this search. At the other iterations the step an earlier test accepted is
        // kept untested: no step size can make the answer wrong (a fixed point of the prox-gradient map is one for
        // every s), and a step too long for the curvature near the optimum makes the iterates oscillate (bounded
        // when ∇f is, so they may never leave the noise band: ProximalGradientNoiseBandTest) until the next recheck
        // rejects it and the search reduces it.
        double noise = ROUNDOFF_FACTOR * Math.ulp(Math.abs(f0));
        double[] gradV = FlatValues.values(grad);
        double[] pointV = FlatValues.values(point);
        A argsC = concreteArgs(args);
        double sq = Double.NaN;
        for (int i = 0; i < own.maxls(); i++) {
            double[] nextV = FlatValues.values(next);
            sq = FlatValues.squaredDistance(nextV, pointV);
            boolean sufficient;
            if (0.5 * sq > 100 * s * noise) {
                double fdiff = fun.value(Autodiff.stopGradient(next), argsC).item() - f0;
                // Sufficient decrease, with the terms multiplied by s for numerical stability (as JAXopt does):
                // s·(f(x⁺) − f(y)) ≤ s·⟨x⁺ − y, ∇f(y)⟩ + ½‖x⁺ − y‖² (+ ε).
                sufficient = !(s * fdiff > s * FlatValues.dotOfDifference(nextV, pointV, gradV) + 0.5 * sq
                        + Math.ulp(1.0));
            } else if (sq == 0) {
                sufficient = true; // x⁺ = y: any step satisfies both tests
            } else if (keepWithinNoise && i == 0) {
                sufficient = true; // within the noise, the step accepted last: see above
            } else {
                double[] gradNext = FlatValues.values(fun.grad(Autodiff.stopGradient(next), argsC));
                sufficient = s * FlatValues.dotOfDifferences(gradNext, gradV, nextV, pointV) <= sq;
            }
            if (sufficient) {
                return new Step<>(next, s, sq);
            }
            s *= own.stepFactor();
            next = proxGrad(point, grad, s, args);
            sq = Double.NaN;
        }
        return new Step<>(next, s, sq);
    }

    private A concreteArgs(A args) {
        return Pytree.isConcrete(args) ? args : Autodiff.stopGradient(args);
    }

    private X proxGrad(X x, X grad, double s, A args) {
        X moved = FlatValues.concrete(x, grad)
                ? FlatValues.tree(x, FlatValues.step(FlatValues.values(x), s, FlatValues.values(grad)))
                : Pytree.map2(x, grad, (a, g) -> a.subScaled(s, g));
        return prox.apply(moved, args, s);
    }

    @Override
    public X optimality(X x, A args) {
        X grad = fun.grad(x, args);
        X fixedPoint = proxGrad(x, grad, 1.0, args);
        return Pytree.map2(fixedPoint, x, Tensor::sub);
    }
}
