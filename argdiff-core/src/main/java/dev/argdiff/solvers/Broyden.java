package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Broyden's ("good") method for a root of F(x, θ) = 0, F shaped like x (n entries), with a
 * backtracking line search on the merit ‖F‖.
 *
 * <p>Iteration: d = −H·F(x) with H ≈ (∂ₓF)⁻¹; t = 1, β, β², … until
 * ‖F(x + t·d)‖² ≤ (1 − 2c·t)·‖F(x)‖² (the derivative-free sufficient decrease of Griewank, exact
 * for a Newton direction); then with s = x⁺ − x, y = F(x⁺) − F(x), the inverse update of the good
 * Broyden method (Sherman–Morrison form of Broyden's rank-one update of J):
 * <pre>
 *   H⁺ = H + (s − H·y)·sᵀH / (sᵀH·y)
 * </pre>
 * skipped when |sᵀHy| ≤ 1e-12·‖s‖‖Hy‖. If no step passes within {@code maxls} trials the last
 * one is taken and H is re-initialized.
 *
 * <p>Departure from JAXopt (whose default initial inverse Jacobian is the identity): H starts as
 * the inverse of the autodiff Jacobian at x₀ (one Jacobian, n JVPs, and a dense LU), so the
 * method is invariant to the scaling of F; {@link Options#identityStart()} gives JAXopt's choice.
 * H and t are computed from concrete values: an unrolled run differentiates through F at the
 * iterates with H and t held fixed (the tangent iteration converges to the implicit derivative
 * when t·H ≈ (∂ₓF)⁻¹, i.e. near the root).
 *
 * <p>Error: ‖F(x)‖. Optimality condition: F itself ({@code rootJvp}/{@code rootVjp}).
 *
 * <p>Options ({@link Options}): c = 1e-4, β = 0.5, maxls 30, identityStart false.
 *
 * <p>References: C. G. Broyden, "A class of methods for solving nonlinear simultaneous
 * equations", Math. Comp. 19 (1965); A. Griewank, "The global convergence of Broyden-like
 * methods with suitable line search", J. Austral. Math. Soc. B 28 (1986); Nocedal and Wright §11.1.
 *
 * @param <X> the tree type of x
 * @param <A> the arguments θ of F
 */
public final class Broyden<X, A> extends IterativeSolver<X, A, Broyden.State, Broyden<X, A>> {

    /** Iterations, error ‖F(x)‖, F(x) (flattened), the inverse Jacobian approximation H (concrete), failed searches. */
    public record State(int iterations, double error, Tensor value, Tensor inverseJacobian, int failedLineSearches)
            implements SolverState {
    }

    /**
     * Broyden's own options.
     *
     * @param c              sufficient decrease constant in (0, 0.5) (default 1e-4)
     * @param decreaseFactor β in (0, 1) (default 0.5)
     * @param maxls          the largest number of trial steps (≥ 1; default 30)
     * @param identityStart  start from H = I (JAXopt) instead of the inverse autodiff Jacobian (default false)
     */
    public record Options(double c, double decreaseFactor, int maxls, boolean identityStart) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            if (!(c > 0 && c < 0.5)) {
                throw new IllegalArgumentException("Broyden.c: must be in (0, 0.5), got " + c);
            }
            if (!(decreaseFactor > 0 && decreaseFactor < 1)) {
                throw new IllegalArgumentException("Broyden.decreaseFactor: must be in (0, 1), got " + decreaseFactor);
            }
            if (maxls < 1) {
                throw new IllegalArgumentException("Broyden.maxls: must be >= 1, got " + maxls);
            }
        }

        public static Options defaults() {
            return new Options(1e-4, 0.5, 30, false);
        }

        public Options withC(double value) {
            return new Options(value, decreaseFactor, maxls, identityStart);
        }

        public Options withDecreaseFactor(double value) {
            return new Options(c, value, maxls, identityStart);
        }

        public Options withMaxls(int value) {
            return new Options(c, decreaseFactor, value, identityStart);
        }

        public Options withIdentityStart(boolean value) {
            return new Options(c, decreaseFactor, maxls, value);
        }
    }

    private final Options options;
    private final BiFunction<X, A, X> fun;

    private Broyden(SolverOptions common, Options options, BiFunction<X, A, X> fun) {
        super(common);
        if (options == null) {
            throw new IllegalArgumentException("Broyden: options is null");
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
    public static <X, A> Broyden<X, A> of(BiFunction<X, A, X> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("Broyden.of: fun is null");
        }
        return new Broyden<>(SolverOptions.defaults(), Options.defaults(), fun);
    }

    @Override
    protected Broyden<X, A> withOptions(SolverOptions common) {
        return new Broyden<>(common, options, fun);
    }

    public Options solverOptions() {
        return options;
    }

    public Broyden<X, A> with(Options value) {
        return new Broyden<>(options(), value, fun);
    }

    public Broyden<X, A> withC(double value) {
        return with(options.withC(value));
    }

    public Broyden<X, A> withDecreaseFactor(double value) {
        return with(options.withDecreaseFactor(value));
    }

    public Broyden<X, A> withMaxls(int value) {
        return with(options.withMaxls(value));
    }

    public Broyden<X, A> withIdentityStart(boolean value) {
        return with(options.withIdentityStart(value));
    }

    @Override
    public State init(X initParams, A args) {
        Tensor z = TreeVectors.flatten(initParams);
        Function<Tensor, Tensor> f = NewtonRoot.flat(fun, initParams, args);
        Tensor fz = f.apply(z);
        if (fz.size() != z.size()) {
            throw new IllegalArgumentException("Broyden: F must be shaped like x, got " + fz.size()
                    + " entries for " + z.size() + " unknowns");
        }
        return new State(0, Double.POSITIVE_INFINITY, fz, initialInverse(f, z), 0);
    }

    private Tensor initialInverse(Function<Tensor, Tensor> f, Tensor z) {
        int n = z.size();
        if (options.identityStart()) {
            return Tensor.eye(n);
        }
        Tensor zc = Autodiff.stopGradient(z);
        Tensor jac = Autodiff.stopGradient(Autodiff.jacfwd(f).apply(zc));
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(jac);
        Tensor eye = Tensor.eye(n);
        java.util.List<Tensor> columns = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            columns.add(LinearSolve.solve(op, eye.row(i), LinearSolver.lu()));
        }
        return Tensor.stack(columns, 1);
    }

    @Override
    public OptStep<X, State> update(X x, State state, A args) {
        Function<Tensor, Tensor> f = NewtonRoot.flat(fun, x, args);
        Function<Tensor, Tensor> fc = NewtonRoot.flat(fun, Autodiff.stopGradient(x), Autodiff.stopGradient(args));
        Tensor z = TreeVectors.flatten(x);
        Tensor zc = Autodiff.stopGradient(z);
        Tensor h = state.inverseJacobian();
        Tensor fx = state.value();
        Tensor fxc = Autodiff.stopGradient(fx);
        Tensor d = h.matmul(fxc).neg();
        double f0 = fxc.squaredNorm().item();
        double t = 1.0;
        boolean ok = false;
        for (int k = 0; k < options.maxls(); k++) {
            Tensor trial = fc.apply(zc.add(d.mul(t)));
            double ft = trial.squaredNorm().item();
            if (ft <= (1 - 2 * options.c() * t) * f0) {
                ok = true;
                break;
            }
            if (k + 1 < options.maxls()) {
                t *= options.decreaseFactor();
            }
        }
        // The step carries the derivative through F (x⁺ = x − t·H·F(x, θ)); H and t are constants.
        double tt = t;
        Tensor zNext = z.sub(h.matmul(fx).mul(tt));
        Tensor fNext = f.apply(zNext);
        X next = TreeVectors.unflatten(x, zNext);
        if (!ok) {
            return new OptStep<>(next, new State(state.iterations() + 1, DescentSteps.norm(fNext), fNext,
                    initialInverse(f, zNext), state.failedLineSearches() + 1));
        }
        Tensor s = Autodiff.stopGradient(zNext).sub(zc);
        Tensor y = Autodiff.stopGradient(fNext).sub(fxc);
        Tensor hy = h.matmul(y);
        double shy = s.vdot(hy).item();
        if (Math.abs(shy) > 1e-12 * DescentSteps.norm(s) * DescentSteps.norm(hy)) {
            Tensor sh = h.transposeMatmul(s);
            h = h.add(s.sub(hy).outer(sh).div(shy));
        }
        return new OptStep<>(next, new State(state.iterations() + 1, DescentSteps.norm(fNext), fNext, h,
                state.failedLineSearches()));
    }

    @Override
    public X optimality(X params, A args) {
        return fun.apply(params, args);
    }
}
