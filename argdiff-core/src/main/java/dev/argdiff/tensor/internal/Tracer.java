package dev.argdiff.tensor.internal;

import dev.argdiff.tensor.Tensor;

/**
 * The payload of a traced tensor: the trace it belongs to and its primal value (a tensor of
 * a lower level, possibly itself traced). Subclasses add a tangent (forward mode) or a tape
 * position (reverse mode).
 */
public abstract class Tracer {
    private final Trace trace;
    private final Tensor primal;

    /** A tracer of {@code trace} carrying the value {@code primal}. */
    protected Tracer(Trace trace, Tensor primal) {
        this.trace = trace;
        this.primal = primal;
    }

    /** The trace this tracer belongs to. */
    public final Trace trace() {
        return trace;
    }

    /** The value this tracer carries. */
    public final Tensor primal() {
        return primal;
    }
}
