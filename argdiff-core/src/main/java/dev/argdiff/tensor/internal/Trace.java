package dev.argdiff.tensor.internal;

import dev.argdiff.tensor.Primitive;
import dev.argdiff.tensor.Tensor;

/**
 * One active transformation (a forward-mode or reverse-mode differentiation) at a nesting
 * level. Levels are assigned per thread by {@link Dispatch}: the innermost transform has the
 * highest level, and a primitive applied to tracers is processed by the trace of the highest
 * level among its inputs. This is what keeps derivatives of different nesting levels apart
 * (no "perturbation confusion"), as in JAX's Autodidax design — but with the trace stack kept
 * per thread rather than global.
 *
 * <p>Implementations live in {@code dev.argdiff.ad}; users never see this type.
 */
public abstract class Trace implements AutoCloseable {
    private final int level;
    private final Thread owner;
    private boolean active = true;

    /** A trace at the next nesting level of the calling thread. */
    protected Trace() {
        this.level = Dispatch.enter(this);
        this.owner = Thread.currentThread();
    }

    /** The nesting level of this trace on its thread. */
    public final int level() {
        return level;
    }

    /** Whether the transform that opened this trace is still running. */
    public final boolean isActive() {
        return active;
    }

    /** The thread that opened this trace: the only one that may operate on its values. */
    final Thread owner() {
        return owner;
    }

    /** Applies a primitive to inputs of which at least one is a tracer of this trace. */
    public abstract Tensor process(Primitive primitive, Tensor[] inputs);

    /** Applies a function carrying its own derivative rules. */
    public abstract Tensor[] processCustom(CustomRule rule, Tensor[] inputs);

    /** Ends this transformation; tracers of this trace may no longer be operated on. */
    @Override
    public void close() {
        if (!active) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a trace must be closed by the thread that opened it");
        }
        active = false;
        Dispatch.exit(level);
    }

    /** This trace's own tracer inside {@code t}, or null when t is not traced at this level. */
    protected final Tracer own(Tensor t) {
        Tracer tr = TracedTensors.tracerOf(t);
        return tr != null && tr.trace() == this ? tr : null;
    }

    /** The primal of t at this level (t itself when t is not a tracer of this trace). */
    public final Tensor primalOf(Tensor t) {
        Tracer tr = own(t);
        return tr == null ? t : tr.primal();
    }
}
