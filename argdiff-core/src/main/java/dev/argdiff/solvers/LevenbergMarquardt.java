package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Levenberg–Marquardt for nonlinear least squares min_x ½‖r(x, θ)‖², r a tensor of any shape
 * (flattened to m entries), x a tree (n entries), with Nielsen's damping update and optional
 * geodesic acceleration.
 *
 * <p>Iteration (Madsen, Nielsen, Tingleff, Algorithm 3.16): with J = ∂ₓr and g = Jᵀr at x,
 * solve (JᵀJ + μI)·h = −g (Cholesky). Gain ratio ρ = (F(x) − F(x + h)) / (½·hᵀ(μh − g)),
 * F = ½‖r‖². If ρ &gt; 0 the step is taken, J and r are recomputed at x + h, and
 * μ ← μ·max(1/3, 1 − (2ρ − 1)³), ν ← 2; otherwise x stays, μ ← μ·ν, ν ← 2ν. Initially
 * μ = τ·max diag(JᵀJ), ν = 2.
 *
 * <p>Geodesic acceleration (Transtrum and Sethna 2012; off by default): with r_vv the second
 * directional derivative of r along h (a JVP of a JVP), a solves (JᵀJ + μI)·a = −Jᵀr_vv and the
 * trial step is h + a/2, accepted only when 2‖a‖/‖h‖ ≤ α ({@code contributionRatioThreshold})
 * and ρ (with the full step) &gt; 0.
 *
 * <p>Departure (as in {@link BacktrackingLineSearch}): where the predicted decrease is within the
 * rounding noise of F (100·ulp(F)), ρ is noise; a step that does not raise F beyond that noise is
 * taken with ρ = 1. Without this, every step near a minimizer with nonzero residual is rejected
 * and ‖Jᵀr‖ stalls near 1e-10 (measured on linear least squares with 6 residuals).
 *
 * <p>The damped systems are solved by Cholesky without its accuracy check (an inaccurate step of an
 * ill-conditioned system, e.g. at Powell's singular minimizer, is judged by ρ like any other).
 *
 * <p>A rejected step is an iteration (the error stays), as in JAXopt. The decisions (ρ, μ, ν)
 * are made on concrete values; an unrolled run differentiates through the accepted steps.
 *
 * <p>Error: ‖Jᵀr‖ at the returned iterate. Optimality condition: F = Jᵀr = ∇ₓ(½‖r‖²) (its
 * Jacobian is the full Hessian, so the implicit derivative is exact for nonzero residuals).
 *
 * <p>Options ({@link Options}, JAXopt's defaults): damping parameter τ = 1e-6, geodesic false,
 * α = 0.75, Jacobian mode AUTO. Common options in {@link SolverOptions} (tol 1e-6; JAXopt: 1e-3).
 *
 * <p>References: K. Madsen, H. B. Nielsen, O. Tingleff, "Methods for non-linear least squares
 * problems", DTU 2004; H. B. Nielsen, "Damping parameter in Marquardt's method", IMM-REP-1999-05;
 * M. K. Transtrum, J. P. Sethna, "Improvements to the Levenberg–Marquardt algorithm for
 * nonlinear least-squares minimization", arXiv:1201.5885.
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of r
 */
public final class LevenbergMarquardt<X, A>
        extends IterativeSolver<X, A, LevenbergMarquardt.State, LevenbergMarquardt<X, A>> {

    /**
     * Iterations, error ‖Jᵀr‖, ½‖r‖², r and J at the current iterate, the damping μ and its growth
     * ν, and the number of rejected steps.
     */
    public record State(int iterations, double error, double value, Tensor residual, Tensor jacobian, double damping,
                        double nu, int rejected) implements SolverState {
    }

    /**
     * LevenbergMarquardt's own options.
     *
     * @param dampingParameter           τ &gt; 0, the initial μ relative to max diag(JᵀJ) (default 1e-6)
     * @param geodesic                   geodesic acceleration (default false)
     * @param contributionRatioThreshold α &gt; 0, the largest 2‖a‖/‖h‖ of an accelerated step (default 0.75)
     * @param jacobian                   how J is built (default AUTO)
     */
    public record Options(double dampingParameter, boolean geodesic, double contributionRatioThreshold,
                          JacobianMode jacobian) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            if (!(dampingParameter > 0) || Double.isInfinite(dampingParameter)) {
                throw new IllegalArgumentException("LevenbergMarquardt.dampingParameter: must be finite and > 0, got "
                        + dampingParameter);
            }
            if (!(contributionRatioThreshold > 0) || Double.isInfinite(contributionRatioThreshold)) {
                throw new IllegalArgumentException(
                        "LevenbergMarquardt.contributionRatioThreshold: must be finite and > 0, got "
                                + contributionRatioThreshold);
            }
            if (jacobian == null) {
                throw new IllegalArgumentException("LevenbergMarquardt.jacobian: must not be null");
            }
        }

        public static Options defaults() {
            return new Options(1e-6, false, 0.75, JacobianMode.AUTO);
        }

        public Options withDampingParameter(double value) {
            return new Options(value, geodesic, contributionRatioThreshold, jacobian);
        }

        public Options withGeodesic(boolean value) {
            return new Options(dampingParameter, value, contributionRatioThreshold, jacobian);
        }

        public Options withContributionRatioThreshold(double value) {
            return new Options(dampingParameter, geodesic, value, jacobian);
        }

        public Options withJacobian(JacobianMode value) {
            return new Options(dampingParameter, geodesic, contributionRatioThreshold, value);
        }
    }

    /** Multiples of ulp(F) taken as the rounding error of a difference of two values of F. */
    private static final double ROUNDOFF_FACTOR = 100;

    /** The cap of μ and ν (their products with ‖JᵀJ‖ must stay finite). */
    private static final double MAX_DAMPING = 1e150;

    private final Options options;
    private final BiFunction<X, A, Tensor> residual;

    private LevenbergMarquardt(SolverOptions common, Options options, BiFunction<X, A, Tensor> residual) {
        super(common);
        if (options == null) {
            throw new IllegalArgumentException("LevenbergMarquardt: options is null");
        }
        this.options = options;
        this.residual = residual;
    }

    /**
     * A solver for min ½‖residual(x, args)‖².
     *
     * @throws IllegalArgumentException if {@code residual} is null
     */
    public static <X, A> LevenbergMarquardt<X, A> of(BiFunction<X, A, Tensor> residual) {
        if (residual == null) {
            throw new IllegalArgumentException("LevenbergMarquardt.of: residual is null");
        }
        return new LevenbergMarquardt<>(SolverOptions.defaults(), Options.defaults(), residual);
    }

    @Override
    protected LevenbergMarquardt<X, A> withOptions(SolverOptions common) {
        return new LevenbergMarquardt<>(common, options, residual);
    }

    public Options solverOptions() {
        return options;
    }

    public LevenbergMarquardt<X, A> with(Options value) {
        return new LevenbergMarquardt<>(options(), value, residual);
    }

    public LevenbergMarquardt<X, A> withDampingParameter(double value) {
        return with(options.withDampingParameter(value));
    }

    public LevenbergMarquardt<X, A> withGeodesic(boolean value) {
        return with(options.withGeodesic(value));
    }

    public LevenbergMarquardt<X, A> withContributionRatioThreshold(double value) {
        return with(options.withContributionRatioThreshold(value));
    }

    public LevenbergMarquardt<X, A> withJacobian(JacobianMode value) {
        return with(options.withJacobian(value));
    }

    @Override
    public State init(X initParams, A args) {
        LeastSquaresSteps.Linearized l = LeastSquaresSteps.linearize("LevenbergMarquardt", residual, initParams, args,
                options.jacobian());
        double[] j = Autodiff.stopGradient(l.jacobian()).toArray();
        int n = l.jacobian().dim(1);
        int m = l.jacobian().dim(0);
        double maxDiag = 0;
        for (int c = 0; c < n; c++) {
            double s = 0;
            for (int r = 0; r < m; r++) {
                s += j[r * n + c] * j[r * n + c];
            }
            maxDiag = Math.max(maxDiag, s);
        }
        double mu = options.dampingParameter() * (maxDiag > 0 ? maxDiag : 1.0);
        return new State(0, Double.POSITIVE_INFINITY, l.value(), l.residual(), l.jacobian(), mu, 2.0, 0);
    }

    @Override
    public OptStep<X, State> update(X x, State state, A args) {
        Tensor jac = state.jacobian();
        Tensor g = jac.transposeMatmul(state.residual());
        double mu = state.damping();
        Tensor h = LeastSquaresSteps.dampedSolve(jac, g, mu, FailurePolicy.IGNORE);
        Tensor z = TreeVectors.flatten(x);
        Tensor step = h;
        boolean acceptable = true;
        if (options.geodesic()) {
            Function<Tensor, Tensor> rf = LeastSquaresSteps.flatResidual(residual, x, args);
            Tensor hc = Autodiff.stopGradient(h);
            Tensor rvv = Autodiff.jvp((Tensor p) -> Autodiff.jvp(rf, p, hc).tangent(), z, hc).tangent();
            Tensor a = LeastSquaresSteps.dampedSolve(jac, jac.transposeMatmul(rvv), mu, FailurePolicy.IGNORE);
            double ratio = 2 * DescentSteps.norm(a) / DescentSteps.norm(h);
            acceptable = ratio <= options.contributionRatioThreshold();
            step = h.add(a.mul(0.5));
        }
        double rho = Double.NEGATIVE_INFINITY;
        Tensor trial = z.add(step);
        X next = TreeVectors.unflatten(x, trial);
        if (acceptable) {
            double trialValue = LeastSquaresSteps.value(LeastSquaresSteps.flatResidual(residual, x, args)
                    .apply(Autodiff.stopGradient(trial)));
            double[] sc = Autodiff.stopGradient(step).toArray();
            double[] gc = Autodiff.stopGradient(g).toArray();
            double predicted = 0;
            for (int i = 0; i < sc.length; i++) {
                predicted += 0.5 * sc[i] * (mu * sc[i] - gc[i]);
            }
            rho = (state.value() - trialValue) / predicted;
            if (predicted <= ROUNDOFF_FACTOR * Math.ulp(state.value()) && trialValue <= state.value()
                    + ROUNDOFF_FACTOR * Math.ulp(state.value())) {
                // The decrease the model predicts is within the rounding noise of F: the gain ratio is noise
                // (near a minimizer every step would be rejected and μ would grow without end). The step
                // changes F by less than its rounding; take it as a model-quality step.
                rho = 1.0;
            }
        }
        if (rho > 0) {
            double newMu = mu * Math.max(1.0 / 3, 1 - Math.pow(2 * rho - 1, 3));
            LeastSquaresSteps.Linearized l = LeastSquaresSteps.linearize("LevenbergMarquardt", residual, next, args,
                    options.jacobian());
            double error = DescentSteps.norm(l.gradient());
            return new OptStep<>(next, new State(state.iterations() + 1, error, l.value(), l.residual(), l.jacobian(),
                    newMu, 2.0, state.rejected()));
        }
        double error = state.iterations() == 0 ? DescentSteps.norm(g) : state.error();
        // At an exact minimizer (tol = 0 asks for maxiter iterations) every step is rejected; μ and ν are
        // capped so that they stay finite: the steps just vanish.
        double nextMu = Math.min(mu * state.nu(), MAX_DAMPING);
        double nextNu = Math.min(2 * state.nu(), MAX_DAMPING);
        return new OptStep<>(x, new State(state.iterations() + 1, error, state.value(), state.residual(), jac,
                nextMu, nextNu, state.rejected() + 1));
    }

    @Override
    public X optimality(X params, A args) {
        return Autodiff.grad((X z) -> residual.apply(z, args).squaredNorm().mul(0.5)).apply(params);
    }

    @Override
    protected boolean optimalityIsGradient() {
        return true;
    }
}
