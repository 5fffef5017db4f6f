package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.linalg.SolveFailedException;
import dev.argdiff.linalg.dense.SVD;
import dev.argdiff.objective.Losses;
import dev.argdiff.optim.Chain;
import dev.argdiff.optim.GradientTransformation;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.solvers.AndersonAcceleration;
import dev.argdiff.solvers.FixedPointIteration;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.solvers.SolverState;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A deep equilibrium classifier (Bai, Kolter, Koltun, "Deep Equilibrium Models", NeurIPS 2019) on
 * the bundled 8×8 digits, trained by implicit differentiation of its fixed point.
 *
 * <pre>
 *   hidden state:  z*(x) = tanh(W z* + U x + b)          (h units, one fixed point per image)
 *   logits:        V z* + c;   loss: mean softmax cross-entropy over a mini-batch
 * </pre>
 * The fixed points of a mini-batch are found together, as one n×h fixed point Z = tanh(Z Wᵀ + X Uᵀ
 * + 1bᵀ), by {@link AndersonAcceleration} (or {@link FixedPointIteration}, the baseline), from
 * Z = 0, to ‖T(Z) − Z‖ ≤ tol. The gradient of the loss in (W, U, b) goes through z* by the
 * implicit function theorem — an adjoint solve (I − ∂T/∂Z)ᵀu = ∂loss/∂Z by GMRES, whatever path
 * the forward solver took — or, with {@code unrolling}, by backpropagating through the solver's
 * iterations. Parameters are trained with Adam.
 *
 * <p><b>Contraction.</b> tanh is 1-Lipschitz, so ‖W‖₂ ≤ γ &lt; 1 makes T a γ-contraction in z:
 * the fixed point exists, is unique, and the adjoint system is well conditioned
 * (‖(I − ∂T)⁻¹‖ ≤ 1/(1 − γ)). Instead of spectral normalization inside the model (W/σ(W), whose
 * σ is only estimated by power iteration), W is projected onto the ball ‖W‖₂ ≤ γ after every
 * Adam step, exactly, by clipping its singular values (one h×h SVD per step); default γ = 0.9.
 *
 * <p><b>Failures are reported.</b> A step whose forward solve does not reach {@code tol}, or whose
 * adjoint solve does not converge (implicit differentiation certifies both and throws), or whose
 * gradient is not finite, is skipped — the parameters are left unchanged — and counted, with its
 * reason, in the epoch's record; it is never used.
 */
public final class DeqExample {
    private DeqExample() {
    }

    /** The fixed-point solver of the hidden state. */
    public enum Solver {
        ANDERSON, FIXED_POINT
    }

    /**
     * @param solver          the forward solver (Anderson acceleration by default)
     * @param unrolling       differentiate through the solver's iterations instead of implicitly
     * @param epochs          passes over the training images (≥ 1)
     * @param batchSize       images per Adam step (≥ 1)
     * @param hidden          h, the size of the hidden state (≥ 1)
     * @param learningRate    Adam's learning rate (&gt; 0)
     * @param maxSpectralNorm γ ∈ (0, 1): the bound kept on ‖W‖₂
     * @param tol             the forward solver's tolerance on ‖T(Z) − Z‖ (&gt; 0)
     * @param maxiter         its iteration limit (≥ 1)
     * @param trainSize       training images (the rest of the 1797 are held out; 1 ≤ trainSize &lt; 1797)
     * @param seed            the seed of the split, the initialization and the batch order
     */
    public record Options(Solver solver, boolean unrolling, int epochs, int batchSize, int hidden,
                          double learningRate, double maxSpectralNorm, double tol, int maxiter, int trainSize,
                          long seed) {
        public Options {
            if (solver == null) {
                throw new IllegalArgumentException("--solver must be given");
            }
            requireAtLeastOne("--epochs", epochs);
            requireAtLeastOne("--batch-size", batchSize);
            requireAtLeastOne("--hidden", hidden);
            requireAtLeastOne("--maxiter", maxiter);
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("--learning-rate must be a positive number, got " + learningRate);
            }
            if (!(maxSpectralNorm > 0 && maxSpectralNorm < 1)) {
                throw new IllegalArgumentException("--max-spectral-norm must be in (0, 1) for a contraction, got "
                        + maxSpectralNorm);
            }
            if (!(tol > 0) || !Double.isFinite(tol)) {
                throw new IllegalArgumentException("--tol must be a positive number, got " + tol);
            }
            if (trainSize < 1 || trainSize >= 1797) {
                throw new IllegalArgumentException("--train-size must be in 1..1796 (the rest is held out), got "
                        + trainSize);
            }
        }

