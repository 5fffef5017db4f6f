package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Gauss–Newton for nonlinear least squares min_x ½‖r(x, θ)‖², r a tensor of any shape
 * (flattened to m entries), x a tree (n entries).
 *
 * <p>Iteration: with J = ∂ₓr (m×n) at x, solve JᵀJ·h = −Jᵀr (Cholesky) and set x⁺ = x + h. The
 * Jacobian is built by forward or reverse mode, whichever is cheaper ({@link JacobianMode}); r
 * and J at x⁺ are kept for the next iteration, so each iteration costs one Jacobian. No line
 * search and no damping (as JAXopt's GaussNewton): a rank-deficient J makes JᵀJ singular and the
 * step throws; use {@link LevenbergMarquardt} there.
 *
 * <p>Error: ‖Jᵀr‖ at the returned iterate. Optimality condition: F = Jᵀr = ∇ₓ(½‖r‖²), whose
 * Jacobian is the full Hessian JᵀJ + Σᵢ rᵢ∇²rᵢ (not the Gauss–Newton matrix): implicit
 * differentiation is exact for nonzero residuals too.
 *
 * <p>Options ({@link Options}): the Jacobian mode (default AUTO). Common options in
 * {@link SolverOptions} (tol 1e-6; JAXopt: 1e-5).
 *
 * <p>Reference: J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006, §10.3.
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of r
 */
public final class GaussNewton<X, A> extends IterativeSolver<X, A, GaussNewton.State, GaussNewton<X, A>> {

    /** Iterations, error ‖Jᵀr‖, ½‖r‖², and the residual r (flat) and Jacobian J at the current iterate. */
    public record State(int iterations, double error, double value, Tensor residual, Tensor jacobian)
            implements SolverState {
    }

    /**
     * GaussNewton's own options.
     *
     * @param jacobian how J is built (default {@link JacobianMode#AUTO})
     */
    public record Options(JacobianMode jacobian) {
        /** @throws IllegalArgumentException if jacobian is null */
        public Options {
            if (jacobian == null) {
                throw new IllegalArgumentException("GaussNewton.jacobian: must not be null");
            }
        }

        public static Options defaults() {
            return new Options(JacobianMode.AUTO);
        }

        public Options withJacobian(JacobianMode value) {
            return new Options(value);
        }
    }

    private final Options options;
    private final BiFunction<X, A, Tensor> residual;

    private GaussNewton(SolverOptions common, Options options, BiFunction<X, A, Tensor> residual) {
        super(common);
        if (options == null) {
            throw new IllegalArgumentException("GaussNewton: options is null");
        }
        this.options = options;
        this.residual = residual;
    }

    /**
     * A solver for min ½‖residual(x, args)‖².
     *
     * @throws IllegalArgumentException if {@code residual} is null
     */
    public static <X, A> GaussNewton<X, A> of(BiFunction<X, A, Tensor> residual) {
        if (residual == null) {
            throw new IllegalArgumentException("GaussNewton.of: residual is null");
        }
        return new GaussNewton<>(SolverOptions.defaults(), Options.defaults(), residual);
    }

    @Override
    protected GaussNewton<X, A> withOptions(SolverOptions common) {
        return new GaussNewton<>(common, options, residual);
    }

    public Options solverOptions() {
        return options;
    }

    public GaussNewton<X, A> with(Options value) {
        return new GaussNewton<>(options(), value, residual);
    }

    public GaussNewton<X, A> withJacobian(JacobianMode value) {
        return with(options.withJacobian(value));
    }

    @Override
    public State init(X initParams, A args) {
        LeastSquaresSteps.Linearized l = LeastSquaresSteps.linearize("GaussNewton", residual, initParams, args,
                options.jacobian());
        return new State(0, Double.POSITIVE_INFINITY, l.value(), l.residual(), l.jacobian());
    }

    @Override
    public OptStep<X, State> update(X x, State state, A args) {
        Tensor g = state.jacobian().transposeMatmul(state.residual());
        Tensor h = LeastSquaresSteps.dampedSolve(state.jacobian(), g, 0.0);
        X next = TreeVectors.unflatten(x, TreeVectors.flatten(x).add(h));
        LeastSquaresSteps.Linearized l = LeastSquaresSteps.linearize("GaussNewton", residual, next, args,
                options.jacobian());
        double error = DescentSteps.norm(l.gradient());
        return new OptStep<>(next, new State(state.iterations() + 1, error, l.value(), l.residual(), l.jacobian()));
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
