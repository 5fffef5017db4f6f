package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.objective.Losses;
import dev.argdiff.objective.Objectives;
import dev.argdiff.objective.SvmObjectives;
import dev.argdiff.projection.Projection;
import dev.argdiff.solvers.BlockCoordinateDescent;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.DoubleUnaryOperator;

/**
 * The multiclass linear SVM of Crammer and Singer on the bundled digits, its regularization
 * tuned by hypergradient (JAXopt's {@code multiclass_linear_svm_dual} example, plus an outer loop):
 *
 * <pre>
 *   inner:  β*(θ) = argmin_β 1/(2λ)·‖X_trᵀ(Y_tr − β)‖² + ⟨β, Y_tr − 1⟩,  every row of β in the simplex,
 *           λ = exp(θ), by block coordinate descent (one block per training sample, the simplex
 *           projection as its prox), warm-started from the previous outer step's solution;
 *           primal weights W(θ) = X_trᵀ(Y_tr − β*)/λ;
 *   outer:  min_θ mean cross-entropy of the validation scores X_val·W(θ), by Adam on θ.
 * </pre>
 *
 * The hypergradient d loss/dθ goes through β*(θ) by implicit differentiation of the optimality
 * condition of block coordinate descent, β = P_simplex(β − ∇f(β)) row by row; it is checked once
 * against central finite differences of re-solved problems. Every inner solve reports its duality
 * gap P(W(β)) + f(β) ≥ 0 against the primal problem, a certificate of its accuracy that needs no
 * reference solution. The cross-entropy is a smooth surrogate of the validation error; the
 * hinge loss that the SVM minimizes is flat in the scale of the scores, the cross-entropy is not.
 */
final class SvmExample {
    private SvmExample() {
    }

    /** The largest θ accepted: exp(θ) multiplies and divides values of the data's size. */
    static final double MAX_THETA = 300;

    /** The number of classes of the digits. */
    static final int CLASSES = 10;

    /**
     * @param steps        outer Adam steps (≥ 1)
     * @param learningRate Adam's learning rate (&gt; 0)
     * @param theta0       initial θ = log λ
     * @param train        training samples (≥ 10)
     * @param validation   validation samples (≥ 10); train + validation ≤ 1797
     * @param innerMaxiter epochs of the inner solver (≥ 1)
     * @param innerTol     stopping tolerance of the inner solver (&gt; 0)
     * @param seed         the seed of the shuffle that draws the split
     */
    record Options(int steps, double learningRate, double theta0, int train, int validation, int innerMaxiter,
                   double innerTol, long seed) {
        Options {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("--learning-rate must be a positive number, got " + learningRate);
            }
            if (!Double.isFinite(theta0) || Math.abs(theta0) > MAX_THETA) {
                throw new IllegalArgumentException("--theta must be finite and in [-" + MAX_THETA + ", " + MAX_THETA
                        + "] (lambda = exp(theta)), got " + theta0);
            }
            if (train < 10 || validation < 10) {
                throw new IllegalArgumentException("--train and --validation must be >= 10, got " + train + " and "
                        + validation);
            }
            if ((long) train + validation > 1797) {
                throw new IllegalArgumentException("--train + --validation must be at most 1797 (the digits), got "
                        + ((long) train + validation));
            }
            if (innerMaxiter < 1) {
                throw new IllegalArgumentException("--inner-maxiter must be >= 1, got " + innerMaxiter);
            }
            if (!(innerTol > 0) || !Double.isFinite(innerTol)) {
                throw new IllegalArgumentException("--inner-tol must be a finite number > 0, got " + innerTol);
            }
        }

