package dev.argdiff.solvers;

import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;

/**
 * Bisection for a root of a scalar equation F(x, θ) = 0 on a bracket [lower, upper] where F
 * changes sign. Each iteration halves the bracket, keeping the half where F changes sign; the
 * iterate is the bracket's midpoint.
 *
 * <p>{@code run(x0, args)} ignores the value of x0 (a 0-d tensor, as JAXopt's Bisection ignores
 * {@code init_params}); the first iterate is the bracket's midpoint. The bracket is checked at
 * {@code init}: F(lower) and F(upper) must have opposite signs (or one be 0), else
 * IllegalArgumentException with both values ({@code checkBracket} as in JAXopt).
 *
 * <p>Error: |F(x)| at the midpoint. Optimality condition: F itself, so the root is differentiated
 * implicitly (dx/dθ = −∂θF/∂ₓF, by {@code rootJvp}/{@code rootVjp}). Bisection's iterates are
 * a discrete function of θ (their derivative is 0), so unrolling would be silently wrong:
 * {@code implicitDiff(false)} with a traced θ throws.
 *
 * <p>Options ({@link Options}): the bracket (required). Common options as {@link SolverOptions}
 * (JAXopt's Bisection: maxiter 30, tol 1e-5; here 500 and 1e-6 as everywhere).
 *
 * @param <A> the arguments θ of F
 */
public final class Bisection<A> extends IterativeSolver<Tensor, A, Bisection.State, Bisection<A>> {

    /** Iterations, error |F(x)|, and the current bracket with the sign of F at its lower end. */
    public record State(int iterations, double error, double lower, double upper, double lowerSign)
            implements SolverState {
    }

    /**
     * Bisection's own options.
     *
     * @param lower the lower end of the bracket (finite)
     * @param upper the upper end (finite, &gt; lower)
     */
    public record Options(double lower, double upper) {
        /** @throws IllegalArgumentException naming the bound when not finite or not ordered */
        public Options {
            if (!Double.isFinite(lower)) {
                throw new IllegalArgumentException("Bisection.lower: must be finite, got " + lower);
            }
            if (!Double.isFinite(upper) || !(upper > lower)) {
                throw new IllegalArgumentException("Bisection.upper: must be finite and > lower = " + lower + ", got "
                        + upper);
            }
        }

        public Options withLower(double value) {
            return new Options(value, upper);
        }

        public Options withUpper(double value) {
            return new Options(lower, value);
        }
    }

    private final Options options;
    private final BiFunction<Tensor, A, Tensor> fun;

    private Bisection(SolverOptions common, Options options, BiFunction<Tensor, A, Tensor> fun) {
        super(common);
        if (options == null) {
            throw new IllegalArgumentException("Bisection: options is null");
        }
        this.options = options;
        this.fun = fun;
    }

    /**
     * A solver for F(x, args) = 0 on [lower, upper].
     *
     * @param fun F, a scalar (0-d) function of a 0-d x
     * @throws IllegalArgumentException if fun is null or the bracket is not finite and ordered
     */
    public static <A> Bisection<A> of(BiFunction<Tensor, A, Tensor> fun, double lower, double upper) {
        if (fun == null) {
            throw new IllegalArgumentException("Bisection.of: fun is null");
        }
        return new Bisection<>(SolverOptions.defaults(), new Options(lower, upper), fun);
    }

    @Override
    protected Bisection<A> withOptions(SolverOptions common) {
        return new Bisection<>(common, options, fun);
    }

    public Options solverOptions() {
        return options;
    }

    public Bisection<A> with(Options value) {
        return new Bisection<>(options(), value, fun);
    }

    public Bisection<A> withLower(double value) {
        return with(options.withLower(value));
    }

    public Bisection<A> withUpper(double value) {
        return with(options.withUpper(value));
    }

    private double valueAt(double x, A args) {
        Tensor v = fun.apply(Tensor.scalar(x), args);
        if (v.size() != 1) {
            throw new IllegalArgumentException("Bisection: F must be scalar, got shape " + java.util.Arrays.toString(
                    v.shape()));
        }
        return v.concrete().item();
    }

    @Override
    public State init(Tensor initParams, A args) {
        if (initParams.size() != 1) {
            throw new IllegalArgumentException("Bisection: x must be a scalar, got shape "
                    + java.util.Arrays.toString(initParams.shape()));
        }
        double lo = valueAt(options.lower(), args);
        double hi = valueAt(options.upper(), args);
        if (!(lo * hi <= 0)) {
            throw new IllegalArgumentException("Bisection: F does not change sign on the bracket: F(" + options.lower()
                    + ") = " + lo + ", F(" + options.upper() + ") = " + hi + "; choose lower and upper around a root");
        }
        return new State(0, Double.POSITIVE_INFINITY, options.lower(), options.upper(), Math.signum(lo));
    }

    @Override
    public OptStep<Tensor, State> update(Tensor x, State state, A args) {
        if (DescentSteps.isTraced(args) || x.isTraced()) {
            throw new IllegalStateException("Bisection: cannot be unrolled (its iterates are a discrete function of "
                    + "the arguments, whose derivative would be 0): use implicitDiff(true)");
        }
        double mid = 0.5 * (state.lower() + state.upper());
        double fm = valueAt(mid, args);
        double lo = state.lower();
        double hi = state.upper();
        if (fm == 0) {
            lo = mid;
            hi = mid;
        } else if (Math.signum(fm) == state.lowerSign()) {
            lo = mid;
        } else {
            hi = mid;
        }
        return new OptStep<>(Tensor.scalar(mid).reshape(x.shape()),
                new State(state.iterations() + 1, Math.abs(fm), lo, hi, state.lowerSign()));
    }

    @Override
    public Tensor optimality(Tensor params, A args) {
        return fun.apply(params, args).reshape(params.shape());
    }
}
