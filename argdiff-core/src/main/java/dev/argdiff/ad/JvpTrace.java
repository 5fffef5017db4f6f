package dev.argdiff.ad;

import dev.argdiff.tensor.internal.CustomRule;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Primitive;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.tensor.internal.Trace;
import dev.argdiff.tensor.internal.TracedTensors;
import dev.argdiff.tensor.internal.Tracer;

import java.util.Arrays;

/** Forward mode: each traced value carries a tangent, pushed through every primitive's JVP rule. */
final class JvpTrace extends Trace {

    static final class JvpTracer extends Tracer {
        final Tensor tangent;

        JvpTracer(JvpTrace trace, Tensor primal, Tensor tangent) {
            super(trace, primal);
            this.tangent = tangent;
        }
    }

    /** A traced value with this primal and tangent. */
    Tensor lift(Tensor primal, Tensor tangent) {
        if (!Arrays.equals(primal.shape(), tangent.shape())) {
            throw new IllegalArgumentException("jvp: tangent shape " + Arrays.toString(tangent.shape())
                    + " differs from primal shape " + Arrays.toString(primal.shape()));
        }
        return TracedTensors.traced(new JvpTracer(this, primal, tangent));
    }

    /** The tangent of t at this level (null when t does not depend on this level's inputs). */
    Tensor tangentOf(Tensor t) {
        Tracer tr = own(t);
        return tr == null ? null : ((JvpTracer) tr).tangent;
    }

    @Override
    public Tensor process(Primitive primitive, Tensor[] inputs) {
        int n = inputs.length;
        Tensor[] primals = new Tensor[n];
        Tensor[] tangents = new Tensor[n];
        for (int i = 0; i < n; i++) {
            primals[i] = primalOf(inputs[i]);
            tangents[i] = tangentOf(inputs[i]);
        }
        Tensor out = Dispatch.bind(primitive, primals);
        Tensor tangent = primitive.jvp(primals, tangents, out);
        if (tangent == null) {
            return out;
        }
        checkShape(primitive.opName(), out, tangent);
        return TracedTensors.traced(new JvpTracer(this, out, tangent));
    }

    @Override
    public Tensor[] processCustom(CustomRule rule, Tensor[] inputs) {
        int n = inputs.length;
        Tensor[] primals = new Tensor[n];
        Tensor[] tangents = new Tensor[n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            primals[i] = primalOf(inputs[i]);
            tangents[i] = tangentOf(inputs[i]);
            any |= tangents[i] != null;
        }
        if (!any) {
            return Dispatch.bindCustom(rule, primals);
        }
        CustomRule.JvpOutput result = rule.jvp(primals, tangents);
        if (result == null) {
            result = Transposition.jvpFromVjp(rule, primals, tangents);
        }
        Tensor[] outs = result.outputs();
        Tensor[] touts = result.tangents();
        Tensor[] traced = new Tensor[outs.length];
        for (int i = 0; i < outs.length; i++) {
            if (touts[i] == null) {
                traced[i] = outs[i];
            } else {
                checkShape(rule.name(), outs[i], touts[i]);
                traced[i] = TracedTensors.traced(new JvpTracer(this, outs[i], touts[i]));
            }
        }
        return traced;
    }

    private static void checkShape(String op, Tensor out, Tensor tangent) {
        if (!Arrays.equals(out.shape(), tangent.shape())) {
            throw new IllegalStateException(op + ": JVP rule returned a tangent of shape "
                    + Arrays.toString(tangent.shape()) + " for an output of shape " + Arrays.toString(out.shape()));
        }
    }
}
