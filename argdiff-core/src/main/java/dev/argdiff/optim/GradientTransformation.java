package dev.argdiff.optim;

/**
 * A gradient transformation: the building block of first-order optimizers (Optax's
 * {@code GradientTransformation}).
 *
 * <p>{@link #init} builds the state for a tree of parameters; {@link #update} maps incoming
 * updates (usually a gradient) and the state to outgoing updates and a new state. States are
 * immutable records — tensors, trees shaped like the parameters, and static {@code int}
 * counters — so an update never mutates its input and a state can be kept, compared, or passed
 * through {@link dev.argdiff.ad.Autodiff} transforms. Optimizers are {@link #chain chains} of
 * transformations, applied to parameters with {@link Optimizers#applyUpdates}.
 *
 * <p>Parameters are any {@link dev.argdiff.ad.Pytree} (a {@code Tensor}, a record, a list, a
 * map…); the type is chosen per call, so one transformation serves every parameter tree. The
 * updates are computed with differentiable tensor operations: differentiating through an
 * optimizer step (meta-learning, unrolled differentiation) works at any order.
 *
 * <pre>{@code
 * Chain opt = Optimizers.adam(1e-2);
 * Chain.State state = opt.init(params);
 * for (int k = 0; k < 100; k++) {
 *     Tensor g = Autodiff.grad(loss).apply(params);
 *     GradientTransformation.Update<Tensor, Chain.State> u = opt.update(g, state, params);
 *     params = Optimizers.applyUpdates(params, u.updates());
 *     state = u.state();
 * }
 * }</pre>
 *
 * <p>To write a new transformation, implement this interface with a record state (see
 * {@link Trace} for a small example), or use {@link Transforms#stateless} for a per-leaf rule.
 *
 * @param <S> the state type
 */
public interface GradientTransformation<S> {

    /** The outgoing updates (a tree shaped like the incoming ones) and the new state. */
    record Update<P, S>(P updates, S state) {
    }

    /**
     * The initial state for these parameters.
     *
     * @throws IllegalArgumentException if params is null
     */
    <P> S init(P params);

    /**
     * Transforms the updates.
     *
     * @param updates the incoming updates, e.g. a gradient, shaped like the parameters
     * @param state   the state returned by {@link #init} or by the previous update
     * @param params  the current parameters; only some transformations read them
     *                ({@link AddDecayedWeights} requires them), others accept null
     * @throws IllegalArgumentException if the updates or the state are null, or the updates and
     *                                  the state (or params) differ in tree structure or shapes
     */
    <P> Update<P, S> update(P updates, S state, P params);

    /**
     * The transformations applied in order: the updates out of one are the updates into the
     * next; the state holds one state per transformation (Optax's {@code chain}). An empty chain
     * is the identity.
     *
     * @throws IllegalArgumentException if a transformation is null
     */
    static Chain chain(GradientTransformation<?>... transforms) {
        return new Chain(transforms);
    }
}
