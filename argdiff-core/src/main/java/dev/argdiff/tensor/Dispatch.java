package dev.argdiff.tensor;

/**
 * Routes every primitive application to the innermost active trace among its inputs, or to
 * the concrete kernel when no input is traced. The only state is the nesting depth of the
 * current thread, so independent computations on different threads never interact.
 */
public final class Dispatch {
    private Dispatch() {
    }

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    static int enter() {
        return ++DEPTH.get()[0];
    }

    static void exit(int level) {
        int[] depth = DEPTH.get();
        if (depth[0] != level) {
            throw new IllegalStateException("transforms must end in the reverse order of their start: closing level "
                    + level + " while the innermost is " + depth[0]);
        }
        depth[0]--;
    }

    /** The current nesting depth of transforms on this thread (0 outside any transform). */
    public static int depth() {
        return DEPTH.get()[0];
    }

    /** Applies a primitive to its inputs. */
    public static Tensor bind(Primitive primitive, Tensor... inputs) {
        Trace top = topTrace(primitive.name(), inputs);
        if (top == null) {
            return primitive.evaluate(inputs);
        }
        return top.process(primitive, inputs);
    }

    /** Applies a function carrying its own derivative rules. */
    public static Tensor[] bindCustom(CustomRule rule, Tensor... inputs) {
        Trace top = topTrace(rule.name(), inputs);
        if (top == null) {
            return rule.call(inputs);
        }
        return top.processCustom(rule, inputs);
    }

    /** The trace of the highest level among the inputs, or null if none is traced. */
    public static Trace topTrace(String op, Tensor[] inputs) {
        Trace top = null;
        for (Tensor t : inputs) {
            Tracer tr = t.tracer();
            if (tr == null) {
                continue;
            }
            Trace trace = tr.trace();
            if (!trace.isActive()) {
                throw new IllegalStateException(op + ": a traced value escaped from a finished transform (level "
                        + trace.level() + "); return it from the transformed function instead of storing it");
            }
            if (top == null || trace.level() > top.level()) {
                top = trace;
            } else if (trace.level() == top.level() && trace != top) {
                throw new IllegalStateException(op + ": values of two different transforms at level "
                        + trace.level() + " were mixed");
            }
        }
        return top;
    }
}
