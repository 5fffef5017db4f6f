package dev.argdiff.hipparchus;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.tensor.NumericalFailureException;
import dev.argdiff.tensor.Tensor;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.util.Pair;

import java.util.function.BiFunction;

/**
 * Hipparchus' Levenberg–Marquardt (MINPACK's algorithm) as the inner solver of a differentiable
 * nonlinear least-squares problem min_x ½‖r(x, θ)‖², x a 1-d tensor: the JVM counterpart of
 * JAXopt's SciPy wrappers. Hipparchus runs on plain doubles (values of r and its Jacobian from
 * argdiff's autodiff, forward mode), and the solution is differentiated with respect to θ by
 * {@link ImplicitDiff#customRoot} on the optimality condition Jᵀr = ∇ₓ½‖r‖² = 0, in every mode
 * and order; values r captures from an enclosing transform are differentiated too (closure
 * conversion).
 *
 * <p>The implicit derivative is certified: a returned point whose ‖Jᵀr‖ exceeds the optimality
 * tolerance (default 1e-6 relative, {@link ImplicitOptions}) is refused with an
 * {@link dev.argdiff.implicit.ImplicitDiffException}; Hipparchus exhausting its evaluations is a
 * {@link NumericalFailureException} naming {@code maxEvaluations}.
 *
 * <p>Options ({@link Options}; Hipparchus' LevenbergMarquardtOptimizer defaults are 1e-10 for the
 * three tolerances): costRelativeTolerance, parameterRelativeTolerance and orthoTolerance 1e-12,
 * maxEvaluations 1000.
 *
 * @param <A> the arguments θ of r
 */
public final class HipparchusLeastSquares<A> {

    /**
     * The options of the bridge.
     *
     * @param costRelativeTolerance      Hipparchus' relative tolerance on the cost (&gt; 0; default 1e-12)
     * @param parameterRelativeTolerance its relative tolerance on the parameters (&gt; 0; default 1e-12)
     * @param orthoTolerance             its tolerance on the orthogonality of r and J (&gt; 0; default 1e-12)
     * @param maxEvaluations             the largest number of evaluations of r (≥ 1; default 1000)
     * @param implicit                   the implicit-differentiation options (symmetric is set: ∂ₓF is a Hessian)
     */
    public record Options(double costRelativeTolerance, double parameterRelativeTolerance, double orthoTolerance,
                          int maxEvaluations, ImplicitOptions implicit) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            check("costRelativeTolerance", costRelativeTolerance);
            check("parameterRelativeTolerance", parameterRelativeTolerance);
            check("orthoTolerance", orthoTolerance);
            if (maxEvaluations < 1) {
                throw new IllegalArgumentException("HipparchusLeastSquares.maxEvaluations: must be >= 1, got "
                        + maxEvaluations);
            }
            if (implicit == null) {
                throw new IllegalArgumentException("HipparchusLeastSquares.implicit: must not be null");
            }
        }

        private static void check(String name, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("HipparchusLeastSquares." + name + ": must be finite and > 0, got " + v);
            }
        }

        public static Options defaults() {
            return new Options(1e-12, 1e-12, 1e-12, 1000, ImplicitOptions.defaults());
        }

        public Options withMaxEvaluations(int value) {
            return new Options(costRelativeTolerance, parameterRelativeTolerance, orthoTolerance, value, implicit);
        }

        public Options withImplicit(ImplicitOptions value) {
            return new Options(costRelativeTolerance, parameterRelativeTolerance, orthoTolerance, maxEvaluations,
                    value);
        }
    }

    private final BiFunction<Tensor, A, Tensor> residual;
    private final Options options;
    private final BiFunction<Tensor, A, Tensor> solve;

    private HipparchusLeastSquares(BiFunction<Tensor, A, Tensor> residual, Options options) {
        this.residual = residual;
        this.options = options;
        this.solve = ImplicitDiff.customRoot(
                (x, a) -> Autodiff.grad((Tensor z) -> residual.apply(z, a).squaredNorm().mul(0.5)).apply(x),
                this::optimize, options.implicit().withSymmetric(true));
    }

    /**
     * A bridge for min ½‖residual(x, args)‖².
     *
     * @throws IllegalArgumentException if residual is null
     */
    public static <A> HipparchusLeastSquares<A> of(BiFunction<Tensor, A, Tensor> residual) {
        if (residual == null) {
            throw new IllegalArgumentException("HipparchusLeastSquares.of: residual is null");
        }
        return new HipparchusLeastSquares<>(residual, Options.defaults());
    }

    public Options options() {
        return options;
    }

    public HipparchusLeastSquares<A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("HipparchusLeastSquares.with: options is null");
        }
        return new HipparchusLeastSquares<>(residual, value);
    }

    public HipparchusLeastSquares<A> withMaxEvaluations(int value) {
        return with(options.withMaxEvaluations(value));
    }

    /**
     * The minimizer from {@code x0} (a 1-d tensor), differentiable with respect to {@code args}.
     *
     * @throws IllegalArgumentException if x0 is not 1-d
     * @throws NumericalFailureException if Hipparchus stops without converging
     */
    public Tensor solve(Tensor x0, A args) {
        if (x0 == null || x0.rank() != 1) {
            throw new IllegalArgumentException("HipparchusLeastSquares.solve: x0 must be a 1-d tensor, got "
                    + (x0 == null ? "null" : java.util.Arrays.toString(x0.shape())));
        }
        return solve.apply(x0, args);
    }

    /** Hipparchus on concrete values (customRoot runs this in a constant scope). */
    private Tensor optimize(Tensor x0, A args) {
        int n = x0.size();
        int m = residual.apply(x0, args).size();
        LeastSquaresProblem problem = new LeastSquaresBuilder()
                .start(x0.toArray())
                .target(new double[m])
                .model((RealVector point) -> {
                    Tensor x = Tensor.of(point.toArray());
                    Tensor r = residual.apply(x, args).flatten();
                    double[][] jac = Autodiff.jacfwd((Tensor z) -> residual.apply(z, args).flatten()).apply(x)
                            .reshape(m, n).toArray2d();
                    return new Pair<RealVector, RealMatrix>(new ArrayRealVector(r.toArray(), false),
                            new Array2DRowRealMatrix(jac, false));
                })
                .maxEvaluations(options.maxEvaluations())
                .maxIterations(options.maxEvaluations())
                .lazyEvaluation(false)
                .build();
        LevenbergMarquardtOptimizer lm = new LevenbergMarquardtOptimizer()
                .withCostRelativeTolerance(options.costRelativeTolerance())
                .withParameterRelativeTolerance(options.parameterRelativeTolerance())
                .withOrthoTolerance(options.orthoTolerance());
        try {
            LeastSquaresOptimizer.Optimum opt = lm.optimize(problem);
            return Tensor.of(opt.getPoint().toArray());
        } catch (MathIllegalStateException e) {
            throw new NumericalFailureException("HipparchusLeastSquares: Levenberg-Marquardt did not converge ("
                    + e.getMessage() + "); raise maxEvaluations (now " + options.maxEvaluations()
                    + ") or start closer", e);
        }
    }
}
