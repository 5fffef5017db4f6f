package dev.argdiff.hipparchus;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.tensor.NumericalFailureException;
import dev.argdiff.tensor.Tensor;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.optim.ConvergenceChecker;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.MaxIter;
import org.hipparchus.optim.PointValuePair;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunctionGradient;
import org.hipparchus.optim.nonlinear.scalar.gradient.NonLinearConjugateGradientOptimizer;
import org.hipparchus.optim.nonlinear.scalar.gradient.NonLinearConjugateGradientOptimizer.Formula;

import java.util.function.BiFunction;

/**
 * Hipparchus' nonlinear conjugate-gradient optimizer as the inner solver of a differentiable
 * smooth minimization min_x f(x, θ), x a 1-d tensor: the JVM counterpart of JAXopt's
 * {@code ScipyMinimize} wrapper. Hipparchus runs on plain doubles (f and its gradient from
 * argdiff's autodiff), and the minimizer is differentiated with respect to θ by
 * {@link ImplicitDiff#customRoot} on the optimality condition ∇ₓf(x, θ) = 0 (∂ₓF is the Hessian:
 * symmetric, so Cholesky or CG may solve it), in every mode and order; values f captures from an
 * enclosing transform are differentiated too (closure conversion).
 *
 * <p>Convergence: Hipparchus stops when its convergence checker says so; the bridge's checker is
 * ‖∇f(x)‖ ≤ {@code gradientTolerance} (one more gradient per iteration), the condition the
 * implicit derivative needs, rather than a change of f between iterations, which a slow iteration
 * can satisfy far from a minimizer. Hipparchus' line search (a bracket, then Brent's method on values of f)
 * cannot place a step better than the rounding of f allows, so ‖∇f‖ stalls near √(ε·|f|·L)
 * (measured: 4e-9 on a logistic regression with f ≈ 0.53): the default tolerance is 1e-7, and
 * the solution, hence the derivative, is accurate to about that over the smallest curvature.
 * Two of Hipparchus' line-search defaults are changed for the same reason: its value tolerance
 * 1e-8 ends a line search as soon as f changes by less than 1e-8·|f| (here 1e-15 relative), and
 * its initial bracket of 1e-8 (in units of the direction, whose length is ‖∇f‖) sees no change of
 * f at all once ‖∇f‖ is small, after which no iteration moves (stalled at ‖∇f‖ = 5e-5 on that
 * logistic regression; here 1). Hipparchus exhausting its evaluations or iterations is a
 * {@link NumericalFailureException} naming {@code maxEvaluations}/{@code maxIterations}; a
 * returned point whose ‖∇f‖ exceeds the optimality tolerance of the implicit options (default
 * 1e-6 relative) is refused with an {@link dev.argdiff.implicit.ImplicitDiffException}.
 *
 * <p>Options ({@link Options}): Polak–Ribière update (Hipparchus' {@link Formula}),
 * gradientTolerance 1e-7, maxEvaluations 100000 (evaluations of f, most of them by Hipparchus'
 * Brent line search), maxIterations 10000, line-search relative and absolute value tolerances
 * 1e-15 and 1e-300, initial bracketing range 1 (Hipparchus: 1e-8 for all three, see above).
 *
 * <pre>{@code
 * // min ½‖x‖² − θ·⟨c, x⟩: the minimizer is θ·c, its derivative in θ is c
 * Tensor c = Tensor.of(1, 2);
 * HipparchusMinimizer<Tensor> h = HipparchusMinimizer.of((x, t) -> x.squaredNorm().mul(0.5).sub(t.mul(x.vdot(c))));
 * Tensor dx = Autodiff.jacfwd((Tensor t) -> h.solve(Tensor.zeros(2), t)).apply(Tensor.scalar(3));   // (1, 2)
 * }</pre>
 *
 * <p>Reference: M. Blondel et al., "Efficient and modular implicit differentiation", NeurIPS 2022
 * (implicit differentiation of any solver through its optimality condition); E. Polak,
 * G. Ribière, "Note sur la convergence de méthodes de directions conjuguées", 1969.
 *
 * @param <A> the arguments θ of f
 */
public final class HipparchusMinimizer<A> {

