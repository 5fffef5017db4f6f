package dev.argdiff.ad;

import dev.argdiff.tensor.internal.CustomRule;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Derives a custom rule's missing mode from the one it has, using linearity: the JVP
 * t ↦ J·t and the VJP w ↦ Jᵀ·w satisfy ⟨w, J·t⟩ = ⟨Jᵀ·w, t⟩, so
 * <ul>
 *   <li>J·t = ∇_w ⟨Jᵀ·w, t⟩ (reverse mode applied to the VJP rule), and</li>
 *   <li>Jᵀ·w = ∇_t ⟨w, J·t⟩ (reverse mode applied to the JVP rule).</li>
 * </ul>
 * Both run a fresh reverse trace above the current levels; since the rules are written with
 * differentiable operations, the results are differentiable too. This is why a function with
 * only one custom rule still works in both modes (JAX's custom_vjp does not support forward
 * mode; argdiff's does).
 */
final class Transposition {
    private Transposition() {
    }

    static CustomRule.JvpOutput jvpFromVjp(CustomRule rule, Tensor[] primals, Tensor[] tangents) {
        CustomRule.VjpOutput vo = rule.vjp(primals);
        if (vo == null) {
            throw new IllegalStateException(rule.name() + ": custom rule has neither a JVP nor a VJP rule");
        }
        Tensor[] outs = vo.outputs();
        Tensor[] touts = new Tensor[outs.length];
        try (ReverseTrace trace = new ReverseTrace()) {
            List<Tensor> ws = new ArrayList<>();
            for (Tensor o : outs) {
                ws.add(trace.variable(Tensor.zeros(o.shape())));
            }
            Tensor[] cts = vo.pullback().apply(ws.toArray(new Tensor[0]));
            Tensor s = null;
            for (int i = 0; i < cts.length; i++) {
                if (cts[i] != null && tangents[i] != null) {
                    Tensor term = cts[i].vdot(tangents[i]);
                    s = s == null ? term : s.add(term);
                }
            }
            if (s == null) {
                return new CustomRule.JvpOutput(outs, touts);
            }
            Tensor[] grads = trace.backward(List.of(s), List.of(Tensor.scalar(1.0)), ws);
            System.arraycopy(grads, 0, touts, 0, grads.length);
        }
        return new CustomRule.JvpOutput(outs, touts);
    }

    static CustomRule.VjpOutput vjpFromJvp(CustomRule rule, Tensor[] primals) {
        Tensor[] outs = Dispatch.bindCustom(rule, primals);
        CustomRule.Pullback pullback = cts -> {
            Tensor[] result;
            try (ReverseTrace trace = new ReverseTrace()) {
                List<Tensor> ts = new ArrayList<>();
                for (Tensor p : primals) {
                    ts.add(trace.variable(Tensor.zeros(p.shape())));
                }
                // The outputs of the forward pass: evaluating the function again here would, for
                // a solver, repeat the whole solve in every pullback.
                CustomRule.JvpOutput jo = rule.jvpWithOutputs(primals, outs, ts.toArray(new Tensor[0]));
                if (jo == null) {
                    throw new IllegalStateException(rule.name() + ": custom rule has neither a JVP nor a VJP rule");
                }
                Tensor s = null;
                for (int i = 0; i < cts.length; i++) {
                    if (cts[i] != null && jo.tangents()[i] != null) {
                        Tensor term = cts[i].vdot(jo.tangents()[i]);
                        s = s == null ? term : s.add(term);
                    }
                }
                if (s == null) {
                    return new Tensor[primals.length];
                }
                result = trace.backward(List.of(s), List.of(Tensor.scalar(1.0)), ts);
            }
            return result;
        };
        return new CustomRule.VjpOutput(outs, pullback);
    }

    static boolean allNull(Tensor[] ts) {
        return Arrays.stream(ts).allMatch(t -> t == null);
    }
}
