package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.prox.Prox;
import dev.argdiff.solvers.BlockCoordinateDescent;
import dev.argdiff.solvers.IterativeSolver;
import dev.argdiff.solvers.ProximalGradient;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.solvers.SolverState;
import dev.argdiff.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * JAXopt's lasso hyperparameter example ({@code lasso_implicit_diff.py}) on the diabetes data:
 * the l1 regularization λ = exp(θ) is tuned by Adam on the validation loss, differentiating the
 * inner lasso solution implicitly (the default) or by unrolling the solver's iterations.
 *
 * <pre>
 *   inner:  w*(θ) = argmin_w ½·mean((X_tr w − y_tr)²) + exp(θ)·‖w‖₁
 *           by proximal gradient (FISTA) or block coordinate descent, at most 500 iterations,
 *           warm-started from the previous outer step's solution;
 *   outer:  min_θ mean((X_val w*(θ) − y_val)²), Adam(1e-2) from θ = 1, 10 steps.
 * </pre>
 */
public final class LassoExample {
    private LassoExample() {
    }

    /** The inner solver. */
    public enum Solver { PG, BCD }

    /**
     * @param solver       proximal gradient or block coordinate descent
     * @param unrolling    differentiate by unrolling the inner iterations instead of implicitly
     * @param steps        outer Adam steps (≥ 1)
     * @param learningRate Adam's learning rate (> 0)
     * @param theta0       initial θ = log λ
     * @param innerMaxiter iteration limit of the inner solver (≥ 1)
     * @param innerTol     stopping tolerance of the inner solver (≥ 0)
     */
    public record Options(Solver solver, boolean unrolling, int steps, double learningRate, double theta0,
                          int innerMaxiter, double innerTol) {
        /**
         * The largest accepted θ: the solvers multiply exp(θ) (the regularization) with values of the
         * size of the data and square such products, so exp(θ) must stay below √Double.MAX_VALUE
         * ≈ 1.3e154 (ln ≈ 354.9): θ = 700 passed a check at log(Double.MAX_VALUE) and then overflowed.
         */
        static final double MAX_THETA = 350;

        public Options {
            if (solver == null) {
                throw new IllegalArgumentException("--solver must be pg or bcd");
            }
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
                throw new IllegalArgumentException("--theta must be at most 350 (beyond, lambda = exp(theta) > 1e152 "
                        + "and the solver's products with it overflow), got " + theta0);
            }
            if (innerMaxiter < 1) {
                throw new IllegalArgumentException("--inner-maxiter must be >= 1, got " + innerMaxiter);
            }
            if (!(innerTol >= 0) || !Double.isFinite(innerTol)) {
                throw new IllegalArgumentException("--inner-tol must be a finite number >= 0, got " + innerTol);
            }
        }

        /** JAXopt's example: 10 Adam(1e-2) steps from θ = 1, inner maxiter 500. */
        public static Options defaults(Solver solver, boolean unrolling) {
            return new Options(solver, unrolling, 10, 1e-2, 1.0, 500, 1e-10);
        }
    }

    /**
     * One outer step before the update: validation loss, θ, hypergradient, the inner solver's
     * iterations and final error, the adjoint solve's relative residual (NaN when unrolling),
     * the support size and the coefficients.
     */
    public record Step(int step, double loss, double theta, double hypergradient, int innerIterations,
                       double innerError, double adjointResidual, int nonZeros, double[] coefficients) {
    }

    public record Result(List<Step> steps, double finalTheta) {
    }

    record Args(Tensor lam, Tensor x, Tensor y) {
    }

    static Tensor leastSquares(Tensor w, Args a) {
        return a.x().matmul(w).sub(a.y()).square().mean().mul(0.5);
    }

    /** The inner solver as chosen by the options. */
    static IterativeSolver<Tensor, Args, ? extends SolverState, ?> innerSolver(Options options, int nTrain,
                                                                            AtomicReference<ImplicitDiagnostics> adjoint) {
        ImplicitOptions implicit = ImplicitOptions.defaults().withObserver(adjoint::set);
        switch (options.solver()) {
            case PG:
                return ProximalGradient.<Tensor, Args>of(LassoExample::leastSquares, (x, a, s) -> Prox.lasso(x, a.lam(), s))
                        .restart(true)
                        .maxiter(options.innerMaxiter()).tol(options.innerTol()).implicitDiff(!options.unrolling())
                        .implicitOptions(implicit);
            case BCD:
                return BlockCoordinateDescent.<Args>compositeLinear(Args::x, (z, a) -> z.sub(a.y()).square().mean().mul(0.5),
                                1.0 / nTrain, (x, a, s) -> Prox.lasso(x, a.lam(), s))
                        .maxiter(options.innerMaxiter()).tol(options.innerTol()).implicitDiff(!options.unrolling())
                        .implicitOptions(implicit);
            default:
                throw new AssertionError(options.solver());
        }
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

        AtomicReference<ImplicitDiagnostics> adjoint = new AtomicReference<>();
        var solver = innerSolver(options, xTrain.dim(0), adjoint);
        List<Step> steps = new ArrayList<>();
        AtomicReference<SolverResult<Tensor, ? extends SolverState>> inner = new AtomicReference<>();
        double finalTheta = WarmStartedAdam.run(options.theta0(), options.learningRate(), options.steps(),
                Options.MAX_THETA, "lambda", Tensor.zeros(p), (th, init) -> {
                    adjoint.set(null);
                    SolverResult<Tensor, ? extends SolverState> s = solver.run(init, new Args(th.exp(), xTrain, yTrain));
                    inner.set(s);
                    return new Autodiff.Aux<>(data.validationLoss(s.params()), s.params());
                }, e -> {
                    double[] w = e.result().aux().toArray();
                    int nnz = 0;
                    for (double v : w) {
                        nnz += v != 0 ? 1 : 0;
                    }
                    ImplicitDiagnostics adj = adjoint.get();
                    Step step = new Step(e.step(), e.result().value().item(), e.theta(), e.result().gradient().item(),
                            inner.get().iterations(), inner.get().error(),
                            adj == null || adj.linearSolve() == null ? Double.NaN : adj.linearSolve().relativeResidual(),
                            nnz, w);
                    steps.add(step);
                    if (onStep != null) {
                        onStep.accept(step);
                    }
                });
        return new Result(steps, finalTheta);
    }
}