        /** Anderson, implicit, 5 epochs of batches of 100, h = 32, Adam(0.01), γ = 0.9, tol 1e-6, 1347 training images. */
        public static Options defaults() {
            return new Options(Solver.ANDERSON, false, 5, 100, 32, 0.01, 0.9, 1e-6, 300, 1347, 0);
        }

        private static void requireAtLeastOne(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + value);
            }
        }
    }

    /** The model's parameters: W (h×h), U (h×64), b (h), V (10×h), c (10). */
    public record Params(Tensor w, Tensor u, Tensor b, Tensor v, Tensor c) {
    }

    /** θ of the fixed-point map: W and the injection X Uᵀ + 1bᵀ (n×h), computed once per batch. */
    record Inner(Tensor w, Tensor injection) {
    }

    /** What the forward solve of one loss evaluation did. */
    record Forward(int iterations, double error, boolean converged) {
    }

    /**
     * One epoch: mean training loss over the steps used, held-out accuracy after the epoch, the
     * mean forward-solver iterations and mean adjoint (GMRES) iterations per step used (NaN when
     * unrolling), the steps taken and skipped, the first skip's reason (or null), the wall time of
     * the epoch's training steps in seconds, and whether every held-out forward solve converged.
     */
    public record Epoch(int epoch, double trainLoss, double heldOutAccuracy, double meanForwardIterations,
                        double meanAdjointIterations, int steps, int skippedSteps, String firstSkipReason,
                        double trainSeconds, boolean heldOutConverged) {
    }

    /** The epochs and the trained parameters. */
    public record Result(List<Epoch> epochs, Params params) {
    }

    /** The fixed-point map T(Z) = tanh(Z Wᵀ + injection). */
    static Tensor fixedPointMap(Tensor z, Inner a) {
        return z.matmul(a.w().transpose()).add(a.injection()).tanh();
    }

    /** A forward solver of the batch's fixed point, as configured. */
    @FunctionalInterface
    interface FixedPointSolve {
        SolverResult<Tensor, ? extends SolverState> run(Tensor z0, Inner args);
    }

    /** The configured solver; {@code observer} hears every implicit derivative's diagnostics. */
    static FixedPointSolve solver(Solver kind, boolean unrolling, double tol, int maxiter,
                                  Consumer<ImplicitDiagnostics> observer) {
        return solver(kind, unrolling, tol, maxiter, ImplicitOptions.defaults().withObserver(observer));
    }

    /** The configured solver with these implicit-differentiation options. */
    static FixedPointSolve solver(Solver kind, boolean unrolling, double tol, int maxiter, ImplicitOptions io) {
        if (kind == Solver.ANDERSON) {
            AndersonAcceleration<Tensor, Inner> s = AndersonAcceleration.<Tensor, Inner>of(DeqExample::fixedPointMap)
                    .tol(tol).maxiter(maxiter).implicitDiff(!unrolling).implicitOptions(io);
            return s::run;
        }
        FixedPointIteration<Tensor, Inner> s = FixedPointIteration.<Tensor, Inner>of(DeqExample::fixedPointMap)
                .tol(tol).maxiter(maxiter).implicitDiff(!unrolling).implicitOptions(io);
        return s::run;
    }

    /** The logits V z*(x) + c of the images x (n×64), and what the forward solve did. */
    static Autodiff.Aux<Forward> logits(Params p, Tensor x, FixedPointSolve solve) {
        Tensor injection = x.matmul(p.u().transpose()).add(p.b());
        int n = x.dim(0);
        SolverResult<Tensor, ? extends SolverState> r = solve.run(Tensor.zeros(n, p.w().dim(0)),
                new Inner(p.w(), injection));
        Tensor logits = r.params().matmul(p.v().transpose()).add(p.c());
        return new Autodiff.Aux<>(logits, new Forward(r.iterations(), r.error(), r.converged()));
    }

    /** The mean softmax cross-entropy of the batch, with what its forward solve did. */
    static Autodiff.Aux<Forward> loss(Params p, Tensor x, Tensor labels, FixedPointSolve solve) {
        Autodiff.Aux<Forward> out = logits(p, x, solve);
        return new Autodiff.Aux<>(Losses.multiclassLogistic(labels, out.value()).mean(), out.aux());
    }

    /** Random initial parameters (W already inside the γ-ball). */
    static Params init(int hidden, int features, int classes, double maxSpectralNorm, long seed) {
        Tensor w = Tensor.randomNormal(seed, hidden, hidden).mul(0.5 / Math.sqrt(hidden));
        Tensor u = Tensor.randomNormal(seed + 1, hidden, features).mul(1.0 / Math.sqrt(features));
        Tensor v = Tensor.randomNormal(seed + 2, classes, hidden).mul(1.0 / Math.sqrt(hidden));
        return new Params(projectSpectralNorm(w, maxSpectralNorm), u, Tensor.zeros(hidden), v, Tensor.zeros(classes));
    }

    /**
     * The nearest matrix (in Frobenius and spectral norm) with ‖W‖₂ ≤ γ: the singular values of W
     * clipped at γ. W itself when it is already inside.
     */
    static Tensor projectSpectralNorm(Tensor w, double gamma) {
        int m = w.dim(0);
        int n = w.dim(1);
        double[] a = w.toArray();
        SVD svd = SVD.decompose(a, m, n);
        double[] s = svd.singularValues();
        if (s.length == 0 || s[0] <= gamma) {
            return w;
        }
        int k = s.length;
        double[] u = svd.u();
        double[] vt = svd.vt();
        double[] out = new double[m * n];
        for (int r = 0; r < k; r++) {
            double sr = Math.min(s[r], gamma);
            for (int i = 0; i < m; i++) {
                double ui = u[i * k + r] * sr;
                for (int j = 0; j < n; j++) {
                    out[i * n + j] += ui * vt[r * n + j];
                }
            }
        }
        return Tensor.of(new int[] {m, n}, out);
    }

    /** Trains the model, calling {@code onEpoch} after every epoch. */
    public static Result run(Options o, Consumer<Epoch> onEpoch) {
        DigitsTensors all = DigitsTensors.shuffled(o.seed());
        DigitsTensors train = all.rows(0, o.trainSize());
        DigitsTensors heldOut = all.rows(o.trainSize(), all.size());
        AtomicReference<ImplicitDiagnostics> lastAdjoint = new AtomicReference<>();
        FixedPointSolve solve = solver(o.solver(), o.unrolling(), o.tol(), o.maxiter(), lastAdjoint::set);
        Params params = init(o.hidden(), train.images().dim(1), 10, o.maxSpectralNorm(), o.seed());
        Chain adam = Optimizers.adam(o.learningRate());
        Chain.State state = adam.init(params);
        SplittableRandom rng = new SplittableRandom(o.seed() + 3);
        List<Epoch> epochs = new ArrayList<>();
        Tensor heldOutLabels = heldOut.labelTensor();
        for (int epoch = 1; epoch <= o.epochs(); epoch++) {
            int[] order = permutation(train.size(), rng);
            double lossSum = 0;
            double forwardSum = 0;
            double adjointSum = 0;
            int used = 0;
            int skipped = 0;
            String firstSkip = null;
            long start = System.nanoTime();
            for (int from = 0; from < order.length; from += o.batchSize()) {
                int[] idx = Arrays.copyOfRange(order, from, Math.min(order.length, from + o.batchSize()));
                Tensor x = train.images().take(idx, 0);
                Tensor y = train.labelTensor().take(idx, 0);
                Outcome step = step(params, x, y, solve, lastAdjoint, o.tol());
                if (step.skipReason() != null) {
                    skipped++;
                    firstSkip = firstSkip == null ? "epoch " + epoch + ", batch at " + from + ": " + step.skipReason()
                            : firstSkip;
                    continue;
                }
                Autodiff.ValueAuxAndGrad<Params, Forward> vg = step.result();
                used++;
                lossSum += vg.value().item();
                forwardSum += vg.aux().iterations();
                adjointSum += step.adjointIterations();
                GradientTransformation.Update<Params, Chain.State> u = adam.update(vg.gradient(), state, params);
                state = u.state();
                Params next = Optimizers.applyUpdates(params, u.updates());
                params = new Params(projectSpectralNorm(next.w(), o.maxSpectralNorm()), next.u(), next.b(), next.v(),
                        next.c());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Autodiff.Aux<Forward> eval = logits(params, heldOut.images(), solve);
            double accuracy = accuracy(eval.value(), heldOutLabels);
            Epoch e = new Epoch(epoch, used == 0 ? Double.NaN : lossSum / used, accuracy,
                    used == 0 ? Double.NaN : forwardSum / used,
                    o.unrolling() || used == 0 ? Double.NaN : adjointSum / used, used, skipped, firstSkip, seconds,
                    eval.aux().converged());
            epochs.add(e);
            onEpoch.accept(e);
        }
        return new Result(List.copyOf(epochs), params);
    }

    /**
     * One training step's gradient, or why it must not be used: the loss, forward-solve record and
     * gradient, the adjoint solve's iterations (NaN when unrolling), or a skip reason.
     */
    record Outcome(Autodiff.ValueAuxAndGrad<Params, Forward> result, double adjointIterations, String skipReason) {
    }

    /**
     * The loss and its gradient on one batch, refused (with the reason) when the forward solve
     * did not reach {@code tol}, implicit differentiation refused the solution or its adjoint
     * solve, or the gradient is not finite.
     */
    static Outcome step(Params params, Tensor x, Tensor y, FixedPointSolve solve,
                        AtomicReference<ImplicitDiagnostics> lastAdjoint, double tol) {
        lastAdjoint.set(null);
        Autodiff.ValueAuxAndGrad<Params, Forward> vg;
        try {
            vg = Autodiff.valueAndGradWithAux((Params p) -> loss(p, x, y, solve)).apply(params);
        } catch (ImplicitDiffException | SolveFailedException e) {
            return new Outcome(null, Double.NaN, "implicit differentiation refused the step: " + e.getMessage());
        }
        if (!vg.aux().converged()) {
            return new Outcome(null, Double.NaN, String.format(Locale.ROOT, "forward solve did not converge: residual "
                    + "%.3e after %d iterations (tol %.1e)", vg.aux().error(), vg.aux().iterations(), tol));
        }
        if (!Double.isFinite(Pytree.l2Norm(vg.gradient()).item()) || !Double.isFinite(vg.value().item())) {
            return new Outcome(null, Double.NaN, "the loss or its gradient is not finite");
        }
        ImplicitDiagnostics d = lastAdjoint.get();
        return new Outcome(vg, d == null || d.linearSolve() == null ? Double.NaN : d.linearSolve().iterations(), null);
    }

    /** The fraction of rows whose largest logit is at the label. */
    static double accuracy(Tensor logits, Tensor labels) {
        double[][] l = logits.toArray2d();
        double[] y = labels.toArray();
        int right = 0;
        for (int i = 0; i < l.length; i++) {
            int best = 0;
            for (int j = 1; j < l[i].length; j++) {
                if (l[i][j] > l[i][best]) {
                    best = j;
                }
            }
            right += best == (int) y[i] ? 1 : 0;
        }
        return (double) right / l.length;
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
