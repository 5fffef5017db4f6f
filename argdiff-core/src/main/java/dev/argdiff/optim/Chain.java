package dev.argdiff.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Transformations applied one after the other (Optax's {@code chain}); built with
 * {@link GradientTransformation#chain}. Its state lists the state of every transformation, in
 * order.
 */
public final class Chain implements GradientTransformation<Chain.State> {

    /**
     * One state per transformation of the chain, in order.
     *
     * @param states the states (an unmodifiable list)
     */
    public record State(List<Object> states) {
        /** @throws IllegalArgumentException if {@code states} is null */
        public State {
            if (states == null) {
                throw new IllegalArgumentException("Chain.State: states is null");
            }
            for (int i = 0; i < states.size(); i++) {
                if (states.get(i) == null) {
                    throw new IllegalArgumentException("Chain.State: state " + i + " is null");
                }
            }
            states = List.copyOf(states);
        }

        /** The state of the i-th transformation. */
        public Object get(int i) {
            return states.get(i);
        }
    }

    private final List<GradientTransformation<?>> transforms;

    Chain(GradientTransformation<?>... transforms) {
        if (transforms == null) {
            throw new IllegalArgumentException("chain: transforms is null");
        }
        for (int i = 0; i < transforms.length; i++) {
            if (transforms[i] == null) {
                throw new IllegalArgumentException("chain: transform " + i + " is null");
            }
        }
        this.transforms = List.copyOf(Arrays.asList(transforms));
    }

    /** The transformations, in order. */
    public List<GradientTransformation<?>> transforms() {
        return transforms;
    }

    @Override
    public <P> State init(P params) {
        Checks.requireParams("chain.init", params);
        List<Object> states = new ArrayList<>(transforms.size());
        for (GradientTransformation<?> t : transforms) {
            states.add(t.init(params));
        }
        return new State(states);
    }

    @Override
    public <P> Update<P, State> update(P updates, State state, P params) {
        Checks.requireUpdates("chain", updates, state);
        if (state.states().size() != transforms.size()) {
            throw new IllegalArgumentException("chain: the state has " + state.states().size()
                    + " entries for " + transforms.size() + " transforms");
        }
        P u = updates;
        List<Object> states = new ArrayList<>(transforms.size());
        for (int i = 0; i < transforms.size(); i++) {
            Update<P, Object> r = step(transforms.get(i), u, state.get(i), params);
            u = r.updates();
            states.add(r.state());
        }
        return new Update<>(u, new State(states));
    }

    // Sound: each state was produced by init/update of the same transformation.
    @SuppressWarnings("unchecked")
    private static <P> Update<P, Object> step(GradientTransformation<?> t, P updates, Object state, P params) {
        return ((GradientTransformation<Object>) t).update(updates, state, params);
    }

    @Override
    public String toString() {
        return transforms.stream().map(Object::toString).collect(Collectors.joining(", ", "chain(", ")"));
    }
}
