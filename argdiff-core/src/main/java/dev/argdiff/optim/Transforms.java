package dev.argdiff.optim;

import dev.argdiff.tensor.Tensor;

import java.util.function.BinaryOperator;

/**
 * The gradient transformations, under Optax's names and with Optax's defaults. Combine them
 * with {@link GradientTransformation#chain}; {@link Optimizers} has the usual combinations.
 *
 * <p>Hyperparameters are checked when the transformation is built: a bad value throws
 * {@link IllegalArgumentException} naming the argument. Where Optax accepts anything, argdiff
 * refuses values that are almost always mistakes (a negative learning rate, a momentum decay
 * ≥ 1, a negative weight decay); each method says which.
 */
public final class Transforms {
    private Transforms() {
    }

    /** Updates unchanged (Optax's {@code identity}). */
    public static Stateless identity() {
        return new Stateless("identity", (u, p) -> u);
    }

    /**
     * A stateless transformation applying {@code rule(update, param)} to every leaf (Optax's
     * {@code stateless_with_tree_map}). {@code param} is null when update is called without
     * parameters. The rule must return a tensor of the update's shape, and should use tensor
     * operations so that it stays differentiable.
     */
    public static Stateless stateless(BinaryOperator<Tensor> rule) {
        return new Stateless("stateless", rule);
    }

    /**
     * Multiplies the updates by {@code step} (Optax's {@code scale}); any finite sign.
     *
     * @throws IllegalArgumentException if step is not finite
     */
    public static Scale scale(double step) {
        return scale(Tensor.scalar(step));
    }

    /**
     * Multiplies the updates by a 0-d tensor {@code step}, which may be traced (differentiate
     * with respect to the step size).
     *
     * @throws IllegalArgumentException if step is null, not 0-d or not finite
     */
    public static Scale scale(Tensor step) {
        return new Scale(Checks.requireScalar("scale", "step", step));
    }

    /**
     * Multiplies the updates by −learningRate, turning a descent direction into a step (Optax's
     * {@code scale_by_learning_rate} with {@code flip_sign=True}).
     *
     * @throws IllegalArgumentException if learningRate is negative or not finite. Optax allows a
     *                                  negative rate (gradient ascent); argdiff refuses it as the
     *                                  usual sign mistake — use {@link #scale} for a signed step
     */
    public static Scale scaleByLearningRate(double learningRate) {
        return scaleByLearningRate(Tensor.scalar(learningRate));
    }

    /** {@link #scaleByLearningRate(double)} with a 0-d, possibly traced, learning rate. */
    public static Scale scaleByLearningRate(Tensor learningRate) {
        return new Scale(Checks.requireLearningRate("scaleByLearningRate", learningRate).neg());
    }

    /** Adam's rescaling with Optax's defaults b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0. */
    public static ScaleByAdam scaleByAdam() {
        return scaleByAdam(0.9, 0.999, 1e-8, 0.0);
    }

    /**
     * Adam's rescaling (see {@link ScaleByAdam}).
     *
     * @throws IllegalArgumentException if b1 or b2 is outside [0, 1), or eps or epsRoot is
     *                                  negative or not finite
     */
    public static ScaleByAdam scaleByAdam(double b1, double b2, double eps, double epsRoot) {
        return new ScaleByAdam("scaleByAdam", b1, b2, eps, epsRoot);
    }

    /** Momentum without Nesterov: {@code trace(decay, false)}. */
    public static Trace trace(double decay) {
        return trace(decay, false);
    }

    /**
     * Momentum (see {@link Trace}): t = g + decay·t_prev; outputs t, or g + decay·t with Nesterov.
     *
     * @throws IllegalArgumentException if decay is outside [0, 1)
     */
    public static Trace trace(double decay, boolean nesterov) {
        return new Trace("trace", "decay", decay, nesterov);
    }

    /**
     * Adds weightDecay·params to the updates (see {@link AddDecayedWeights}).
     *
     * @throws IllegalArgumentException if weightDecay is negative or not finite
     */
    public static AddDecayedWeights addDecayedWeights(double weightDecay) {
        return new AddDecayedWeights("addDecayedWeights", weightDecay);
    }

    /**
     * Clips the updates to global norm at most maxNorm (see {@link ClipByGlobalNorm}).
     *
     * @throws IllegalArgumentException if maxNorm is not finite and &gt; 0
     */
    public static ClipByGlobalNorm clipByGlobalNorm(double maxNorm) {
        return new ClipByGlobalNorm("clipByGlobalNorm", maxNorm);
    }
}
