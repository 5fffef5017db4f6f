package dev.argdiff.tensor;

/**
 * Routes every primitive application to the innermost active trace among its inputs, or to
 * the concrete kernel when no input is traced. The only state is the nesting depth of the
 * current thread, so independent computations on different threads never interact.
 */
public final class Dispatch {
    private Dispatch() {
    }

    /** Per thread: [0] the nesting depth of transforms, [1] the concrete-scope floor (see {@link #concreteScope}). */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[2]);

    static int enter() {
        return ++DEPTH.get()[0];
    }

    /**
     * Opens a scope in which values traced by the transforms active now are treated as
     * constants: operations see only their concrete values and nothing is recorded for those
     * transforms. Transforms opened inside the scope work normally. Custom functions use this
     * to evaluate their primal (a solver's iterations, a Krylov solve) without growing the
     * tapes of the enclosing transforms: their derivatives come from their rules instead.
     */
    public static ConcreteScope concreteScope() {
        int[] state = DEPTH.get();
        ConcreteScope scope = new ConcreteScope(state[1], state[0]);
        state[1] = state[0];
        return scope;
    }

    /** Ends a {@link #concreteScope()}; close it on the thread that opened it. */
    public static final class ConcreteScope implements AutoCloseable {
        private final int previousFloor;
        private final int floor;
        private boolean closed;

        private ConcreteScope(int previousFloor, int floor) {
            this.previousFloor = previousFloor;
            this.floor = floor;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            int[] state = DEPTH.get();
            if (state[1] != floor) {
                throw new IllegalStateException("concrete scopes must end in the reverse order of their start");
            }
            state[1] = previousFloor;
            closed = true;
        }
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
            return primitive.evaluate(concreteInputs(inputs));
        }
        return top.process(primitive, inputs);
    }

    /** Applies a function carrying its own derivative rules. */
    public static Tensor[] bindCustom(CustomRule rule, Tensor... inputs) {
        Trace top = topTrace(rule.name(), inputs);
        if (top == null) {
            Tensor[] concrete = concreteInputs(inputs);
            try (ConcreteScope scope = concreteScope()) {
                return rule.call(concrete);
            }
        }
        return top.processCustom(rule, inputs);
    }

    /** The inputs with any tracer of a level under the concrete-scope floor replaced by its value. */
    private static Tensor[] concreteInputs(Tensor[] inputs) {
        Tensor[] out = inputs;
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].tracer() != null) {
                if (out == inputs) {
                    out = inputs.clone();
                }
                out[i] = inputs[i].concrete();
            }
        }
        return out;
    }

    /**
     * The trace of the highest level among the inputs, or null if none is traced above the
     * concrete-scope floor.
     */
    public static Trace topTrace(String op, Tensor[] inputs) {
        Trace top = null;
        int floor = -1;
        for (Tensor t : inputs) {
            Tracer tr = t.tracer();
            if (tr == null) {
                continue;
            }
            Trace trace = tr.trace();
            if (floor < 0) {
                floor = DEPTH.get()[1];
            }
            if (trace.level() <= floor) {
                continue;
            }
            if (!trace.isActive()) {
                throw new IllegalStateException(op + ": a traced value escaped from a finished transform (level "
                        + trace.level() + "); return it from the transformed function instead of storing it");
            }
            if (trace.owner() != Thread.currentThread()) {
                // A trace's tape and levels belong to its thread; recording on them from another
                // thread would corrupt them silently.
                throw new IllegalStateException(op + ": a traced value of a transform running on thread "
                        + trace.owner().getName() + " was used on thread " + Thread.currentThread().getName()
                        + "; pass concrete values (Tensor.concrete()) between threads");
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
