package dev.argdiff.optim;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Momentum: an accumulated trace of past updates (Optax's {@code trace}).
 *
 * <p>With incoming update g: t_k = g + decay·t_{k−1} (t_0 = 0); the outgoing update is t_k, or,
 * with Nesterov momentum, g + decay·t_k. Chained before {@link Transforms#scaleByLearningRate}
 * this is heavy-ball / Nesterov SGD in the form of Sutskever et al. (the learning rate multiplies
 * the trace, it is not inside it).
 *
 * <p>decay must be in [0, 1): at 1 or above the trace is a growing sum of gradients, which is
 * not momentum. Optax does not check; argdiff refuses.
 *
 * <p>Reference: I. Sutskever, J. Martens, G. Dahl and G. Hinton, "On the importance of
 * initialization and momentum in deep learning", ICML 2013.
 */
public final class Trace implements GradientTransformation<Trace.State> {

    /** The trace t_k, a tree shaped like the parameters. */
    public record State(Object trace) {
    }

    private final double decay;
    private final boolean nesterov;

    Trace(String op, String name, double decay, boolean nesterov) {
        Checks.requireDecay(op, name, decay);
        this.decay = decay;
        this.nesterov = nesterov;
    }

    /** The decay rate of the trace. */
    public double decay() {
        return decay;
    }

    /** Whether the Nesterov form is used. */
    public boolean nesterov() {
        return nesterov;
    }

    @Override
    public <P> State init(P params) {
        Checks.requireParams("trace.init", params);
        return new State(Pytree.zerosLike(params));
    }

    @Override
    public <P> Update<P, State> update(P updates, State state, P params) {
        Checks.requireUpdates("trace", updates, state);
        Pytree.Flat g = Pytree.flatten(updates);
        List<Tensor> previous = Checks.leavesLike("trace", "state.trace", state.trace(), g);
        List<Tensor> trace = new ArrayList<>(previous.size());
        List<Tensor> out = new ArrayList<>(previous.size());
        for (int i = 0; i < previous.size(); i++) {
            Tensor gi = g.leaves().get(i);
            Tensor t = gi.add(previous.get(i).mul(decay));
            trace.add(t);
            out.add(nesterov ? gi.add(t.mul(decay)) : t);
        }
        return new Update<>(Checks.unflatten(g, out), new State(Checks.unflatten(g, trace)));
    }

    @Override
    public String toString() {
        return "trace(decay=" + decay + ", nesterov=" + nesterov + ")";
    }
}
