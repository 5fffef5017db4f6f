package dev.argdiff.tensor.internal;

import dev.argdiff.tensor.Primitive;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Routes every primitive application to the innermost active trace among its inputs, or to
 * the concrete kernel when no input is traced. All state is per thread (the nesting depth,
 * the innermost concrete scope, the active substitutions), so independent computations on
 * different threads never interact.
 *
 * <p>Concrete scopes and captured values. A custom function (a checkpointed block, a solver
 * under an implicit rule, a Krylov solve) evaluates its primal in a concrete scope whose
 * <em>floor</em> is the depth at which it opened: values traced by the transforms active then
 * are seen by their concrete values only. Its explicit inputs are made concrete before the
 * scope opens, so a tracer at or below the floor met inside the scope was reached through a
 * closure or a field: a <em>captured value</em>. What happens to it depends on the scope:
 * a {@linkplain #recordingScope() recording scope} lists it (the caller lifts it into an explicit
 * input: closure conversion), a {@linkplain #constantScope() constant scope} reads it as a
 * constant on purpose, and a {@linkplain #concreteScope() strict scope} refuses it. A tracer
 * whose transform has ended is refused everywhere.
 */
public final class Dispatch {
    private Dispatch() {
    }

    /** What a concrete scope does with a tracer met at or below its floor. */
    private enum Mode { RECORD, CONSTANT, STRICT }

    /** The per-thread dispatch state. */
    private static final class State {
        int depth;
        int floor;
        ConcreteScope scope;
        /** Active substitutions, outermost first: each maps a captured tracer to the value that replaces it. */
        List<Map<Tracer, Tensor>> substitutions = List.of();
        /** The token of the outermost explicit evaluation scope, or null. */
        Object evaluation;
        /** The outermost active trace (level 1), or null. */
        Trace outermost;
    }

    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    static int enter(Trace trace) {
        State s = STATE.get();
        int level = ++s.depth;
        if (level == 1) {
            s.outermost = trace;
        }
        return level;
    }

    static void exit(int level) {
        State s = STATE.get();
        if (s.depth != level) {
            throw new IllegalStateException("transforms must end in the reverse order of their start: closing level "
                    + level + " while the innermost is " + s.depth);
        }
        if (level == 1) {
            s.outermost = null;
        }
        s.depth--;
    }

    /** The current nesting depth of transforms on this thread (0 outside any transform). */
    public static int depth() {
        return STATE.get().depth;
    }

    // ------------------------------------------------------------------ concrete scopes

    /**
     * Opens a strict concrete scope: values traced by the transforms active now are seen by their
     * concrete values, nothing is recorded for those transforms, and a traced value of theirs
     * met inside the scope (through a closure) is refused with an {@link IllegalArgumentException}:
     * it would otherwise be silently a constant. Transforms opened inside the scope work normally.
     */
    public static ConcreteScope concreteScope() {
        return open(Mode.STRICT);
    }

    /**
     * Opens a concrete scope that records the traced values of the active transforms it meets
     * (captured values), unique by identity, in the order met: see {@link ConcreteScope#captured()}.
     * This is the discovery half of closure conversion.
     */
    public static ConcreteScope recordingScope() {
        return open(Mode.RECORD);
    }

    /**
     * Opens a concrete scope in which captured traced values are read as constants on purpose:
     * for computations whose dependence on them is accounted for elsewhere (a solver's iterations
     * under an implicit rule, whose derivative comes from the optimality condition) or is not a
     * derivative at all (diagnostics).
     */
    public static ConcreteScope constantScope() {
        return open(Mode.CONSTANT);
    }

    private static ConcreteScope open(Mode mode) {
        State s = STATE.get();
        ConcreteScope scope = new ConcreteScope(mode, s.floor, s.depth, s.scope);
        s.floor = s.depth;
        s.scope = scope;
        return scope;
    }

    /** Ends a concrete scope; close it on the thread that opened it, in the reverse order of opening. */
    public static final class ConcreteScope implements AutoCloseable {
        private final Mode mode;
        private final int previousFloor;
        private final int floor;
        private final ConcreteScope parent;
        private final Map<Tracer, Tensor> captured = new IdentityHashMap<>();
        private final List<Tensor> order = new ArrayList<>();
        private boolean closed;

        private ConcreteScope(Mode mode, int previousFloor, int floor, ConcreteScope parent) {
            this.mode = mode;
            this.previousFloor = previousFloor;
            this.floor = floor;
            this.parent = parent;
        }

        /** The captured values recorded so far (empty unless this is a recording scope). */
        public List<Tensor> captured() {
            return Collections.unmodifiableList(new ArrayList<>(order));
        }

        private void record(Tensor t) {
            if (captured.putIfAbsent(TracedTensors.tracerOf(t), t) == null) {
                order.add(t);
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            State s = STATE.get();
            if (s.scope != this) {
                throw new IllegalStateException("concrete scopes must end in the reverse order of their start");
            }
            s.floor = previousFloor;
            s.scope = parent;
            closed = true;
        }
    }

    // ------------------------------------------------------------------ substitution

    /** The substitutions active now (outermost first), to be re-established later by {@link #substituted}. */
    public static List<Map<Tracer, Tensor>> substitutions() {
        return STATE.get().substitutions;
    }

    /**
     * Runs {@code body} with exactly the substitutions {@code outer} followed by {@code own}
     * active: every input of a primitive or custom function that is a key of a map is replaced by
     * its value before dispatch (maps applied outermost first, each once, so nested closure
     * conversions compose). The substitutions active around the call are set aside meanwhile: a
     * closed function's free values are exactly those of the context it was converted in.
     */
    public static <R> R substituted(List<Map<Tracer, Tensor>> outer, Map<Tracer, Tensor> own, Supplier<R> body) {
        State s = STATE.get();
        List<Map<Tracer, Tensor>> saved = s.substitutions;
        List<Map<Tracer, Tensor>> active = outer;
        if (!own.isEmpty()) {
            List<Map<Tracer, Tensor>> l = new ArrayList<>(outer);
            l.add(own);
            active = Collections.unmodifiableList(l);
        }
        s.substitutions = active;
        try {
            return body.get();
        } finally {
            s.substitutions = saved;
        }
    }

    /** t after the active substitutions (t itself when none applies). */
    public static Tensor substitute(Tensor t) {
        if (!t.isTraced()) {
            return t;
        }
        List<Map<Tracer, Tensor>> subs = STATE.get().substitutions;
        for (Map<Tracer, Tensor> m : subs) {
            Tracer tr = TracedTensors.tracerOf(t);
            if (tr != null) {
                Tensor v = m.get(tr);
                if (v != null) {
                    t = v;
                }
            }
        }
        return t;
    }

    private static Tensor[] substitute(State s, Tensor[] inputs) {
        Tensor[] out = inputs;
        for (Map<Tracer, Tensor> m : s.substitutions) {
            for (int i = 0; i < out.length; i++) {
                Tracer tr = out[i].isTraced() ? TracedTensors.tracerOf(out[i]) : null;
                if (tr != null) {
                    Tensor v = m.get(tr);
                    if (v != null) {
                        if (out == inputs) {
                            out = inputs.clone();
                        }
                        out[i] = v;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Marks t as used by the current computation: after substitution, a tracer at or below the
     * floor of a recording scope is recorded as captured (a function returning a captured value
     * unchanged, with no operation on it). Returns t after substitution.
     */
    public static Tensor touch(Tensor t) {
        Tensor s = substitute(t);
        topTrace("output", new Tensor[] {s});
        return s;
    }

    // ------------------------------------------------------------------ evaluations

    /**
     * Opens an explicit evaluation scope: {@link #evaluation()} returns the same token inside it
     * until it closes (nested scopes, and scopes opened inside a transform, keep the outer
     * token). A transform that evaluates a
     * function many times at one point (the columns of a forward-mode Jacobian) opens one, so that
     * memos keyed to it are shared by those evaluations and by nothing else.
     */
    public static EvaluationScope evaluationScope() {
        State s = STATE.get();
        // Inside a transform the outermost trace already identifies the evaluation.
        boolean outermost = s.evaluation == null && s.outermost == null;
        EvaluationScope scope = new EvaluationScope(outermost);
        if (outermost) {
            s.evaluation = scope;
        }
        return scope;
    }

    /** Ends an {@link #evaluationScope()}. */
    public static final class EvaluationScope implements AutoCloseable {
        private final boolean outermost;
        private boolean closed;

        private EvaluationScope(boolean outermost) {
            this.outermost = outermost;
        }

        @Override
        public void close() {
            if (!closed && outermost) {
                STATE.get().evaluation = null;
            }
            closed = true;
        }
    }

    /**
     * The identity of the top-level transform evaluation running on this thread: the outermost
     * evaluation scope, else the outermost active trace; null outside any transform.
     */
    public static Object evaluation() {
        State s = STATE.get();
        return s.evaluation != null ? s.evaluation : s.outermost;
    }

    // ------------------------------------------------------------------ dispatch

    /** Applies a primitive to its inputs. */
    public static Tensor bind(Primitive primitive, Tensor... inputs) {
        Trace top = null;
        for (Tensor t : inputs) {
            if (t.isTraced()) {
                State s = STATE.get();
                if (!s.substitutions.isEmpty()) {
                    inputs = substitute(s, inputs);
                }
                top = topTrace(primitive.opName(), inputs);
                break;
            }
        }
        if (top == null) {
            return primitive.evaluate(concreteInputs(inputs));
        }
        return top.process(primitive, inputs);
    }

    /**
     * Applies a function carrying its own derivative rules. When no input is traced above the
     * floor the rule's primal runs in a recording concrete scope; a traced value it captured
     * (reached through a closure rather than its inputs) is refused: a custom rule cannot know
     * the derivative with respect to it. Functions that can lift their captured values (checkpoint,
     * implicit solvers, linear solves) convert their closures before binding.
     */
    public static Tensor[] bindCustom(CustomRule rule, Tensor... inputs) {
        State s = STATE.get();
        if (!s.substitutions.isEmpty()) {
            inputs = substitute(s, inputs);
        }
        Trace top = topTrace(rule.name(), inputs);
        if (top != null) {
            return top.processCustom(rule, inputs);
        }
        Tensor[] concrete = concreteInputs(inputs);
        if (s.depth == 0) {
            return rule.call(concrete);
        }
        try (ConcreteScope scope = recordingScope()) {
            Tensor[] out = rule.call(concrete);
            List<Tensor> captured = scope.captured();
            if (!captured.isEmpty()) {
                throw new IllegalArgumentException(rule.name() + ": the function captures " + describe(captured)
                        + " of an enclosing transform (read through a closure or a field, not through its arguments); "
                        + "its custom derivative rule cannot give "
                        + (captured.size() == 1 ? "that value" : "those values") + " a derivative, which would "
                        + "silently be zero. To fix it, pass it as an argument of the function (part of its input tree) "
                        + "and give its derivative in the rule.");
            }
            return out;
        }
    }

    /** "a traced value of shape [3]" or "2 traced values of shapes [3], []". */
    public static String describe(List<Tensor> values) {
        StringBuilder sb = new StringBuilder();
        sb.append(values.size() == 1 ? "a traced value of shape " : values.size() + " traced values of shapes ");
        for (int i = 0; i < values.size() && i < 5; i++) {
            sb.append(i == 0 ? "" : ", ").append(Arrays.toString(values.get(i).shape()));
        }
        return sb.append(values.size() > 5 ? ", …" : "").toString();
    }

    /** The inputs with any tracer of a level under the concrete-scope floor replaced by its value. */
    private static Tensor[] concreteInputs(Tensor[] inputs) {
        Tensor[] out = inputs;
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].isTraced()) {
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
     * concrete-scope floor. A tracer at or below the floor is handled by the innermost concrete
     * scope (recorded, read as a constant, or refused); one whose transform has ended is refused.
     */
    public static Trace topTrace(String op, Tensor[] inputs) {
        Trace top = null;
        State s = null;
        for (Tensor t : inputs) {
            if (!t.isTraced()) {
                continue;
            }
            Tracer tr = TracedTensors.tracerOf(t);
            Trace trace = tr.trace();
            if (s == null) {
                s = STATE.get();
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
            if (trace.level() <= s.floor) {
                ConcreteScope scope = s.scope;
                if (scope.mode == Mode.RECORD) {
                    scope.record(t);
                } else if (scope.mode == Mode.STRICT) {
                    throw new IllegalArgumentException(op + ": " + describe(List.of(t)) + " of an enclosing transform "
                            + "was captured (read through a closure or a field) by a computation that treats it as a "
                            + "constant, so its derivative would silently be zero; pass it as an argument instead");
                }
                continue;
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
