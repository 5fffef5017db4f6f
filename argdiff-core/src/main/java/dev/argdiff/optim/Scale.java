package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

/**
 * Multiplies every update by a fixed step (Optax's {@code scale}); stateless. Built by
 * {@link Transforms#scale} and {@link Transforms#scaleByLearningRate} (step = −learning rate).
 * The step is a 0-d tensor, so it may be traced: derivatives with respect to it flow through
 * the update.
 */
public final class Scale implements GradientTransformation<EmptyState> {

    private final Tensor step;

    Scale(Tensor step) {
        this.step = step;
    }

    /** The factor every update is multiplied by. */
    public Tensor step() {
        return step;
    }

    @Override
    public <P> EmptyState init(P params) {
        Checks.requireParams("scale.init", params);
        return EmptyState.INSTANCE;
    }

    @Override
    public <P> Update<P, EmptyState> update(P updates, EmptyState state, P params) {
        Checks.requireUpdates("scale", updates, state);
        return new Update<>(Pytree.map(updates, u -> u.mul(step)), state);
    }

    @Override
    public String toString() {
        return "scale(" + step.item() + ")";
    }
}
