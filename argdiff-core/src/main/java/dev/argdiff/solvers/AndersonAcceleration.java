package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.Tag;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Anderson acceleration of the fixed-point iteration x⁺ = T(x, θ).
 *
 * <p>The solver keeps the last m iterates xᵢ and their residuals rᵢ = T(xᵢ) − xᵢ. A mixing step
 * chooses weights α with Σαᵢ = 1 minimizing ‖Σαᵢrᵢ‖² + ridge·s·‖α‖², i.e.
 * α ∝ (G + ridge·s·I)⁻¹1 with G = RᵀR the Gram matrix of the residuals and s its largest
 * diagonal entry, and moves to
 * <pre>
 *   x⁺ = Σαᵢxᵢ + β·Σαᵢrᵢ.
 * </pre>
 * Mixing steps happen once the history is full (m iterates) and then every
 * {@code mixingFrequency} iterations; the other iterations are plain fixed-point steps
 * x⁺ = T(x). The m×m system is solved with {@link LinearSolve} on the Gram matrix built with
 * tensor operations, so unrolling ({@code implicitDiff(false)}) differentiates through the
 * weights too. The ridge scale s is treated as a constant.
 *
 * <p><b>Unrolling past convergence.</b> Differentiated, one mixing step is
 * dx⁺ = Σαᵢ(dxᵢ + β·drᵢ) + Σdαᵢ(xᵢ + β·rᵢ), drᵢ = (∂ₓT − I)dxᵢ + ∂_θT. The weights are a
 * function of the residuals, with dα of the order of ‖dR‖/‖R‖ times the conditioning of the
 * Gram matrix. Once the residuals are at rounding level, ‖rᵢ‖ ≈ c·ε·‖x‖, the drᵢ (the residuals
 * of the tangent, which still converges) are not small, so dα is rounding noise amplified by
 * 1/ε: left alone, the unrolled derivative blows up (d(Σw*)/dλ of a ridge problem: −1.4e69 after
 * 500 iterations against 451.07) and forward and reverse mode disagree. Two guards, both
 * decided from the concrete residual and iterate only, so reverse, forward and checkpointed
 * unrolling take the same decisions:
 * <ol>
 *   <li>Near the floor — ‖r‖ ≤ {@value #NEAR_FLOOR}·ε·‖x‖ at the current iterate, and for
 *       {@value #NEAR_DELAY} iterations already (a run that converges fast reaches its tol in
 *       those iterations with the exact derivative of its iterates) — the weights are used
 *       without their derivative (α held constant): the step is then, for the
 *       tangent, the stationary mixing dx⁺ = Σαᵢ(dxᵢ + β·drᵢ), whose fixed point is the
 *       implicit derivative dx* = (I − ∂ₓT)⁻¹∂_θT because Σαᵢ = 1.</li>
 *   <li>At the floor — ‖r‖ ≤ {@value #AT_FLOOR}·ε·‖x‖, or near the floor with the error not
 *       halved for {@value #FLOOR_WINDOW} iterations — mixing stops and the step is
 *       <pre>  x⁺ = ⌊x⌋ + (T(x) − ⌊T(x)⌋)</pre>
 *       (⌊·⌋ = {@link Autodiff#stopGradient}): its value is x exactly, so the iterate (and
 *       hence the decision) stays put, while its derivative is the plain fixed-point tangent
 *       step dx⁺ = ∂ₓT·dx + ∂_θT, which converges to dx* at the rate of the contraction factor
 *       q of T at x*. The guard never moves the primal solution: from the floor on, the
 *       iterate is the one the run reached first (the unguarded run only wanders in the
 *       noise). This needs ‖∂ₓT‖ &lt; 1 near x*: the solver records the largest
 *       ‖T(x⁺) − T(x)‖/‖x⁺ − x‖ seen on its steps before the floor zone, and if that reached 1
 *       (T expands some step, as Anderson allows) the floor step keeps x and its derivative
 *       instead, so the derivative stays at its value at the floor rather than diverging (for
 *       T(x) = θb − 1.5x: 2.4 exactly at 20 iterations; the plain step gave 3.8e71 at 500).</li>
 * </ol>
 * What this guarantees: past the floor the unrolled derivative converges like
 * q^(k − k_floor), whatever the number of iterations (it no longer diverges), and the three
 * unrolling modes agree. What it cannot: a tangent still far from dx* at the floor converges
 * only at rate q, so for slowly contracting maps the budget must allow it. Measured
 * (d(Σw*)/dλ of ridge regression on the diabetes data with T(w) = w − s∇f(w), λ = 0.01, tol 0,
 * against the implicit derivative 451.0710048): step s = 1 (q ≈ 0.99), 3.9e-7 relative at 100
 * iterations, 2.3e-9 at 500, 6e-15 at 2000 (unguarded: −1.4e69 at 500); warm-started at x*
 * (the tangent starts at 0 and converges only at rate q), 0.15 at 100 and 1.3e-9 at 2000;
 * step s = 0.1 (q ≈ 0.999), 7.7e-2 at 500, 1.3e-2 at 2000, 1.6e-4 at 6000 — no fixed budget
 * reaches 1e-6 for q close to 1, and neither would plain fixed-point iteration. The implicit
 * derivative ({@code implicitDiff(true)}, the default) has none of these limits.
 *
 * <p>Error: ‖T(x) − x‖ at the returned iterate (each iteration costs one evaluation of T, plus
 * one in {@link #init}). Optimality condition: F(x, θ) = T(x, θ) − x.
 *
 * <p>Defaults, as JAXopt's {@code AndersonAcceleration}: history size m = 5 (≥ 2), mixing
 * frequency 1, β = 1, ridge 1e-5. Departures: (1) the ridge is relative to the scale s of the
 * residuals — JAXopt adds it unscaled, which once the residuals fall below √ridge ≈ 3e-3 turns
 * the mixing into a plain average of the last m iterates and slows convergence to tight
 * tolerances; (2) the error is measured at the returned iterate, which is the mixed point (JAXopt
 * returns T of it and reports the residual of the point before). Common options in
 * {@link SolverOptions} (maxiter 500, tol 1e-6; JAXopt: 100 and 1e-5).
 *
 * <pre>{@code
 * // x = cos(x), componentwise: 17 iterations to 1e-12, against 71 for FixedPointIteration
 * var aa = AndersonAcceleration.<Tensor, Object>of((x, a) -> x.cos()).tol(1e-12);
 * Tensor x = aa.run(Tensor.zeros(3), List.of()).params();   // 0.739085… in every entry
 * }</pre>
 *
 * <p>Reference: D. G. Anderson, "Iterative procedures for nonlinear integral equations", J. ACM
 * 1965; H. F. Walker, P. Ni, "Anderson acceleration for fixed-point iterations", SIAM J. Numer.
 * Anal. 2011; S. Pollock, L. Rebholz, "Anderson acceleration for contractive and noncontractive
 * operators", IMA J. Numer. Anal. 2021 (arXiv:1909.04638).
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of T
 */
public final class AndersonAcceleration<X, A>
        extends IterativeSolver<X, A, AndersonAcceleration.State<X>, AndersonAcceleration<X, A>> {

    /**
     * Iterations, error ‖T(x) − x‖ of the current iterate (+∞ before the first update), the
     * last (at most m) iterates and their residuals T(xᵢ) − xᵢ, oldest first (the current iterate
     * and its residual are the last entries), and the best error so far with the iteration that
     * reached it (improvements by less than half ignored) and the iteration at which the error
     * entered the near-floor zone (−1 outside it), and the largest ‖T(x⁺) − T(x)‖/‖x⁺ − x‖ seen
     * on a step before that zone; these decide the floor guards (class notes).
     */
    public record State<X>(int iterations, double error, List<X> paramsHistory, List<X> residualsHistory,
                           double bestError, int bestIteration, int nearSince, double growth)
            implements SolverState {
    }

    /** Below NEAR_FLOOR·ε·‖x‖ the residual carries too few exact digits to differentiate α. */
    static final double NEAR_FLOOR = 1e6;
    /** At AT_FLOOR·ε·‖x‖ the residual is rounding noise. */
    static final double AT_FLOOR = 100;
    /** Iterations near the floor without halving the error after which the floor is reached. */
    static final int FLOOR_WINDOW = 10;
    /** Iterations near the floor with differentiated weights (a fast run ends there exactly). */
    static final int NEAR_DELAY = 5;

    /**
     * The options of Anderson acceleration (defaults as JAXopt's).
     *
     * @param historySize     the number m of iterates mixed (≥ 2; default 5)
     * @param mixingFrequency mix every this many iterations once the history is full (≥ 1; default 1)
     * @param beta            the weight β of the mixed residual (finite, &gt; 0; default 1)
     * @param ridge           the relative ridge of the mixing system (finite, &gt; 0; default 1e-5)
     */
    public record Options(int historySize, int mixingFrequency, double beta, double ridge) {

        /** @throws IllegalArgumentException naming the option and its value when one is out of range */
        public Options {
            if (historySize < 2) {
                throw new IllegalArgumentException("AndersonAcceleration.historySize: must be >= 2 (use "
                        + "FixedPointIteration for no history), got " + historySize);
            }
            if (mixingFrequency < 1) {
                throw new IllegalArgumentException("AndersonAcceleration.mixingFrequency: must be >= 1, got "
                        + mixingFrequency);
            }
            if (!(beta > 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("AndersonAcceleration.beta: must be finite and > 0, got " + beta);
            }
            if (!(ridge > 0) || Double.isInfinite(ridge)) {
                throw new IllegalArgumentException("AndersonAcceleration.ridge: must be finite and > 0, got " + ridge);
            }
        }

        public static Options defaults() {
            return new Options(5, 1, 1.0, 1e-5);
        }

        public Options withHistorySize(int value) {
            return new Options(value, mixingFrequency, beta, ridge);
        }

        public Options withMixingFrequency(int value) {
            return new Options(historySize, value, beta, ridge);
        }

        public Options withBeta(double value) {
            return new Options(historySize, mixingFrequency, value, ridge);
        }

        public Options withRidge(double value) {
            return new Options(historySize, mixingFrequency, beta, value);
        }
    }

    private final BiFunction<X, A, X> fixedPointFun;
    private final Options own;
    // Unpacked from own: the names the iteration reads.
    private final int historySize;
    private final int mixingFrequency;
    private final double beta;
    private final double ridge;

    private AndersonAcceleration(SolverOptions options, Options own, BiFunction<X, A, X> fixedPointFun) {
        super(options);
        this.fixedPointFun = fixedPointFun;
        this.own = own;
        this.historySize = own.historySize();
        this.mixingFrequency = own.mixingFrequency();
        this.beta = own.beta();
        this.ridge = own.ridge();
    }

    /**
     * A solver for x = T(x, args).
     *
     * @param fixedPointFun T, returning a tree of the same structure and shapes as x
     * @throws IllegalArgumentException if {@code fixedPointFun} is null
     */
    public static <X, A> AndersonAcceleration<X, A> of(BiFunction<X, A, X> fixedPointFun) {
        if (fixedPointFun == null) {
            throw new IllegalArgumentException("AndersonAcceleration.of: fixedPointFun is null");
        }
        return new AndersonAcceleration<>(SolverOptions.defaults(), Options.defaults(), fixedPointFun);
    }

    @Override
    protected AndersonAcceleration<X, A> withOptions(SolverOptions options) {
        return new AndersonAcceleration<>(options, own, fixedPointFun);
    }

    /** A copy with these options. @throws IllegalArgumentException if value is null */
    public AndersonAcceleration<X, A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("AndersonAcceleration.with: options is null");
        }
        return new AndersonAcceleration<>(options(), value, fixedPointFun);
    }

    /** This solver's own options. */
    public Options own() {
        return own;
    }

    /** The number m of iterates mixed (≥ 2; default 5). */
    public AndersonAcceleration<X, A> historySize(int value) {
        return with(own.withHistorySize(value));
    }

    /** Mix every this many iterations once the history is full (≥ 1; default 1: every iteration). */
    public AndersonAcceleration<X, A> mixingFrequency(int value) {
        return with(own.withMixingFrequency(value));
    }

    /** The weight β of the mixed residual (finite, > 0; default 1). */
    public AndersonAcceleration<X, A> beta(double value) {
        return with(own.withBeta(value));
    }

    /** The relative ridge of the mixing system (finite, > 0; default 1e-5). */
    public AndersonAcceleration<X, A> ridge(double value) {
        return with(own.withRidge(value));
    }

    /** The number of past iterates kept. */
    public int historySize() {
        return historySize;
    }

    /** How often (in iterations) the mixing step is applied. */
    public int mixingFrequency() {
        return mixingFrequency;
    }

    /** The mixing parameter. */
    public double beta() {
        return beta;
    }

    /** The ridge added to the operator's diagonal. */
    public double ridge() {
        return ridge;
    }

    @Override
    public State<X> init(X initParams, A args) {
        X residual = residual(initParams, args);
        return new State<>(0, Double.POSITIVE_INFINITY, List.of(initParams), List.of(residual),
                Double.POSITIVE_INFINITY, 0, -1, 0.0);
    }

    /**
     * One iteration, from the histories of the state (whose last entry is the current iterate, so
     * {@code x} itself is not read): a mixing step, a fixed-point step, or at the rounding floor
     * a step that keeps x and advances only its derivative (see the class notes); then one
     * evaluation of T at the new iterate.
     */
    @Override
    public OptStep<X, State<X>> update(X x, State<X> state, A args) {
        List<X> xs = state.paramsHistory();
        List<X> rs = state.residualsHistory();
        X last = xs.get(xs.size() - 1);
        X lastResidual = rs.get(rs.size() - 1);
        double ratio = floorRatio(last, lastResidual);
        // Decided from concrete values and this state alone: every unrolling mode decides alike.
        int nearSince = ratio <= NEAR_FLOOR ? (state.nearSince() < 0 ? state.iterations() : state.nearSince()) : -1;
        boolean near = nearSince >= 0 && state.iterations() - nearSince >= NEAR_DELAY;
        boolean floor = ratio <= AT_FLOOR
                || (ratio <= NEAR_FLOOR && state.iterations() - state.bestIteration() >= FLOOR_WINDOW);
        X next;
        if (floor && !(state.growth() < 1)) {
            // T was seen to expand a step: its tangent iteration would diverge, so keep x and its derivative.
            next = last;
        } else if (floor) {
            // Value x exactly (t − ⌊t⌋ is 0.0), derivative that of T(x) = x + r.
            X t = Pytree.map2(last, lastResidual, Tensor::add);
            next = Pytree.map2(Autodiff.stopGradient(last),
                    Pytree.map2(t, Autodiff.stopGradient(t), Tensor::sub), Tensor::add);
        } else if (xs.size() >= historySize && state.iterations() % mixingFrequency == 0) {
            next = mix(xs, rs, near);
        } else {
            // A plain fixed-point step: T(x) = x + r.
            next = Pytree.map2(xs.get(xs.size() - 1), rs.get(rs.size() - 1), Tensor::add);
        }
        X r = residual(next, args);
        double error = Math.sqrt(Pytree.vdot(Autodiff.stopGradient(r), Autodiff.stopGradient(r)).item());
        double best = state.bestError();
        int bestAt = state.bestIteration();
        if (error < 0.5 * best) {
            best = error;
            bestAt = state.iterations() + 1;
        }
        double growth = state.growth();
        if (ratio > NEAR_FLOOR) {
            growth = Math.max(growth, stepGrowth(last, lastResidual, next, r));
        }
        return new OptStep<>(next, new State<>(state.iterations() + 1, error, push(xs, next), push(rs, r),
                best, bestAt, nearSince, growth));
    }

    /** ‖Δx + Δr‖/‖Δx‖ = ‖T(x⁺) − T(x)‖/‖x⁺ − x‖, a lower bound on the Lipschitz constant of T (0 if x⁺ = x). */
    private static double stepGrowth(Object x, Object r, Object nextX, Object nextR) {
        double[] x0 = Pytree.toArray(Autodiff.stopGradient(x));
        double[] r0 = Pytree.toArray(Autodiff.stopGradient(r));
        double[] x1 = Pytree.toArray(Autodiff.stopGradient(nextX));
        double[] r1 = Pytree.toArray(Autodiff.stopGradient(nextR));
        double dx = 0;
        double dt = 0;
        for (int i = 0; i < x0.length; i++) {
            double a = x1[i] - x0[i];
            double b = a + r1[i] - r0[i];
            dx += a * a;
            dt += b * b;
        }
        return dx > 0 ? Math.sqrt(dt / dx) : 0.0;
    }

    /** ‖r‖/(ε·‖x‖) from concrete values (+∞ for x = 0, NaN for non-finite values). */
    private static double floorRatio(Object x, Object r) {
        double[] xa = Pytree.toArray(Autodiff.stopGradient(x));
        double[] ra = Pytree.toArray(Autodiff.stopGradient(r));
        double xx = 0;
        double rr = 0;
        for (double v : xa) {
            xx += v * v;
        }
        for (double v : ra) {
            rr += v * v;
        }
        return Math.sqrt(rr) / (Math.ulp(1.0) * Math.sqrt(xx));
    }

    /**
     * Σαᵢxᵢ + β·Σαᵢrᵢ with α ∝ (G + ridge·s·I)⁻¹1, in tensor operations; α without its
     * derivative when {@code near}.
     */
    private X mix(List<X> xs, List<X> rs, boolean near) {
        int k = xs.size();
        List<Tensor> xFlat = new ArrayList<>(k);
        List<Tensor> rFlat = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            xFlat.add(TreeVectors.flatten(xs.get(i)));
            rFlat.add(TreeVectors.flatten(rs.get(i)));
        }
        Tensor r = Tensor.stack(rFlat, 0);                  // k × n
        Tensor gram = r.matmul(r.transpose());
        gram = gram.add(gram.transpose()).mul(0.5);         // exactly symmetric whatever the matmul kernel
        double scale = 0;
        for (int i = 0; i < k; i++) {
            scale = Math.max(scale, gram.get(i, i));
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            scale = 1.0;
        }
        Tensor system = gram.add(Tensor.eye(k).mul(ridge * scale));
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(system).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        Tensor z = LinearSolve.solve(op, Tensor.ones(k), LinearSolver.cholesky());
        Tensor alpha = z.div(z.sum());
        if (near) {
            alpha = Autodiff.stopGradient(alpha);
        }
        Tensor points = Tensor.stack(xFlat, 0);
        Tensor mixed = alpha.matmul(beta == 1.0 ? points.add(r) : points.add(r.mul(beta)));
        return TreeVectors.unflatten(xs.get(k - 1), mixed);
    }

    private List<X> push(List<X> history, X value) {
        int from = Math.max(0, history.size() + 1 - historySize);
        List<X> out = new ArrayList<>(history.subList(from, history.size()));
        out.add(value);
        return Collections.unmodifiableList(out);
    }

    private X residual(X x, A args) {
        X t = fixedPointFun.apply(x, args);
        if (t == null) {
            throw new IllegalStateException("AndersonAcceleration: fixedPointFun returned null");
        }
        FixedPointIteration.requireShapedLike("AndersonAcceleration", t, x);
        return Pytree.map2(t, x, Tensor::sub);
    }

    @Override
    public X optimality(X params, A args) {
        return ImplicitDiff.fixedPointResidual(fixedPointFun).apply(params, args);
    }
}