        static Options defaults() {
            return new Options(5, 0.3, 3.0, 100, 400, 3000, 1e-6, 0);
        }
    }

    /**
     * One outer step, before its update: θ, λ, the validation cross-entropy, the hypergradient,
     * accuracies, the inner solve's epochs and error, the primal objective P(W(β)) and the duality gap
     * P(W(β)) + f(β), and the adjoint solve's residual.
     */
    record Step(int step, double theta, double lambda, double loss, double hypergradient, double trainAccuracy,
                double validationAccuracy, int innerIterations, double innerError, double primalObjective,
                double dualityGap, double adjointResidual) {
        /** The duality gap relative to the primal objective P(W) (&gt; 0: the hinge losses are ≥ 0). */
        double relativeDualityGap() {
            return dualityGap / Math.max(Double.MIN_NORMAL, Math.abs(primalObjective));
        }
    }

    /** The hypergradient at the initial θ by implicit differentiation and by central differences of re-solves. */
    record GradientCheck(double theta, double implicit, double finiteDifference, double step) {
        double relativeError() {
            return Math.abs(implicit - finiteDifference) / Math.max(1e-12, Math.abs(finiteDifference));
        }
    }

    /** The steps, and the model at the final θ (its inner solve, accuracies and loss). */
    record Result(List<Step> steps, Step last, GradientCheck check, int train, int validation) {
    }

    /**
     * The inner problem's arguments: λ, the training features, their one-hot labels, and X_trᵀY_tr
     * (computed once: the loss of every block update of an epoch needs it).
     */
    record Args(Tensor lambda, Tensor x, Tensor y, Tensor xty) {
        Args(Tensor lambda, Tensor x, Tensor y) {
            this(lambda, x, y, x.transpose().matmul(y));
        }
    }

    /** The split: training and validation rows of the shuffled digits. */
    record Split(DigitsTensors train, DigitsTensors validation, Tensor trainOneHot) {
        static Split of(Options o) {
            DigitsTensors all = DigitsTensors.shuffled(o.seed());
            DigitsTensors tr = all.rows(0, o.train());
            return new Split(tr, all.rows(o.train(), o.train() + o.validation()),
                    Losses.oneHot(tr.labelTensor(), CLASSES));
        }
    }

    /** Block coordinate descent on the dual at this λ: one block per sample, the simplex projection as prox. */
    static BlockCoordinateDescent<Args> innerSolver(double lambda, Options o, ImplicitOptions implicit) {
        return BlockCoordinateDescent.<Args>compositeLinear(
                a -> a.x().transpose(),
                (z, a) -> a.xty().sub(z).squaredNorm().div(a.lambda().mul(2)),
                1.0 / lambda,
                a -> a.y().sub(1.0),
                (row, a, s) -> Projection.simplex(row, 1.0))
                .maxiter(o.innerMaxiter()).tol(o.innerTol()).implicitOptions(implicit);
    }

    /** W = X_trᵀ(Y − β)/λ. */
    static Tensor weights(Tensor beta, Args a) {
        return SvmObjectives.multiclassLinearSvmWeights(beta, a.lambda(), new Objectives.Data(a.x(), a.y()));
    }

    static Tensor validationLoss(Tensor w, DigitsTensors val) {
        return Losses.multiclassLogistic(val.labelTensor(), val.images().matmul(w)).mean();
    }

    static double accuracy(Tensor w, DigitsTensors d) {
        double[][] s = d.images().matmul(w).concrete().toArray2d();
        int right = 0;
        for (int i = 0; i < s.length; i++) {
            int best = 0;
            for (int j = 1; j < s[i].length; j++) {
                if (s[i][j] > s[i][best]) {
                    best = j;
                }
            }
            right += best == d.labels()[i] ? 1 : 0;
        }
        return (double) right / s.length;
    }

    static Result run(Options o, Consumer<Step> onStep) {
        Split split = Split.of(o);
        Tensor xTrain = split.train().images();
        int n = o.train();
        AtomicReference<ImplicitDiagnostics> adjoint = new AtomicReference<>();
        ImplicitOptions implicit = ImplicitOptions.defaults().withObserver(adjoint::set);
        AtomicReference<SolverResult<Tensor, BlockCoordinateDescent.State>> inner = new AtomicReference<>();
        Tensor start = Tensor.full(1.0 / CLASSES, n, CLASSES);

        // (θ, warm start) ↦ (validation loss, β*), differentiable in θ through the inner solve.
        BiFunction<Tensor, Tensor, Autodiff.Aux<Tensor>> objective = (th, init) -> {
            adjoint.set(null);
            Args a = new Args(th.exp(), xTrain, split.trainOneHot());
            SolverResult<Tensor, BlockCoordinateDescent.State> r =
                    innerSolver(Math.exp(th.item()), o, implicit).run(init, a);
            if (!r.converged()) {
                throw new IllegalStateException("svm: the inner solve stopped with " + r.status() + " at error "
                        + r.error() + " after " + r.iterations() + " epochs; raise --inner-maxiter (now "
                        + o.innerMaxiter() + ") or --inner-tol (now " + o.innerTol() + ")");
            }
            inner.set(r);
            return new Autodiff.Aux<>(validationLoss(weights(r.params(), a), split.validation()), r.params());
        };

        List<Step> steps = new ArrayList<>();
        AtomicReference<Tensor> firstSolution = new AtomicReference<>();
        double finalTheta = WarmStartedAdam.run(o.theta0(), o.learningRate(), o.steps(), MAX_THETA, "lambda", start,
                objective, e -> {
                    Step s = describe(e.step(), e.theta(), e.result().value().item(), e.result().gradient().item(),
                            e.result().aux(), inner.get(), adjoint.get(), split);
                    steps.add(s);
                    if (e.step() == 1) {
                        firstSolution.set(e.result().aux());
                    }
                    if (onStep != null) {
                        onStep.accept(s);
                    }
                });

        // The model at the final θ (the last step's update has not been evaluated yet).
        Autodiff.ValueAuxAndGrad<Tensor, Tensor> last = Autodiff.valueAndGradWithAux(
                (Tensor th) -> objective.apply(th, inner.get().params()))
                .apply(Tensor.scalar(finalTheta));
        Step lastStep = describe(o.steps() + 1, finalTheta, last.value().item(), last.gradient().item(), last.aux(),
                inner.get(), adjoint.get(), split);

        GradientCheck check = gradientCheck(steps.get(0), objective, firstSolution.get());
        return new Result(steps, lastStep, check, o.train(), o.validation());
    }

    /**
     * The hypergradient of step 1 against central differences of the validation loss, each side
     * re-solved from β*(θ₀) (h = 1e-3: the truncation error h²·|f'''|/6 stays below the inner
     * solve's error divided by h).
     */
    private static GradientCheck gradientCheck(Step first,
                                               BiFunction<Tensor, Tensor, Autodiff.Aux<Tensor>> objective,
                                               Tensor start) {
        double h = 1e-3;
        DoubleUnaryOperator loss = th -> objective.apply(Tensor.scalar(th), start).value().item();
        double fd = (loss.applyAsDouble(first.theta() + h) - loss.applyAsDouble(first.theta() - h)) / (2 * h);
        return new GradientCheck(first.theta(), first.hypergradient(), fd, h);
    }

    private static Step describe(int step, double theta, double loss, double grad, Tensor beta,
                                 SolverResult<Tensor, BlockCoordinateDescent.State> r, ImplicitDiagnostics adj,
                                 Split split) {
        Tensor lam = Tensor.scalar(Math.exp(theta));
        Args a = new Args(lam, split.train().images(), split.trainOneHot());
        Tensor w = weights(beta, a);
        Objectives.Data data = new Objectives.Data(a.x(), a.y());
        double gap = SvmObjectives.multiclassLinearSvmDualityGap(beta, lam, data).item();
        double primal = SvmObjectives.multiclassLinearSvmPrimal(w, lam, data).item();
        return new Step(step, theta, lam.item(), loss, grad, accuracy(w, split.train()),
                accuracy(w, split.validation()), r.iterations(), r.error(), primal, gap,
                adj == null || adj.linearSolve() == null ? Double.NaN : adj.linearSolve().relativeResidual());
    }
}
