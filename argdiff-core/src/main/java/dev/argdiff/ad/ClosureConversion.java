package dev.argdiff.ad;

import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.tensor.internal.TracedTensors;
import dev.argdiff.tensor.internal.Tracer;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Closure conversion at run time, as JAX's {@code closure_convert}: evaluates a function once in
 * a recording concrete scope to discover the traced values of enclosing transforms that it
 * captures (reads through a closure or a field rather than through its arguments), and re-runs
 * it later with those values replaced by others — the explicit extra inputs of a custom rule.
 *
 * <p>This is what lets a custom function (a checkpointed block, an implicit solver's optimality
 * condition, a matrix-free operator) be differentiated with respect to what it captures: the
 * rule takes {@code inputs ++ captured} and evaluates the function through {@link Closure#run}.
 * For library use; user code passes values as arguments.
 */
public final class ClosureConversion {
    private ClosureConversion() {
    }

    /** The value of one evaluation, the captured values met, and how to replace them later. */
    public record Discovered<R>(R value, List<Tensor> captured, Closure closure) {
    }

    /**
     * Evaluates {@code body} in a recording concrete scope (the active transforms see nothing of
     * it) and returns its value with the captured values, unique by identity, in the order met.
     * A captured value returned unchanged (no operation on it) counts too.
     */
    public static <R> Discovered<R> discover(Supplier<R> body) {
        List<Map<Tracer, Tensor>> context = Dispatch.substitutions();
        R value;
        List<Tensor> captured;
        try (Dispatch.ConcreteScope scope = Dispatch.recordingScope()) {
            value = body.get();
            for (Tensor leaf : Pytree.leaves(value)) {
                Dispatch.touch(leaf);
            }
            captured = scope.captured();
        }
        Tracer[] keys = new Tracer[captured.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = TracedTensors.tracerOf(captured.get(i));
        }
        return new Discovered<>(value, captured, new Closure(context, keys));
    }

    /** Evaluates {@code body} in a recording concrete scope and returns only the captured values. */
    public static List<Tensor> capturedBy(Runnable body) {
        return discover(() -> {
            body.run();
            return null;
        }).captured();
    }

    /** A converted closure: re-evaluates with the captured values replaced. Immutable. */
    public static final class Closure {
        private final List<Map<Tracer, Tensor>> context;
        private final Tracer[] keys;

        Closure(List<Map<Tracer, Tensor>> context, Tracer[] keys) {
            this.context = context;
            this.keys = keys;
        }

        /** The number of captured values. */
        public int size() {
            return keys.length;
        }

        /**
         * Evaluates {@code body} with the i-th captured value replaced by {@code values.get(i)}
         * (same shapes: the concrete values at the primal, or tracers of the rule's transforms),
         * in the substitution context the closure was discovered in. Output leaves that are
         * captured values returned unchanged are replaced too.
         */
        public <R> R run(List<Tensor> values, Supplier<R> body) {
            if (values.size() != keys.length) {
                throw new IllegalArgumentException("closure: " + values.size() + " values for " + keys.length
                        + " captured values");
            }
            Map<Tracer, Tensor> own = new IdentityHashMap<>();
            for (int i = 0; i < keys.length; i++) {
                if (TracedTensors.tracerOf(values.get(i)) != keys[i]) {
                    own.put(keys[i], values.get(i));
                }
            }
            if (own.isEmpty() && context.isEmpty()) {
                return body.get();
            }
            return Dispatch.substituted(context, own, () -> {
                R out = body.get();
                for (Tensor leaf : Pytree.leaves(out)) {
                    if (Dispatch.substitute(leaf) != leaf) {
                        return Pytree.map(out, Dispatch::substitute);
                    }
                }
                return out;
            });
        }
    }
}
