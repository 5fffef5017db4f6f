package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Newton's method for a root of F(x, θ) = 0, F shaped like x (a tree of n entries), with the
 * Jacobian ∂ₓF from autodiff (forward mode, n JVPs) and a dense LU solve:
 * x⁺ = x − (∂ₓF)⁻¹·F(x, θ). No globalization (a full step every iteration): it converges
 * quadratically from a start close enough to a root with a nonsingular Jacobian; use
 * {@link Broyden} (with its line search) or {@link LevenbergMarquardt} on ½‖F‖² from far away.
 * A singular Jacobian throws {@link dev.argdiff.linalg.SolveFailedException}.
 *
 * <p>Error: ‖F(x, θ)‖ at the returned iterate. Optimality condition: F itself, so
 * {@code rootJvp}/{@code rootVjp} differentiate the root (implicitDiff, the default); an
 * unrolled run differentiates through the Newton steps (the LU solve is differentiable).
 *
 * <p>Options ({@link Options}): the linear solver of the Newton systems (default LU). JAXopt has
 * no Newton root finder of its own (its ScipyRootFinding wraps SciPy's).
 *
 * <p>Reference: J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006, §11.1.
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of F
 */
public final class NewtonRoot<X, A> extends IterativeSolver<X, A, NewtonRoot.State, NewtonRoot<X, A>> {

    /** Iterations, error ‖F(x)‖, and F(x) (flattened) at the current iterate. */
    public record State(int iterations, double error, Tensor value) implements SolverState {
    }

    /**
     * NewtonRoot's own options.
     *
     * @param linearSolver the solver of the Newton systems (default LU)
     */
    public record Options(LinearSolver linearSolver) {
        /** @throws IllegalArgumentException if linearSolver is null */
        public Options {
            if (linearSolver == null) {
                throw new IllegalArgumentException("NewtonRoot.linearSolver: must not be null");
            }
        }

        public static Options defaults() {
            return new Options(LinearSolver.lu());
        }

        public Options withLinearSolver(LinearSolver value) {
            return new Options(value);
        }
    }

    private final Options options;
    private final BiFunction<X, A, X> fun;

    private NewtonRoot(SolverOptions common, Options options, BiFunction<X, A, X> fun) {
        super(common);
        if (options == null) {
            throw new IllegalArgumentException("NewtonRoot: options is null");
        }
        this.options = options;
        this.fun = fun;
    }

    /**
     * A solver for F(x, args) = 0.
     *
     * @param fun F, returning a tree shaped like x
     * @throws IllegalArgumentException if {@code fun} is null
     */
    public static <X, A> NewtonRoot<X, A> of(BiFunction<X, A, X> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("NewtonRoot.of: fun is null");
        }
        return new NewtonRoot<>(SolverOptions.defaults(), Options.defaults(), fun);
    }

    @Override
    protected NewtonRoot<X, A> withOptions(SolverOptions common) {
        return new NewtonRoot<>(common, options, fun);
    }

    public Options solverOptions() {
        return options;
    }

    public NewtonRoot<X, A> with(Options value) {
        return new NewtonRoot<>(options(), value, fun);
    }

    public NewtonRoot<X, A> withLinearSolver(LinearSolver value) {
        return with(options.withLinearSolver(value));
    }

    static <X, A> Function<Tensor, Tensor> flat(BiFunction<X, A, X> fun, X like, A args) {
        return z -> TreeVectors.flatten(fun.apply(TreeVectors.unflatten(like, z), args));
    }

    @Override
    public State init(X initParams, A args) {
        Tensor f = flat(fun, initParams, args).apply(TreeVectors.flatten(initParams));
        if (f.size() != TreeVectors.flatten(initParams).size()) {
            throw new IllegalArgumentException("NewtonRoot: F must be shaped like x, got " + f.size()
                    + " entries for " + TreeVectors.flatten(initParams).size() + " unknowns");
        }
        return new State(0, Double.POSITIVE_INFINITY, f);
    }

    @Override
    public OptStep<X, State> update(X x, State state, A args) {
        Function<Tensor, Tensor> f = flat(fun, x, args);
        Tensor z = TreeVectors.flatten(x);
        Tensor jac = Autodiff.jacfwd(f).apply(z);
        Tensor step = LinearSolve.solve(LinearOperator.fromMatrix(jac), state.value(), options.linearSolver());
        Tensor zNext = z.sub(step);
        Tensor fNext = f.apply(zNext);
        return new OptStep<>(TreeVectors.unflatten(x, zNext),
                new State(state.iterations() + 1, DescentSteps.norm(fNext), fNext));
    }

    @Override
    public X optimality(X params, A args) {
        return fun.apply(params, args);
    }
}
