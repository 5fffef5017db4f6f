package dev.argdiff.ad;

import dev.argdiff.tensor.internal.CustomRule;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Primitive;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.tensor.internal.Trace;
import dev.argdiff.tensor.internal.TracedTensors;
import dev.argdiff.tensor.internal.Tracer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reverse mode as an eager tape: every primitive applied to this level's values is recorded
 * with its primal inputs; {@link #backward} walks the tape from the end, calling each VJP rule.
 * The rules run with the primal values (which belong to lower levels), so the backward pass is
 * itself recorded by any enclosing transform: that is how grad-of-grad works.
 *
 * <p>Memory grows with the number of recorded operations, which is the cost of unrolling a
 * solver's iterations in reverse mode.
 */
final class ReverseTrace extends Trace {

    static final class ReverseTracer extends Tracer {
        final int node;
        final int output;

        ReverseTracer(ReverseTrace trace, Tensor primal, int node, int output) {
            super(trace, primal);
            this.node = node;
            this.output = output;
        }
    }

    /** A tape entry: a leaf (no rule), a primitive, or a custom rule's pullback. */
    private static final class Node {
        final Primitive primitive;
        final CustomRule.Pullback pullback;
        final Tensor[] primals;
        final Tensor output;
        final int[] parentNode;
        final int[] parentOutput;
        final int[][] outputShapes;

        Node(Primitive primitive, CustomRule.Pullback pullback, Tensor[] primals, Tensor output, int[] parentNode,
             int[] parentOutput, int[][] outputShapes) {
            this.primitive = primitive;
            this.pullback = pullback;
            this.primals = primals;
            this.output = output;
            this.parentNode = parentNode;
            this.parentOutput = parentOutput;
            this.outputShapes = outputShapes;
        }

        boolean isLeaf() {
            return primitive == null && pullback == null;
        }
    }

    private final List<Node> tape = new ArrayList<>();

    /** The ownership table of a backward pass before any value has had two contributions (never written). */
    private static final boolean[][] NO_OWNED = new boolean[0][];

    /** The number of recorded operations (a measure of the tape's memory). */
    int tapeLength() {
        return tape.size();
    }

    /** A new independent variable with this value. */
    Tensor variable(Tensor value) {
        tape.add(new Node(null, null, null, null, new int[0], new int[0], new int[][] {value.shape()}));
        return TracedTensors.traced(new ReverseTracer(this, value, tape.size() - 1, 0));
    }

    /** Inputs split into their primal values and, for this level's values, their tape positions (−1 otherwise). */
    private record Inputs(Tensor[] primals, int[] parentNode, int[] parentOutput) {
    }

    private Inputs split(Tensor[] inputs) {
        int n = inputs.length;
        Tensor[] primals = new Tensor[n];
        int[] parentNode = new int[n];
        int[] parentOutput = new int[n];
        for (int i = 0; i < n; i++) {
            Tracer tr = own(inputs[i]);
            if (tr == null) {
                primals[i] = inputs[i];
                parentNode[i] = -1;
            } else {
                ReverseTracer rt = (ReverseTracer) tr;
                primals[i] = rt.primal();
                parentNode[i] = rt.node;
                parentOutput[i] = rt.output;
            }
        }
        return new Inputs(primals, parentNode, parentOutput);
    }

    @Override
    public Tensor process(Primitive primitive, Tensor[] inputs) {
        Inputs in = split(inputs);
        Tensor[] primals = in.primals();
        int[] parentNode = in.parentNode();
        int[] parentOutput = in.parentOutput();
        Tensor out = Dispatch.bind(primitive, primals);
        tape.add(new Node(primitive, null, primals, out, parentNode, parentOutput, new int[][] {out.shape()}));
        return TracedTensors.traced(new ReverseTracer(this, out, tape.size() - 1, 0));
    }

    @Override
    public Tensor[] processCustom(CustomRule rule, Tensor[] inputs) {
        Inputs in = split(inputs);
        Tensor[] primals = in.primals();
        int[] parentNode = in.parentNode();
        int[] parentOutput = in.parentOutput();
        boolean[] needed = new boolean[primals.length];
        for (int i = 0; i < needed.length; i++) {
            needed[i] = parentNode[i] >= 0;
        }
        CustomRule.VjpOutput result = rule.vjp(primals, needed);
        if (result == null) {
            result = Transposition.vjpFromJvp(rule, primals);
        }
        Tensor[] outs = result.outputs();
        int[][] shapes = new int[outs.length][];
        for (int i = 0; i < outs.length; i++) {
            shapes[i] = outs[i].shape();
        }
        tape.add(new Node(null, result.pullback(), primals, null, parentNode, parentOutput, shapes));
        int id = tape.size() - 1;
        Tensor[] traced = new Tensor[outs.length];
        for (int i = 0; i < outs.length; i++) {
            traced[i] = TracedTensors.traced(new ReverseTracer(this, outs[i], id, i));
        }
        return traced;
    }

    /**
     * Propagates cotangents from the given outputs back to the given variables. Outputs that are
     * not this level's values, and null cotangents, contribute nothing. Returns one cotangent per
     * variable (null for zero).
     */
    Tensor[] backward(List<Tensor> outputs, List<Tensor> cotangents, List<Tensor> variables) {
        Tensor[][] cts = new Tensor[tape.size()][];
        // Which slots hold a buffer this pass owns; rows made at a node's second contribution only, so a
        // tape whose values are each used once allocates nothing for it.
        boolean[][] owned = NO_OWNED;
        for (int k = 0; k < outputs.size(); k++) {
            Tracer tr = own(outputs.get(k));
            Tensor ct = cotangents.get(k);
            if (tr == null || ct == null) {
                continue;
            }
            ReverseTracer rt = (ReverseTracer) tr;
            owned = accumulate(cts, owned, rt.node, rt.output, ct, "output cotangent");
        }
        boolean[] isVariable = new boolean[tape.size()];
        for (Tensor v : variables) {
            Tracer tr = own(v);
            if (tr != null) {
                isVariable[((ReverseTracer) tr).node] = true;
            }
        }
        for (int i = tape.size() - 1; i >= 0; i--) {
            Tensor[] c = cts[i];
            Node node = tape.get(i);
            if (c == null || node.isLeaf()) {
                continue;
            }
            if (!isVariable[i]) {
                cts[i] = null; // free cotangents as soon as they are consumed
            }
            Tensor[] grads;
            if (node.primitive != null) {
                if (c[0] == null) {
                    continue;
                }
                boolean[] needed = new boolean[node.primals.length];
                for (int j = 0; j < needed.length; j++) {
                    needed[j] = node.parentNode[j] >= 0;
                }
                grads = node.primitive.vjp(node.primals, node.output, c[0], needed);
            } else {
                grads = node.pullback.apply(c.clone());
                if (grads.length != node.primals.length) {
                    throw new IllegalStateException("custom rule pullback returned " + grads.length
                            + " cotangents for " + node.primals.length + " inputs");
                }
            }
            for (int j = 0; j < grads.length; j++) {
                if (node.parentNode[j] >= 0 && grads[j] != null) {
                    String what = node.primitive != null ? node.primitive.opName() : "custom rule";
                    owned = accumulate(cts, owned, node.parentNode[j], node.parentOutput[j], grads[j], what);
                }
            }
        }
        Tensor[] result = new Tensor[variables.size()];
        for (int k = 0; k < result.length; k++) {
            Tracer tr = own(variables.get(k));
            if (tr != null) {
                ReverseTracer rt = (ReverseTracer) tr;
                Tensor[] c = cts[rt.node];
                result[k] = c == null ? null : c[rt.output];
            }
        }
        return result;
    }

    /**
     * Adds a contribution to the cotangent of one output of a node. The first contribution is
     * kept as it is (it may be the user's cotangent, a rule's input, or shared by several nodes:
     * never written to). A second one makes a sum in fresh storage that only this backward pass
     * references (owned); later ones add into it in place instead of allocating a sum each. An
     * owned buffer is written only while contributions still arrive: a node's contributions all
     * come from later nodes, so they are complete before the node's rule (or the caller) first
     * sees the buffer, and it is never written after that. Traced contributions (a backward pass
     * recorded by an enclosing transform) are summed by {@code add}, as any operation. Returns the
     * ownership table, made at the first second contribution ({@code NO_OWNED} until then).
     */
    private boolean[][] accumulate(Tensor[][] cts, boolean[][] owned, int node, int output, Tensor ct, String what) {
        int[] expected = tape.get(node).outputShapes[output];
        if (!Arrays.equals(expected, ct.shape())) {
            throw new IllegalStateException(what + ": cotangent of shape " + Arrays.toString(ct.shape())
                    + " for a value of shape " + Arrays.toString(expected));
        }
        if (cts[node] == null) {
            cts[node] = new Tensor[tape.get(node).outputShapes.length];
        }
        Tensor prev = cts[node][output];
        if (prev == null) {
            cts[node][output] = ct;
            return owned;
        }
        if (owned == NO_OWNED) {
            owned = new boolean[cts.length][];
        }
        if (owned[node] == null) {
            owned[node] = new boolean[cts[node].length];
        }
        if (prev.isTraced() || ct.isTraced()) {
            cts[node][output] = prev.add(ct);
            owned[node][output] = false;
        } else if (owned[node][output]) {
            TracedTensors.addInPlace(prev, ct);
        } else {
            cts[node][output] = TracedTensors.sumInNewStorage(prev, ct);
            owned[node][output] = true;
        }
        return owned;
    }
}
