package dev.argdiff.ad;

import dev.argdiff.tensor.internal.CustomRule;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The custom rule of {@link Autodiff#checkpoint}: evaluation without recording, and derivatives
 * by re-running the function under a fresh transform — over the inputs that carry a tangent
 * (forward) or need a cotangent (reverse) only, so that constant inputs such as a data matrix
 * cost nothing.
 *
 * <p>The rule is closure-converted: its inputs are f's explicit input leaves followed by the
 * traced values f captured (found by one evaluation in a recording scope), and every evaluation
 * runs f with those captured values replaced by the rule's inputs, so they are differentiated
 * like the explicit ones. That discovery evaluation is the primal: {@link #call} returns its
 * outputs when called with the same concrete inputs.
 */
final class CheckpointRule<T, R> implements CustomRule {
    private final Function<T, R> f;
    private final Pytree.TreeDef inDef;
    private final int explicit;
    private final ClosureConversion.Closure closure;
    private final Tensor[] primalInputs;
    private final Tensor[] primalOutputs;
    private final Pytree.TreeDef outDef;

    /**
     * @param explicit      the number of explicit input leaves (the captured values follow them)
     * @param primalInputs  the concrete inputs of the discovery evaluation
     * @param primalOutputs its concrete outputs
     */
    CheckpointRule(Function<T, R> f, Pytree.TreeDef inDef, int explicit, ClosureConversion.Closure closure,
                   Tensor[] primalInputs, Tensor[] primalOutputs, Pytree.TreeDef outDef) {
        this.f = f;
        this.inDef = inDef;
        this.explicit = explicit;
        this.closure = closure;
        this.primalInputs = primalInputs;
        this.primalOutputs = primalOutputs;
        this.outDef = outDef;
    }

    @Override
    public String name() {
        return "checkpoint of " + f;
    }

    @SuppressWarnings("unchecked")
    private Tensor[] evaluate(Tensor[] inputs) {
        T x = (T) inDef.unflatten(Arrays.asList(inputs).subList(0, explicit));
        List<Tensor> captured = Arrays.asList(inputs).subList(explicit, inputs.length);
        Pytree.Flat out = Pytree.flatten(closure.run(captured, () -> f.apply(x)));
        if (!out.def().sameStructure(outDef)) {
            throw new IllegalStateException(name() + ": the function returned a different structure on re-evaluation ("
                    + out.def() + " instead of " + outDef + "); a checkpointed function must be deterministic");
        }
        return out.leaves().toArray(new Tensor[0]);
    }

    @Override
    public Tensor[] call(Tensor[] inputs) {
        boolean same = inputs.length == primalInputs.length;
        for (int i = 0; same && i < inputs.length; i++) {
            same = inputs[i] == primalInputs[i];
        }
        return same ? primalOutputs.clone() : evaluate(inputs);
    }

    @SuppressWarnings("unchecked")
    R unflattenOutput(Tensor[] outs) {
        return (R) outDef.unflatten(Arrays.asList(outs));
    }

    /** f as a function of the selected input leaves only, the others fixed at their primal values. */
    private Function<List<Tensor>, List<Tensor>> restricted(Tensor[] primals, int[] selected) {
        return active -> {
            Tensor[] in = primals.clone();
            for (int k = 0; k < selected.length; k++) {
                in[selected[k]] = active.get(k);
            }
            return Arrays.asList(evaluate(in));
        };
    }

    private static int[] indices(boolean[] mask) {
        return IntStream.range(0, mask.length).filter(i -> mask[i]).toArray();
    }

    private static List<Tensor> pick(Tensor[] values, int[] selected) {
        List<Tensor> out = new ArrayList<>(selected.length);
        for (int i : selected) {
            out.add(values[i]);
        }
        return out;
    }

    @Override
    public JvpOutput jvp(Tensor[] primals, Tensor[] tangents) {
        Tensor[] outs = Dispatch.bindCustom(this, primals);
        return jvpWithOutputs(primals, outs, tangents);
    }

    @Override
    public JvpOutput jvpWithOutputs(Tensor[] primals, Tensor[] outs, Tensor[] tangents) {
        boolean[] mask = new boolean[tangents.length];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = tangents[i] != null;
        }
        int[] selected = indices(mask);
        List<Tensor> touts = Autodiff.jvp(restricted(primals, selected), pick(primals, selected),
                pick(tangents, selected)).tangent();
        return new JvpOutput(outs, touts.toArray(new Tensor[0]));
    }

    @Override
    public VjpOutput vjp(Tensor[] primals) {
        boolean[] all = new boolean[primals.length];
        Arrays.fill(all, true);
        return vjp(primals, all);
    }

    @Override
    public VjpOutput vjp(Tensor[] primals, boolean[] needed) {
        Tensor[] outs = Dispatch.bindCustom(this, primals);
        int[] selected = indices(needed);
        Pullback pullback = cts -> {
            List<Tensor> filled = Autodiff.fillZeros(cts, Arrays.asList(outs));
            // The backward pass re-runs f: its tape lives only while this block is pulled back.
            List<Tensor> g = Autodiff.vjp(restricted(primals, selected), pick(primals, selected)).pullback()
                    .apply(filled);
            Tensor[] result = new Tensor[primals.length];
            for (int k = 0; k < selected.length; k++) {
                result[selected[k]] = g.get(k);
            }
            return result;
        };
        return new VjpOutput(outs, pullback);
    }
}
