package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.objective.Objectives;
import dev.argdiff.optim.Chain;
import dev.argdiff.optim.GradientTransformation;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.solvers.LBFGS;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Dataset distillation on the digits (JAXopt's {@code dataset_distillation} notebook; Maclaurin et
 * al. 2015, Wang et al. 2018): one synthetic 8×8 image per class is learned so that a logistic
 * regression trained on these ten images alone does well on the real training digits.
 *
 * <pre>
 *   inner:  W*(θ) = argmin_W (1/10)·Σ_c ℓ(c, θ_c·W) + ½·l2reg·‖W‖²     (W is 64×10)
 *           — multiclass logistic regression on the distilled images θ (10×64, image c has label c),
 *           solved by L-BFGS, warm-started from the previous outer step's W;
 *   outer:  min_θ (1/n)·Σᵢ ℓ(yᵢ, xᵢ·W*(θ)) over the n real training digits, by Adam.
 * </pre>
 * ℓ is the softmax cross-entropy. The derivative of W* in θ comes from implicit differentiation of the inner
 * optimality condition ∇_W = 0 (L-BFGS's own condition; the adjoint system, with the 640×640
 * Hessian, is solved by conjugate gradient). At each step the model W*(θ) is also scored on
 * held-out digits: its loss and accuracy measure how much of the training set the ten images
 * carry.
 *
 * <p>Data: the 1797 digits shuffled by the seed and scaled to [0, 1]; the first {@value #TRAIN}
 * are the training set of the outer loss, the others are held out. The distilled images start
 * as small seeded Gaussian noise (standard deviation 0.01, as JAXopt's notebook starts near 0).
 */
public final class DistillationExample {
    private DistillationExample() {
    }

    /** Number of real digits in the outer (training) loss; the other 597 are held out. */
    static final int TRAIN = 1200;
    /** Number of classes, hence of distilled images. */
    static final int CLASSES = 10;
    /** Pixels per image. */
    static final int PIXELS = 64;

    /**
     * @param steps        outer Adam steps (≥ 1)
     * @param learningRate Adam's learning rate (> 0)
     * @param l2reg        l2 regularization of the inner logistic regression (> 0)
     * @param innerMaxiter iteration limit of the inner L-BFGS (≥ 1)
     * @param innerTol     stopping tolerance of the inner L-BFGS, on ‖∇_W‖ (> 0)
     * @param seed         the seed of the train/held-out split and of the initial images
     */
    public record Options(int steps, double learningRate, double l2reg, int innerMaxiter, double innerTol, long seed) {
        public Options {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("--learning-rate must be a positive number, got " + learningRate);
            }
            if (!(l2reg > 0) || !Double.isFinite(l2reg)) {
                throw new IllegalArgumentException("--l2reg must be a positive number, got " + l2reg);
            }
            if (innerMaxiter < 1) {
                throw new IllegalArgumentException("--inner-maxiter must be >= 1, got " + innerMaxiter);
            }
            if (!(innerTol > 0) || !Double.isFinite(innerTol)) {
                throw new IllegalArgumentException("--inner-tol must be a positive number, got " + innerTol);
            }
        }

        /** 100 Adam(0.05) steps, l2reg 0.1 (JAXopt's), inner L-BFGS to ‖∇‖ ≤ 1e-8. */
        public static Options defaults() {
            return new Options(100, 0.05, 0.1, 500, 1e-8, 0);
        }
    }

    /**
     * One outer step, evaluated before the update: the outer (training) loss of W*(θ), the norm
     * of the hypergradient, the held-out loss and accuracy of W*(θ), the inner L-BFGS's iterations
     * and final ‖∇‖, and the adjoint solve's relative residual.
     */
    public record Step(int step, double loss, double gradientNorm, double heldOutLoss, double heldOutAccuracy,
                       int innerIterations, double innerError, double adjointResidual) {
    }

    /** The steps and the final distilled images (10 rows of 64 pixels, row c for digit c). */
    public record Result(List<Step> steps, double[][] images) {
    }

    /** The inner problem's arguments: the distilled images (10×64) and the regularization. */
    record Args(Tensor images, Tensor l2reg) {
    }

    /** The training and held-out digits, and the initial distilled images of these options. */
    record Setup(Objectives.Data train, Objectives.Data heldOut, Tensor images) {
    }

    /** L(θ), ∂L/∂θ, W*(θ) and the diagnostics of one evaluation. */
    record Evaluation(double loss, Tensor gradient, Tensor weights, SolverResult<Tensor, LBFGS.State<Tensor>> inner,
                      ImplicitDiagnostics adjoint) {
    }

    /** The distilled labels 0, 1, …, 9. */
    static final Tensor DISTILLED_LABELS = Tensor.arange(CLASSES);

    static Setup setup(Options options) {
        DigitsTensors digits = DigitsTensors.shuffled(options.seed());
        DigitsTensors train = digits.rows(0, TRAIN);
        DigitsTensors heldOut = digits.rows(TRAIN, digits.size());
        Tensor images = Tensor.randomNormal(options.seed() + 1, CLASSES, PIXELS).mul(0.01);
        return new Setup(new Objectives.Data(train.images(), train.labelTensor()),
                new Objectives.Data(heldOut.images(), heldOut.labelTensor()), images);
    }

    /** The inner objective: the l2-regularized logistic regression on the distilled images. */
    static Tensor innerObjective(Tensor w, Args a) {
        return Objectives.l2MulticlassLogreg(w, a.l2reg(), new Objectives.Data(a.images(), DISTILLED_LABELS));
    }

    static LBFGS<Tensor, Args> innerSolver(Options options, AtomicReference<ImplicitDiagnostics> adjoint) {
        return LBFGS.<Tensor, Args>of(DistillationExample::innerObjective)
                .maxiter(options.innerMaxiter()).tol(options.innerTol())
                .implicitOptions(ImplicitOptions.defaults().withObserver(adjoint::set));
    }

    /** L(θ) = mean loss of W*(θ) on the training digits, and ∂L/∂θ by implicit differentiation. */
    static Evaluation evaluate(Options options, Objectives.Data train, Tensor images, Tensor warmStart) {
        AtomicReference<ImplicitDiagnostics> adjoint = new AtomicReference<>();
        LBFGS<Tensor, Args> solver = innerSolver(options, adjoint);
        Tensor l2reg = Tensor.scalar(options.l2reg());
        AtomicReference<SolverResult<Tensor, LBFGS.State<Tensor>>> inner = new AtomicReference<>();
        Autodiff.ValueAuxAndGrad<Tensor, Tensor> r = Autodiff.valueAndGradWithAux((Tensor theta) -> {
            SolverResult<Tensor, LBFGS.State<Tensor>> s = solver.run(warmStart, new Args(theta, l2reg));
            inner.set(s);
            return new Autodiff.Aux<>(Objectives.multiclassLogreg(s.params(), train), s.params());
        }).apply(images);
        return new Evaluation(r.value().item(), r.gradient(), r.aux(), inner.get(), adjoint.get());
    }

    /** The fraction of rows whose largest logit is at their label. */
    static double accuracy(Tensor w, Objectives.Data data) {
        double[][] logits = data.x().matmul(w).toArray2d();
        double[] labels = data.y().toArray();
        int correct = 0;
        for (int i = 0; i < logits.length; i++) {
            int best = 0;
            for (int c = 1; c < logits[i].length; c++) {
                if (logits[i][c] > logits[i][best]) {
                    best = c;
                }
            }
            correct += best == (int) labels[i] ? 1 : 0;
        }
        return (double) correct / logits.length;
    }

    /** Runs the example, calling {@code onStep} after each outer step. */
    public static Result run(Options options, Consumer<Step> onStep) {
        Setup setup = setup(options);
        Chain adam = Optimizers.adam(options.learningRate());
        Tensor images = setup.images();
        Chain.State adamState = adam.init(images);
        Tensor weights = Tensor.zeros(PIXELS, CLASSES);
        List<Step> steps = new ArrayList<>();
        for (int k = 0; k < options.steps(); k++) {
            Evaluation e = evaluate(options, setup.train(), images, weights);
            Step step = new Step(k + 1, e.loss(), Math.sqrt(e.gradient().squaredNorm().item()),
                    Objectives.multiclassLogreg(e.weights(), setup.heldOut()).item(),
                    accuracy(e.weights(), setup.heldOut()), e.inner().iterations(), e.inner().error(),
                    e.adjoint() == null || e.adjoint().linearSolve() == null ? Double.NaN
                            : e.adjoint().linearSolve().relativeResidual());
            steps.add(step);
            if (onStep != null) {
                onStep.accept(step);
            }
            Divergence.checkStep(k + 1, step.loss(), step.gradientNorm(), "--learning-rate", options.learningRate());
            GradientTransformation.Update<Tensor, Chain.State> u = adam.update(e.gradient(), adamState, images);
            images = Optimizers.applyUpdates(images, u.updates());
            Divergence.checkUpdate(k + 1, "the images", images, "--learning-rate", options.learningRate());
            adamState = u.state();
            weights = e.weights();
        }
        return new Result(steps, images.toArray2d());
    }
}