    /**
     * The options of the bridge.
     *
     * @param formula                 the β update (default POLAK_RIBIERE)
     * @param gradientTolerance       Hipparchus stops once ‖∇f(x)‖ is at most this (finite, &gt; 0; default 1e-7)
     * @param maxEvaluations          the largest number of evaluations of f (≥ 1; default 100000)
     * @param maxIterations           the largest number of CG iterations (≥ 1; default 10000)
     * @param lineSearchRelativeTolerance the line search's relative tolerance on f (finite, &gt; 0; default 1e-15)
     * @param lineSearchAbsoluteTolerance its absolute tolerance on f (finite, &gt; 0; default 1e-300)
     * @param initialBracketingRange  the first bracket of the line search, in units of the direction (finite, &gt; 0; default 1)
     * @param implicit                the implicit-differentiation options (symmetric is set: ∂ₓF is a Hessian)
     */
    public record Options(Formula formula, double gradientTolerance, int maxEvaluations, int maxIterations,
                          double lineSearchRelativeTolerance, double lineSearchAbsoluteTolerance,
                          double initialBracketingRange, ImplicitOptions implicit) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            if (formula == null) {
                throw new IllegalArgumentException("HipparchusMinimizer.formula: must not be null");
            }
            check("gradientTolerance", gradientTolerance);
            if (maxEvaluations < 1) {
                throw new IllegalArgumentException("HipparchusMinimizer.maxEvaluations: must be >= 1, got "
                        + maxEvaluations);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("HipparchusMinimizer.maxIterations: must be >= 1, got "
                        + maxIterations);
            }
            check("lineSearchRelativeTolerance", lineSearchRelativeTolerance);
            check("lineSearchAbsoluteTolerance", lineSearchAbsoluteTolerance);
            check("initialBracketingRange", initialBracketingRange);
            if (implicit == null) {
                throw new IllegalArgumentException("HipparchusMinimizer.implicit: must not be null");
            }
        }

        private static void check(String name, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("HipparchusMinimizer." + name + ": must be finite and > 0, got " + v);
            }
        }

        public static Options defaults() {
            return new Options(Formula.POLAK_RIBIERE, 1e-7, 100_000, 10_000, 1e-15, 1e-300, 1.0,
                    ImplicitOptions.defaults());
        }

        public Options withFormula(Formula value) {
            return new Options(value, gradientTolerance, maxEvaluations, maxIterations, lineSearchRelativeTolerance,
                    lineSearchAbsoluteTolerance, initialBracketingRange, implicit);
        }

        public Options withGradientTolerance(double value) {
            return new Options(formula, value, maxEvaluations, maxIterations, lineSearchRelativeTolerance,
                    lineSearchAbsoluteTolerance, initialBracketingRange, implicit);
        }

        public Options withMaxEvaluations(int value) {
            return new Options(formula, gradientTolerance, value, maxIterations, lineSearchRelativeTolerance,
                    lineSearchAbsoluteTolerance, initialBracketingRange, implicit);
        }

        public Options withMaxIterations(int value) {
            return new Options(formula, gradientTolerance, maxEvaluations, value, lineSearchRelativeTolerance,
                    lineSearchAbsoluteTolerance, initialBracketingRange, implicit);
        }

        public Options withImplicit(ImplicitOptions value) {
            return new Options(formula, gradientTolerance, maxEvaluations, maxIterations, lineSearchRelativeTolerance,
                    lineSearchAbsoluteTolerance, initialBracketingRange, value);
        }
    }

    private final BiFunction<Tensor, A, Tensor> fun;
    private final Options options;
    private final BiFunction<Tensor, A, Tensor> solve;

    private HipparchusMinimizer(BiFunction<Tensor, A, Tensor> fun, Options options) {
        this.fun = fun;
        this.options = options;
        this.solve = ImplicitDiff.customRoot(
                (x, a) -> Autodiff.grad((Tensor z) -> fun.apply(z, a)).apply(x),
                this::optimize, options.implicit().withSymmetric(true));
    }

    /**
     * A bridge for min f(x, args).
     *
     * @param fun the objective, a scalar (0-d tensor), smooth in x
     * @throws IllegalArgumentException if fun is null
     */
    public static <A> HipparchusMinimizer<A> of(BiFunction<Tensor, A, Tensor> fun) {
        if (fun == null) {
            throw new IllegalArgumentException("HipparchusMinimizer.of: fun is null");
        }
        return new HipparchusMinimizer<>(fun, Options.defaults());
    }

    public Options options() {
        return options;
    }

    /** A copy with these options. @throws IllegalArgumentException if value is null */
    public HipparchusMinimizer<A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("HipparchusMinimizer.with: options is null");
        }
        return new HipparchusMinimizer<>(fun, value);
    }

    public HipparchusMinimizer<A> withMaxEvaluations(int value) {
        return with(options.withMaxEvaluations(value));
    }

    public HipparchusMinimizer<A> withMaxIterations(int value) {
        return with(options.withMaxIterations(value));
    }

    public HipparchusMinimizer<A> withGradientTolerance(double value) {
        return with(options.withGradientTolerance(value));
    }

    /**
     * The minimizer from {@code x0} (a 1-d tensor), differentiable with respect to {@code args}.
     *
     * @throws IllegalArgumentException if x0 is not 1-d, or f is not a scalar
     * @throws NumericalFailureException if Hipparchus stops without converging, or f or its gradient
     *                                   is not finite at a point Hipparchus asks for
     */
    public Tensor solve(Tensor x0, A args) {
        if (x0 == null || x0.rank() != 1) {
            throw new IllegalArgumentException("HipparchusMinimizer.solve: x0 must be a 1-d tensor, got "
                    + (x0 == null ? "null" : java.util.Arrays.toString(x0.shape())));
        }
        return solve.apply(x0, args);
    }

    /** Hipparchus on concrete values (customRoot runs this in a constant scope). */
    private Tensor optimize(Tensor x0, A args) {
        Tensor f0 = fun.apply(x0, args);
        if (f0 == null || f0.rank() != 0) {
            throw new IllegalArgumentException("HipparchusMinimizer: f must return a scalar (0-d tensor), got "
                    + (f0 == null ? "null" : "shape " + java.util.Arrays.toString(f0.shape())));
        }
        ConvergenceChecker<PointValuePair> checker = (iteration, previous, current) ->
                norm(gradient(current.getPointRef(), args)) <= options.gradientTolerance();
        NonLinearConjugateGradientOptimizer cg = new NonLinearConjugateGradientOptimizer(options.formula(), checker,
                options.lineSearchRelativeTolerance(), options.lineSearchAbsoluteTolerance(),
                options.initialBracketingRange());
        try {
            PointValuePair opt = cg.optimize(new MaxEval(options.maxEvaluations()), new MaxIter(options.maxIterations()),
                    new ObjectiveFunction(p -> value(p, args)), new ObjectiveFunctionGradient(p -> gradient(p, args)),
                    GoalType.MINIMIZE, new InitialGuess(x0.toArray()));
            return Tensor.of(opt.getPoint());
        } catch (MathIllegalStateException e) {
            throw new NumericalFailureException("HipparchusMinimizer: nonlinear conjugate gradient did not converge ("
                    + e.getMessage() + ") after " + cg.getIterations() + " iterations and " + cg.getEvaluations()
                    + " evaluations; raise maxEvaluations (now " + options.maxEvaluations() + ") or maxIterations (now "
                    + options.maxIterations() + "), loosen gradientTolerance (now " + options.gradientTolerance()
                    + ") or start closer", e);
        }
    }

    private double value(double[] point, A args) {
        double v = fun.apply(Tensor.of(point), args).item();
        if (Double.isNaN(v)) {
            throw new NumericalFailureException("HipparchusMinimizer: f is NaN at a point of the search; "
                    + "check the objective's domain and data");
        }
        return v;
    }

    private double[] gradient(double[] point, A args) {
        double[] g = Autodiff.grad((Tensor z) -> fun.apply(z, args)).apply(Tensor.of(point)).toArray();
        for (double v : g) {
            if (!Double.isFinite(v)) {
                throw new NumericalFailureException("HipparchusMinimizer: the gradient of f is not finite at a point "
                        + "of the search; check the objective's domain and data");
            }
        }
        return g;
    }

    private static double norm(double[] g) {
        double s = 0;
        for (double v : g) {
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
