package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.SolveInfo;
import dev.argdiff.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * JAXopt's ridge-regression hyperparameter example ({@code ridge_reg_implicit_diff.py}) on the
 * diabetes data: the regularization l2reg = exp(θ) is tuned by Adam on the validation loss,
 * whose gradient flows through the inner ridge solve by implicit differentiation.
 *
 * <pre>
 *   inner:  w*(θ) = argmin_w ½·mean((X_tr w − y_tr)²) + ½·exp(θ)·‖w‖²
 *           solved by CG on (X_trᵀX_tr + n·exp(θ)·I) w = X_trᵀy_tr, at most 20 iterations,
 *           warm-started from the previous outer step's solution;
 *   outer:  min_θ mean((X_val w*(θ) − y_val)²), Adam(1e-2) from θ = 1.
 * </pre>
 * The solver is decorated with {@link ImplicitDiff#customRoot} and the optimality condition
 * ∇_w of the inner objective; the adjoint system (10×10 here) is solved by a dense Cholesky
 * factorization, and its residual is reported at each step.
 */
public final class RidgeExample {
    private RidgeExample() {
    }

    /**
     * @param steps        outer Adam steps (≥ 1)
     * @param learningRate Adam's learning rate (> 0)
     * @param theta0       the initial log-regularization
     * @param innerMaxiter CG iterations of the inner solve (≥ 1)
     */
    public record Options(int steps, double learningRate, double theta0, int innerMaxiter) {
        /**
         * The largest accepted θ: CG multiplies n·exp(θ) (the ridge) with values of the size of the
         * data and squares such products, so exp(θ) must stay below √Double.MAX_VALUE ≈ 1.3e154
         * (ln ≈ 354.9): θ = 700 passed a check at log(Double.MAX_VALUE) and then overflowed in CG.
         */
        static final double MAX_THETA = 350;

        public Options {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("--learning-rate must be a positive number, got " + learningRate);
            }
            if (!Double.isFinite(theta0)) {
                throw new IllegalArgumentException("--theta must be finite, got " + theta0);
            }
            if (theta0 > MAX_THETA) {
                throw new IllegalArgumentException("--theta must be at most 350 (beyond, l2reg = exp(theta) > 1e152 "
                        + "and the solver's products with it overflow), got "
                        + theta0);
            }
            if (innerMaxiter < 1) {
                throw new IllegalArgumentException("--inner-maxiter must be >= 1, got " + innerMaxiter);
            }
        }

        /** JAXopt's example: 50 steps of Adam(1e-2) from θ = 1, inner CG with at most 20 iterations. */
        public static Options defaults() {
            return new Options(50, 1e-2, 1.0, 20);
        }
    }

    /**
     * One outer step, evaluated before the update: the validation loss, θ, the hypergradient
     * dloss/dθ, the inner CG's iterations and relative residual, and the adjoint solve's
     * relative residual.
     */
    public record Step(int step, double loss, double theta, double hypergradient, int innerIterations,
                       double innerResidual, double adjointResidual) {
    }

    public record Result(List<Step> steps, double finalTheta) {
    }

    /** The inner problem's data and hyperparameter, matched by name in the implicit derivative. */
    record Args(Tensor l2reg, Tensor x, Tensor y) {
    }

    /** The inner objective ½·mean((Xw − y)²) + ½·l2reg·‖w‖². */
    static Tensor ridgeObjective(Tensor w, Args a) {
        return a.x().matmul(w).sub(a.y()).square().mean().mul(0.5).add(a.l2reg().mul(0.5).mul(w.squaredNorm()));
    }

    /** Runs the example on the bundled diabetes split, calling {@code onStep} after each outer step. */
    public static Result run(Options options, Consumer<Step> onStep) {
        return run(options, null, onStep);
    }

    /**
     * Runs the example on a train/validation split read from {@code dataFile} (laid out like
     * {@code diabetes_split.csv}: is_val, y, features), or on the diabetes split when it is null.
     *
     * @throws IllegalArgumentException if the file is missing or malformed (the message names the file and row)
     */
    public static Result run(Options options, Path dataFile, Consumer<Step> onStep) {
        RegressionData data = RegressionData.load(dataFile);
        int p = data.features();
        Tensor xTrain = data.xTrain();
        Tensor yTrain = data.yTrain();
        int n = xTrain.dim(0);

        AtomicReference<SolveInfo> innerInfo = new AtomicReference<>();
        AtomicReference<ImplicitDiagnostics> adjoint = new AtomicReference<>();
        // The inner solver: CG on the normal equations, warm-started; the ridge n·l2reg is added by CG.
        BiFunction<Tensor, Args, Tensor> cgSolver = (init, a) -> {
            LinearOperator<Tensor> gram = LinearOperator.fromMatvec((Tensor u) -> a.x().transposeMatmul(a.x().matmul(u)),
                    Tensor.zeros(p));
            LinearSolver cg = LinearSolver.cg().withMaxiter(options.innerMaxiter()).withRidge(n * a.l2reg().item())
                    .withFailurePolicy(FailurePolicy.IGNORE);
            LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(gram, a.x().transposeMatmul(a.y()), init, cg);
            innerInfo.set(s.info());
            return s.x();
        };
        BiFunction<Tensor, Args, Tensor> optimality = (w, a) ->
                Autodiff.grad((Tensor v) -> ridgeObjective(v, a)).apply(w);
        BiFunction<Tensor, Args, Tensor> ridgeSolution = ImplicitDiff.customRoot(optimality, cgSolver,
                ImplicitOptions.defaults().withSymmetric(true).withObserver(adjoint::set));

        List<Step> steps = new ArrayList<>();
        double finalTheta = WarmStartedAdam.run(options.theta0(), options.learningRate(), options.steps(),
                Options.MAX_THETA, "l2reg", Tensor.zeros(p), (th, init) -> {
                    Tensor w = ridgeSolution.apply(init, new Args(th.exp(), xTrain, yTrain));
                    return new Autodiff.Aux<>(data.validationLoss(w), w);
                }, e -> {
                    SolveInfo inner = innerInfo.get();
                    ImplicitDiagnostics adj = adjoint.get();
                    Step step = new Step(e.step(), e.result().value().item(), e.theta(), e.result().gradient().item(),
                            inner.iterations(), inner.relativeResidual(),
                            adj == null || adj.linearSolve() == null ? Double.NaN : adj.linearSolve().relativeResidual());
                    steps.add(step);
                    if (onStep != null) {
                        onStep.accept(step);
                    }
                });
        return new Result(steps, finalTheta);
    }
}
