package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Adds weightDecay·params to the updates (Optax's {@code add_decayed_weights}); stateless.
 * Placed after {@link ScaleByAdam} and before the learning rate, this is AdamW's decoupled
 * weight decay (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019).
 *
 * <p>weightDecay must be finite and ≥ 0 (a negative decay is a negative regularization).
 * {@link #update} requires the parameters.
 */
public final class AddDecayedWeights implements GradientTransformation<EmptyState> {

    private final double weightDecay;

    AddDecayedWeights(String op, double weightDecay) {
        Checks.requireNonNegative(op, "weightDecay", weightDecay);
        this.weightDecay = weightDecay;
    }

    /** The weight-decay rate. */
    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public <P> EmptyState init(P params) {
        Checks.requireParams("addDecayedWeights.init", params);
        return EmptyState.INSTANCE;
    }

    @Override
    public <P> Update<P, EmptyState> update(P updates, EmptyState state, P params) {
        Checks.requireUpdates("addDecayedWeights", updates, state);
        if (params == null) {
            throw new IllegalArgumentException("addDecayedWeights: params is null; this transformation needs the "
                    + "parameters (it adds weightDecay * params)");
        }
        Pytree.Flat u = Pytree.flatten(updates);
        List<Tensor> p = Checks.leavesLike("addDecayedWeights", "params", params, u);
        List<Tensor> out = new ArrayList<>(p.size());
        for (int i = 0; i < p.size(); i++) {
            out.add(u.leaves().get(i).add(p.get(i).mul(weightDecay)));
        }
        return new Update<>(Checks.unflatten(u, out), state);
    }

    @Override
    public String toString() {
        return "addDecayedWeights(" + weightDecay + ")";
    }
}
