package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The usual first-order optimizers, as chains of {@link Transforms} with Optax's names, defaults
 * and semantics (Optax's {@code alias.py}), and {@link #applyUpdates}.
 *
 * <p>Every optimizer takes its learning rate as a {@code double} or as a 0-d {@link Tensor};
 * a traced tensor makes the optimizer's steps differentiable with respect to the learning rate
 * (hyperparameter optimization by unrolled differentiation).
 *
 * <p>Learning rates must be finite and ≥ 0. Optax accepts a negative learning rate (it then
 * ascends); argdiff refuses it because a negative rate is nearly always a sign mistake made by
 * someone flipping the sign already flipped by {@code scaleByLearningRate}. Chain
 * {@link Transforms#scale} for a signed step.
 */
public final class Optimizers {
    private Optimizers() {
    }

    // ------------------------------------------------------------------ SGD

    /** Plain gradient descent: x ← x − lr·g. Chain of identity and scale(−lr), as Optax's {@code sgd(lr)}. */
    public static Chain sgd(double learningRate) {
        return sgd(Tensor.scalar(learningRate));
    }

    /** {@link #sgd(double)} with a 0-d, possibly traced, learning rate. */
    public static Chain sgd(Tensor learningRate) {
        Tensor lr = Checks.requireLearningRate("sgd", learningRate);
        return GradientTransformation.chain(Transforms.identity(), new Scale(lr.neg()));
    }

    /**
     * SGD with momentum (Optax's {@code sgd(lr, momentum, nesterov)}): t = g + momentum·t_prev,
     * x ← x − lr·t, or x ← x − lr·(g + momentum·t) with Nesterov.
     *
     * @throws IllegalArgumentException if learningRate is negative or not finite, or momentum is
     *                                  outside [0, 1)
     */
    public static Chain sgd(double learningRate, double momentum, boolean nesterov) {
        return sgd(Tensor.scalar(learningRate), momentum, nesterov);
    }

    /** {@link #sgd(double, double, boolean)} with a 0-d, possibly traced, learning rate. */
    public static Chain sgd(Tensor learningRate, double momentum, boolean nesterov) {
        Tensor lr = Checks.requireLearningRate("sgd", learningRate);
        return GradientTransformation.chain(new Trace("sgd", "momentum", momentum, nesterov), new Scale(lr.neg()));
    }

    /**
     * Heavy-ball momentum: the same chain as {@code sgd(learningRate, beta, false)} (Optax has no
     * separate alias; this is its {@code sgd(lr, momentum=beta)}).
     *
     * @throws IllegalArgumentException if learningRate is negative or not finite, or beta is
     *                                  outside [0, 1)
     */
    public static Chain momentum(double learningRate, double beta) {
        return momentum(Tensor.scalar(learningRate), beta);
    }

    /** {@link #momentum(double, double)} with a 0-d, possibly traced, learning rate. */
    public static Chain momentum(Tensor learningRate, double beta) {
        Tensor lr = Checks.requireLearningRate("momentum", learningRate);
        return GradientTransformation.chain(new Trace("momentum", "beta", beta, false), new Scale(lr.neg()));
    }

    // ------------------------------------------------------------------ Adam

    /** Adam with Optax's defaults b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0. */
    public static Chain adam(double learningRate) {
        return adam(learningRate, 0.9, 0.999, 1e-8, 0.0);
    }

    /** {@link #adam(double)} with a 0-d, possibly traced, learning rate. */
    public static Chain adam(Tensor learningRate) {
        return adam(learningRate, 0.9, 0.999, 1e-8, 0.0);
    }

    /** Adam with epsRoot = 0. */
    public static Chain adam(double learningRate, double b1, double b2, double eps) {
        return adam(learningRate, b1, b2, eps, 0.0);
    }

    /**
     * Adam (Kingma and Ba, ICLR 2015): chain of {@link ScaleByAdam} and scale(−lr), as Optax's
     * {@code adam}. Use epsRoot &gt; 0 (e.g. 1e-16) when differentiating through the steps.
     *
     * @throws IllegalArgumentException if learningRate is negative or not finite, b1 or b2 is
     *                                  outside [0, 1), or eps or epsRoot is negative
     */
    public static Chain adam(double learningRate, double b1, double b2, double eps, double epsRoot) {
        return adam(Tensor.scalar(learningRate), b1, b2, eps, epsRoot);
    }

    /** {@link #adam(double, double, double, double, double)} with a 0-d, possibly traced, learning rate. */
    public static Chain adam(Tensor learningRate, double b1, double b2, double eps, double epsRoot) {
        Tensor lr = Checks.requireLearningRate("adam", learningRate);
        return GradientTransformation.chain(new ScaleByAdam("adam", b1, b2, eps, epsRoot), new Scale(lr.neg()));
    }

    /** AdamW with Optax's defaults b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, weightDecay = 1e-4. */
    public static Chain adamw(double learningRate) {
        return adamw(Tensor.scalar(learningRate), 0.9, 0.999, 1e-8, 0.0, 1e-4);
    }

    /** {@link #adamw(double)} with a 0-d, possibly traced, learning rate. */
    public static Chain adamw(Tensor learningRate) {
        return adamw(learningRate, 0.9, 0.999, 1e-8, 0.0, 1e-4);
    }

    /** AdamW with every hyperparameter given. */
    public static Chain adamw(double learningRate, double b1, double b2, double eps, double epsRoot,
                              double weightDecay) {
        return adamw(Tensor.scalar(learningRate), b1, b2, eps, epsRoot, weightDecay);
    }

    /**
     * AdamW (Loshchilov and Hutter, ICLR 2019): chain of {@link ScaleByAdam},
     * {@link AddDecayedWeights} and scale(−lr), as Optax's {@code adamw}; the decay is scaled by
     * the learning rate but not by Adam's normalization.
     *
     * @throws IllegalArgumentException as {@link #adam(double, double, double, double, double)}, or
     *                                  if weightDecay is negative or not finite
     */
    public static Chain adamw(Tensor learningRate, double b1, double b2, double eps, double epsRoot,
                              double weightDecay) {
        Tensor lr = Checks.requireLearningRate("adamw", learningRate);
        return GradientTransformation.chain(new ScaleByAdam("adamw", b1, b2, eps, epsRoot),
                new AddDecayedWeights("adamw", weightDecay), new Scale(lr.neg()));
    }

    // ------------------------------------------------------------------ trees

    /**
     * params + updates, leaf by leaf (Optax's {@code apply_updates}).
     *
     * @throws IllegalArgumentException if either is null or the trees differ in structure
     * @throws ShapeException           if a leaf of updates has another shape than the parameter
     *                                  (no broadcasting: it would silently change a parameter's shape)
     */
    public static <P> P applyUpdates(P params, P updates) {
        if (params == null) {
            throw new IllegalArgumentException("applyUpdates: params is null");
        }
        if (updates == null) {
            throw new IllegalArgumentException("applyUpdates: updates is null");
        }
        Pytree.Flat p = Pytree.flatten(params);
        Pytree.Flat u = Pytree.flatten(updates);
        if (!p.def().sameStructure(u.def())) {
            throw new IllegalArgumentException("applyUpdates: params have structure " + p.def()
                    + " but updates have structure " + u.def());
        }
        List<Tensor> out = new ArrayList<>(p.leaves().size());
        for (int i = 0; i < p.leaves().size(); i++) {
            Tensor pi = p.leaves().get(i);
            Tensor ui = u.leaves().get(i);
            if (!Arrays.equals(pi.shape(), ui.shape())) {
                throw new ShapeException("applyUpdates: leaf " + i + " has shape " + Arrays.toString(pi.shape())
                        + " in params and " + Arrays.toString(ui.shape()) + " in updates");
            }
            out.add(pi.add(ui));
        }
        return Checks.unflatten(p, out);
    }

    /**
     * The Euclidean norm of all entries of a tree, √(Σ_leaves ‖leaf‖²), as a 0-d tensor (Optax's
     * {@code global_norm}); 0 for a tree without entries. Differentiable, with derivative 0 at 0.
     */
    public static Tensor globalNorm(Object tree) {
        return Pytree.l2Norm(tree);
    }
}
