package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * A stateless transformation given by a rule applied to every leaf (Optax's
 * {@code stateless_with_tree_map}); built by {@link Transforms#stateless} and
 * {@link Transforms#identity}.
 */
public final class Stateless implements GradientTransformation<EmptyState> {

    private final String name;
    private final BinaryOperator<Tensor> rule;

    Stateless(String name, BinaryOperator<Tensor> rule) {
        if (rule == null) {
            throw new IllegalArgumentException("stateless: rule is null");
        }
        this.name = name;
        this.rule = rule;
    }

    @Override
    public <P> EmptyState init(P params) {
        Checks.requireParams(name + ".init", params);
        return EmptyState.INSTANCE;
    }

    @Override
    public <P> Update<P, EmptyState> update(P updates, EmptyState state, P params) {
        Checks.requireUpdates(name, updates, state);
        Pytree.Flat u = Pytree.flatten(updates);
        List<Tensor> p = params == null ? null : Checks.leavesLike(name, "params", params, u);
        List<Tensor> out = new ArrayList<>(u.leaves().size());
        for (int i = 0; i < u.leaves().size(); i++) {
            Tensor r = rule.apply(u.leaves().get(i), p == null ? null : p.get(i));
            if (r == null || !Arrays.equals(r.shape(), u.leaves().get(i).shape())) {
                throw new IllegalStateException(name + ": the rule returned "
                        + (r == null ? "null" : "shape " + Arrays.toString(r.shape()))
                        + " for an update leaf of shape " + Arrays.toString(u.leaves().get(i).shape()));
            }
            out.add(r);
        }
        return new Update<>(Checks.unflatten(u, out), state);
    }

    @Override
    public String toString() {
        return name;
    }
}
