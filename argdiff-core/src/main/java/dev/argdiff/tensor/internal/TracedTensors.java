package dev.argdiff.tensor.internal;

import dev.argdiff.tensor.Tensor;

import java.lang.invoke.MethodHandles;

/**
 * Makes and reads traced tensors for transform implementations; not API. A traced tensor's
 * constructor and tracer field are private to {@link Tensor}, which hands this class an
 * {@link Access} when it initializes, so the public {@code Tensor} shows no tracing machinery.
 */
public final class TracedTensors {

    /** Tensor's private constructor and field, as Tensor gives them to this package. */
    public interface Access {
        /** A traced tensor with the shape of the tracer's primal. */
        Tensor traced(Tracer tracer);

        /** The tracer of t, null for a concrete tensor. */
        Tracer tracer(Tensor t);
    }

    // Written once, by Tensor's static initializer, before any call can read it: initializing this
    // class initializes Tensor first (below), and a tensor exists before any method here is useful.
    private static Access access;

    static {
        try {
            MethodHandles.lookup().ensureInitialized(Tensor.class);
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TracedTensors() {
    }

    /**
     * Called by {@link Tensor}'s static initializer only.
     *
     * @throws IllegalStateException when called a second time (by anything but Tensor)
     */
    public static void install(Access tensorAccess) {
        if (access != null) {
            throw new IllegalStateException("TracedTensors.install: called by Tensor's initializer only");
        }
        access = tensorAccess;
    }

    /** A traced tensor carrying this tracer (its value is the tracer's primal). */
    public static Tensor traced(Tracer tracer) {
        return access.traced(tracer);
    }

    /** The tracer of t, null when t is concrete (test {@link Tensor#isTraced()} first on hot paths). */
    public static Tracer tracerOf(Tensor t) {
        return access.tracer(t);
    }
}
