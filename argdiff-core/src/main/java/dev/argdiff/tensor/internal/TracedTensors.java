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

        /** a + b for concrete tensors of one shape, in storage that nothing else references. */
        Tensor sumInNewStorage(Tensor a, Tensor b);

        /** target += addend, writing target's storage: see {@link TracedTensors#addInPlace}. */
        void addInPlace(Tensor target, Tensor addend);
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

    /**
     * a + b (concrete, same shape) in fresh storage that nothing else references: a buffer that
     * its caller owns and may later pass to {@link #addInPlace}. Values are those of
     * {@code a.add(b)}.
     *
     * @throws IllegalArgumentException if a or b is traced or their shapes differ
     */
    public static Tensor sumInNewStorage(Tensor a, Tensor b) {
        return access.sumInNewStorage(a, b);
    }

    /**
     * target += addend element by element, mutating target's storage. Tensors are immutable for
     * everyone else: only a caller that made {@code target} with {@link #sumInNewStorage} and has
     * not yet let it escape (to a rule, to the user, to another buffer) may call this. The values
     * are those of {@code target.add(addend)}, bit for bit.
     *
     * @throws IllegalArgumentException if either is traced or their shapes differ
     */
    public static void addInPlace(Tensor target, Tensor addend) {
        access.addInPlace(target, addend);
    }
}
