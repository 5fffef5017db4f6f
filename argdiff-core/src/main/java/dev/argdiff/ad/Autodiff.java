package dev.argdiff.ad;

import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.internal.CustomRule;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Function transforms: gradients, Jacobian-vector and vector-Jacobian products, Jacobians,
 * Hessians and custom derivative rules, over trees of tensors ({@link Pytree}).
 *
 * <p>Transforms nest to any depth ({@code grad(grad(f))}, {@code jvp} of {@code grad},
 * {@code jacfwd(jacrev(f))}); each call opens a new level on the calling thread, so derivatives
 * of different levels never mix, and independent threads never interact.
 *
 * <pre>{@code
 * Function<Tensor, Tensor> f = x -> x.square().sum().mul(0.5);
 * Tensor g = Autodiff.grad(f).apply(Tensor.of(1, 2, 3));          // [1, 2, 3]
 * Tensor h = Autodiff.hessian(f).apply(Tensor.of(1, 2, 3));       // identity
 * }</pre>
 */
public final class Autodiff {
    private Autodiff() {
    }

    // ------------------------------------------------------------------ results

    /** A primal output and its tangent, of the same tree structure. */
    public record JvpResult<R>(R value, R tangent) {
    }

    /** A primal output and the pullback mapping an output cotangent to an input cotangent. */
    public record VjpResult<T, R>(R value, Function<R, T> pullback) {
    }

    /** A scalar value and its gradient (a tree like the input). */
    public record ValueAndGrad<T>(Tensor value, T gradient) {
    }

    /** What a function with auxiliary output returns: a scalar value and data carried along. */
    public record Aux<A>(Tensor value, A aux) {
    }

    /** A scalar value, its auxiliary data (untraced at this level) and its gradient. */
    public record ValueAuxAndGrad<T, A>(Tensor value, A aux, T gradient) {
    }

    // ------------------------------------------------------------------ reverse mode

    /** The gradient of a scalar-valued function, as a tree shaped like the input. */
    public static <T> Function<T, T> grad(Function<T, Tensor> f) {
        return x -> valueAndGrad(f).apply(x).gradient();
    }

    /** The value and the gradient of a scalar-valued function in one pass. */
    public static <T> Function<T, ValueAndGrad<T>> valueAndGrad(Function<T, Tensor> f) {
        return x -> {
            ValueAuxAndGrad<T, Void> r = valueAuxAndGrad((T y) -> new Aux<Void>(f.apply(y), null), x);
            return new ValueAndGrad<>(r.value(), r.gradient());
        };
    }

    /** Like {@link #valueAndGrad} for a function that also returns auxiliary data (JAX's has_aux). */
    public static <T, A> Function<T, ValueAuxAndGrad<T, A>> valueAndGradWithAux(Function<T, Aux<A>> f) {
        return x -> valueAuxAndGrad(f, x);
    }

    @SuppressWarnings("unchecked")
    private static <T, A> ValueAuxAndGrad<T, A> valueAuxAndGrad(Function<T, Aux<A>> f, T x) {
        Pytree.Flat flat = inputTree("grad", x);
        try (ReverseTrace trace = new ReverseTrace()) {
            List<Tensor> vars = new ArrayList<>();
            for (Tensor leaf : flat.leaves()) {
                vars.add(trace.variable(leaf));
            }
            Aux<A> out = f.apply((T) flat.def().unflatten(vars));
            if (out == null || out.value() == null) {
                throw new IllegalArgumentException("grad: the function returned null");
            }
            Tensor y = out.value();
            if (y.rank() != 0) {
                throw new IllegalArgumentException("grad: the function must return a scalar (0-d tensor), got shape "
                        + Arrays.toString(y.shape()) + "; use vjp or jacrev for non-scalar outputs, or reduce with sum()");
            }
            Tensor[] g = trace.backward(List.of(y), List.of(Tensor.scalar(1.0)), vars);
            A aux = out.aux() == null ? null : Pytree.map(out.aux(), trace::primalOf);
            return new ValueAuxAndGrad<>(trace.primalOf(y), aux,
                    (T) flat.def().unflatten(fillZeros(g, flat.leaves())));
        }
    }

    /**
     * The output of f at x and its pullback. The pullback may be called any number of times,
     * within the transforms active when {@code vjp} was called.
     */
    @SuppressWarnings("unchecked")
    public static <T, R> VjpResult<T, R> vjp(Function<T, R> f, T x) {
        Pytree.Flat flat = inputTree("vjp", x);
        ReverseTrace trace = new ReverseTrace();
        List<Tensor> vars = new ArrayList<>();
        R out;
        Pytree.Flat outFlat;
        try (trace) {
            for (Tensor leaf : flat.leaves()) {
                vars.add(trace.variable(leaf));
            }
            out = f.apply((T) flat.def().unflatten(vars));
            outFlat = Pytree.flatten(out);
            Pytree.requireNoHiddenTensors("vjp", "output", outFlat, trace);
        }
        List<Tensor> outLeaves = outFlat.leaves();
        List<Tensor> primalOut = new ArrayList<>();
        for (Tensor t : outLeaves) {
            primalOut.add(trace.primalOf(t));
        }
        R value = (R) outFlat.def().unflatten(primalOut);
        Function<R, T> pullback = ct -> {
            Pytree.Flat ctFlat = Pytree.flatten(ct);
            if (ctFlat.leaves().size() != outLeaves.size()) {
                throw new IllegalArgumentException("vjp: cotangent has " + ctFlat.leaves().size()
                        + " leaves, the output has " + outLeaves.size());
            }
            for (int i = 0; i < outLeaves.size(); i++) {
                if (!Arrays.equals(ctFlat.leaves().get(i).shape(), outLeaves.get(i).shape())) {
                    throw new IllegalArgumentException("vjp: cotangent leaf " + i + " has shape "
                            + Arrays.toString(ctFlat.leaves().get(i).shape()) + ", the output leaf has shape "
                            + Arrays.toString(outLeaves.get(i).shape()));
                }
            }
            Tensor[] g = trace.backward(outLeaves, ctFlat.leaves(), vars);
            return (T) flat.def().unflatten(fillZeros(g, flat.leaves()));
        };
        return new VjpResult<>(value, pullback);
    }

    // ------------------------------------------------------------------ forward mode

    /** The output of f at x and its directional derivative along the tangent v (same tree as x). */
    @SuppressWarnings("unchecked")
    public static <T, R> JvpResult<R> jvp(Function<T, R> f, T x, T v) {
        Pytree.Flat flat = inputTree("jvp", x);
        Pytree.Flat tflat = Pytree.flatten(v);
        if (tflat.leaves().size() != flat.leaves().size()) {
            throw new IllegalArgumentException("jvp: tangent has " + tflat.leaves().size() + " leaves, primal has "
                    + flat.leaves().size());
        }
        try (JvpTrace trace = new JvpTrace()) {
            List<Tensor> traced = new ArrayList<>();
            for (int i = 0; i < flat.leaves().size(); i++) {
                traced.add(trace.lift(flat.leaves().get(i), tflat.leaves().get(i)));
            }
            R out = f.apply((T) flat.def().unflatten(traced));
            Pytree.Flat outFlat = Pytree.flatten(out);
            Pytree.requireNoHiddenTensors("jvp", "output", outFlat, trace);
            List<Tensor> values = new ArrayList<>();
            List<Tensor> tangents = new ArrayList<>();
            for (Tensor t : outFlat.leaves()) {
                values.add(trace.primalOf(t));
                Tensor tan = trace.tangentOf(t);
                tangents.add(tan == null ? Tensor.zeros(t.shape()) : tan);
            }
            return new JvpResult<>((R) outFlat.def().unflatten(values), (R) outFlat.def().unflatten(tangents));
        }
    }

    /** The Hessian-vector product ∇²f(x)·v of a scalar function, by forward-over-reverse. */
    public static <T> T hvp(Function<T, Tensor> f, T x, T v) {
        return jvp(grad(f), x, v).tangent();
    }

    // ------------------------------------------------------------------ Jacobians

    /**
     * The Jacobian by forward mode (one JVP per input entry). For an input tree, the result is
     * a tree shaped like the input whose leaf for an input leaf of shape S has shape
     * {@code out.shape + S}; for a tensor input it is one tensor of shape {@code out.shape + in.shape}.
     */
    public static <T> Function<T, T> jacfwd(Function<T, Tensor> f) {
        return x -> jacobian(f, x, true);
    }

    /** The Jacobian by reverse mode (one VJP per output entry); same layout as {@link #jacfwd}. */
    public static <T> Function<T, T> jacrev(Function<T, Tensor> f) {
        return x -> jacobian(f, x, false);
    }

    /** The Hessian of a scalar function of a tensor: shape {@code in.shape + in.shape}; forward over reverse. */
    public static Function<Tensor, Tensor> hessian(Function<Tensor, Tensor> f) {
        return jacfwd(jacrev(f));
    }

    @SuppressWarnings("unchecked")
    private static <T> T jacobian(Function<T, Tensor> f, T x, boolean forward) {
        // One evaluation for all columns: memos keyed to it (an implicit solver's solution) are shared by them.
        try (Dispatch.EvaluationScope scope = Dispatch.evaluationScope()) {
            return jacobianColumns(f, x, forward);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T jacobianColumns(Function<T, Tensor> f, T x, boolean forward) {
        Pytree.Flat flat = inputTree(forward ? "jacfwd" : "jacrev", x);
        List<Tensor> leaves = flat.leaves();
        List<Tensor> blocks = new ArrayList<>();
        if (forward) {
            int[] outShape = null;
            for (int l = 0; l < leaves.size(); l++) {
                Tensor leaf = leaves.get(l);
                List<Tensor> columns = new ArrayList<>();
                for (int j = 0; j < leaf.size(); j++) {
                    List<Tensor> tangent = new ArrayList<>();
                    for (int k = 0; k < leaves.size(); k++) {
                        tangent.add(k == l ? unit(leaf.shape(), j) : Tensor.zeros(leaves.get(k).shape()));
                    }
                    JvpResult<Tensor> r = jvp(f, x, (T) flat.def().unflatten(tangent));
                    outShape = r.tangent().shape();
                    columns.add(r.tangent().flatten());
                }
                if (outShape == null) {
                    outShape = f.apply(x).shape();
                }
                int outSize = Shapes.size(outShape);
                Tensor block = columns.isEmpty() ? Tensor.zeros(outSize, 0) : Tensor.stack(columns, 1);
                blocks.add(block.reshape(concat(outShape, leaf.shape())));
            }
        } else {
            VjpResult<T, Tensor> r = vjp(f, x);
            int[] outShape = r.value().shape();
            int outSize = r.value().size();
            List<List<Tensor>> rows = new ArrayList<>();
            for (int l = 0; l < leaves.size(); l++) {
                rows.add(new ArrayList<>());
            }
            for (int i = 0; i < outSize; i++) {
                List<Tensor> g = Pytree.leaves(r.pullback().apply(unit(outShape, i)));
                for (int l = 0; l < leaves.size(); l++) {
                    rows.get(l).add(g.get(l).flatten());
                }
            }
            for (int l = 0; l < leaves.size(); l++) {
                Tensor leaf = leaves.get(l);
                Tensor block = outSize == 0 ? Tensor.zeros(0, leaf.size()) : Tensor.stack(rows.get(l), 0);
                blocks.add(block.reshape(concat(outShape, leaf.shape())));
            }
        }
        return (T) flat.def().unflatten(blocks);
    }

    private static Tensor unit(int[] shape, int index) {
        double[] d = new double[Shapes.size(shape)];
        d[index] = 1.0;
        return Tensor.of(shape, d);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ------------------------------------------------------------------ stop gradient

    /** The same values with no derivative at any level (every leaf made concrete). */
    public static <T> T stopGradient(T tree) {
        return Pytree.map(tree, Tensor::concrete);
    }

    // ------------------------------------------------------------------ checkpointing

    /**
     * f with gradient checkpointing (rematerialization): f runs without recording anything on
     * the enclosing transforms' tapes, and the reverse pass re-runs it under a fresh trace to
     * pull the cotangent back. Memory: only f's inputs and outputs are kept instead of f's whole
     * tape, for the price of evaluating f twice. Derivatives are unchanged, at every order (both
     * rules are transforms of f). Use it on the blocks of a long unrolled loop.
     *
     * <p>Tensors f captures from its enclosing scope (a weight matrix shared by every step of a
     * loop) are differentiated like its inputs: f is evaluated once per call to discover them, and
     * they become extra inputs of the rule (closure conversion). f must be deterministic.
     */
    public static <T, R> Function<T, R> checkpoint(Function<T, R> f) {
        if (f == null) {
            throw new IllegalArgumentException("checkpoint: f is null");
        }
        return x -> {
            Pytree.Flat flat = Pytree.flatten(x);
            int n = flat.leaves().size();
            List<Tensor> concrete = new ArrayList<>(n);
            for (Tensor t : flat.leaves()) {
                concrete.add(t.concrete());
            }
            @SuppressWarnings("unchecked")
            T xc = (T) flat.def().unflatten(concrete);
            // The primal, evaluated once: it also discovers the traced values f captures, which become inputs.
            ClosureConversion.Discovered<R> d = ClosureConversion.discover(() -> f.apply(xc));
            Pytree.Flat out = Pytree.flatten(d.value());
            Tensor[] inputs = new Tensor[n + d.captured().size()];
            Tensor[] primalInputs = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = i < n ? flat.leaves().get(i) : d.captured().get(i - n);
                primalInputs[i] = i < n ? concrete.get(i) : inputs[i].concrete();
            }
            Tensor[] primalOutputs = new Tensor[out.leaves().size()];
            for (int i = 0; i < primalOutputs.length; i++) {
                primalOutputs[i] = out.leaves().get(i).concrete();
            }
            CheckpointRule<T, R> rule = new CheckpointRule<>(f, flat.def(), n, d.closure(), primalInputs, primalOutputs,
                    out.def());
            return rule.unflattenOutput(Dispatch.bindCustom(rule, inputs));
        };
    }

    // ------------------------------------------------------------------ custom rules

    /** A forward-mode rule: the output tangent, given primal inputs, the primal output and input tangents. */
    @FunctionalInterface
    public interface JvpRule<T, R> {
        /** The output tangent for the given primal inputs, their output, and input tangents. */
        R tangent(T primals, R output, T tangents);
    }

    /** A reverse-mode rule: the input cotangent, given primal inputs, the primal output and the output cotangent. */
    @FunctionalInterface
    public interface VjpRule<T, R> {
        /** The input cotangents for the given primal inputs, their output, and the output cotangent. */
        T cotangent(T primals, R output, R cotangent);
    }

    /**
     * f with a custom forward-mode rule. Reverse mode uses the rule too, by transposition
     * (reverse mode applied to the rule, which is linear in the tangents).
     */
    public static <T, R> Function<T, R> customJvp(Function<T, R> f, JvpRule<T, R> rule) {
        return customDerivatives(f, rule, null);
    }

    /**
     * f with a custom reverse-mode rule. Forward mode uses the rule too, by transposition. Unlike
     * JAX's custom_vjp, the result therefore also works under jvp, jacfwd and hessian.
     */
    public static <T, R> Function<T, R> customVjp(Function<T, R> f, VjpRule<T, R> rule) {
        return customDerivatives(f, null, rule);
    }

    /**
     * A forward-mode rule that sees which input leaves carry a tangent: {@code tangents[i]} is the
     * tangent of the i-th leaf of the primals (in {@link Pytree#leaves} order), null where the leaf
     * is not traced by the transform (its tangent is zero). Unlike {@link JvpRule}, no zero tangent
     * is materialized for such a leaf, so a rule can leave data (a design matrix) out of its
     * linearization.
     */
    @FunctionalInterface
    public interface LeafJvpRule<T, R> {
        /** The output tangent, given the primal inputs, their output and the leaf tangents (null for zero). */
        R tangent(T primals, R output, Tensor[] tangents);
    }

    /**
     * A reverse-mode rule that is told which input leaves need a cotangent: {@code needed[i]} is
     * false for a leaf that is not traced by the transform (a constant of it). It returns one
     * cotangent per leaf (in {@link Pytree#leaves} order); an entry is read only where
     * {@code needed[i]}, may be null elsewhere, and null means zero. A rule can so skip the
     * cotangent of data (a design matrix) that nobody differentiates.
     */
    @FunctionalInterface
    public interface LeafVjpRule<T, R> {
        /** One cotangent per input leaf (null for zero; ignored where not needed). */
        Tensor[] cotangents(T primals, R output, R cotangent, boolean[] needed);
    }

    /**
     * {@link #customDerivatives} with rules that work leaf by leaf and skip the leaves the
     * transform does not trace ({@link LeafJvpRule}, {@link LeafVjpRule}): the derivative with
     * respect to a traced leaf is the same, and untraced leaves cost nothing. The rules must
     * still hold untraced leaves as they are (not as constants of their own): at a higher order an
     * enclosing transform may trace them, and it differentiates through the rule.
     *
     * @throws IllegalArgumentException if f is null or both rules are null
     */
    public static <T, R> Function<T, R> customDerivativesByLeaf(Function<T, R> f, LeafJvpRule<T, R> jvpRule,
                                                                LeafVjpRule<T, R> vjpRule) {
        if (f == null) {
            throw new IllegalArgumentException("customDerivativesByLeaf: f is null");
        }
        if (jvpRule == null && vjpRule == null) {
            throw new IllegalArgumentException("customDerivativesByLeaf: needs a JVP rule, a VJP rule, or both");
        }
        return x -> {
            Pytree.Flat flat = Pytree.flatten(x);
            PytreeRule<T, R> rule = new PytreeRule<>(f, jvpRule, vjpRule, flat.def(), flat.leaves());
            Tensor[] outs = Dispatch.bindCustom(rule, flat.leaves().toArray(new Tensor[0]));
            return rule.unflattenOutput(outs);
        };
    }

    /**
     * f with both custom rules: every transform uses one of them and never differentiates f.
     * Both rules must be written with differentiable tensor operations for higher-order
     * derivatives; they receive tangents and cotangents with zeros filled in.
     *
     * <p>f must receive every traced value it depends on through its argument: a rule cannot
     * give a derivative to a tensor f reads through a closure or a field. When the returned
     * function is applied under a transform and f captures a traced value of it, it throws an
     * {@link IllegalArgumentException} naming the value's shape (the fix: make it part of the
     * input tree). Concrete captured tensors (data) are fine.
     */
    public static <T, R> Function<T, R> customDerivatives(Function<T, R> f, JvpRule<T, R> jvpRule, VjpRule<T, R> vjpRule) {
        if (f == null) {
            throw new IllegalArgumentException("customDerivatives: f is null");
        }
        if (jvpRule == null && vjpRule == null) {
            throw new IllegalArgumentException("customDerivatives: needs a JVP rule, a VJP rule, or both");
        }
        LeafJvpRule<T, R> leafJvp = jvpRule == null ? null : (p, o, tangents) -> {
            List<Tensor> primals = Pytree.leaves(p);
            @SuppressWarnings("unchecked")
            T t = (T) Pytree.flatten(p).def().unflatten(fillZeros(tangents, primals));
            return jvpRule.tangent(p, o, t);
        };
        LeafVjpRule<T, R> leafVjp = vjpRule == null ? null : (p, o, ct, needed) -> {
            List<Tensor> gl = Pytree.leaves(vjpRule.cotangent(p, o, ct));
            if (gl.size() != needed.length) {
                throw new IllegalStateException("custom derivative of " + f + ": VJP rule returned " + gl.size()
                        + " cotangent leaves for " + needed.length + " inputs");
            }
            return gl.toArray(new Tensor[0]);
        };
        return customDerivativesByLeaf(f, leafJvp, leafVjp);
    }

    /** Adapts tree-level rules to the flat {@link CustomRule} the dispatcher understands. */
    private static final class PytreeRule<T, R> implements CustomRule {
        private final Function<T, R> f;
        private final LeafJvpRule<T, R> jvpRule;
        private final LeafVjpRule<T, R> vjpRule;
        private final Pytree.TreeDef inDef;
        private final List<Tensor> inputTemplate;
        // The output structure is learned on the first evaluation (it is fixed for a given input structure).
        private volatile Pytree.TreeDef outDef;

        PytreeRule(Function<T, R> f, LeafJvpRule<T, R> jvpRule, LeafVjpRule<T, R> vjpRule, Pytree.TreeDef inDef,
                   List<Tensor> inputTemplate) {
            this.f = f;
            this.jvpRule = jvpRule;
            this.vjpRule = vjpRule;
            this.inDef = inDef;
            this.inputTemplate = inputTemplate;
        }

        @Override
        public String name() {
            return "custom derivative of " + f;
        }

        @SuppressWarnings("unchecked")
        @Override
        public Tensor[] call(Tensor[] inputs) {
            R out = f.apply((T) inDef.unflatten(Arrays.asList(inputs)));
            Pytree.Flat of = Pytree.flatten(out);
            outDef = of.def();
            return of.leaves().toArray(new Tensor[0]);
        }

        @SuppressWarnings("unchecked")
        R unflattenOutput(Tensor[] outs) {
            return (R) outDef.unflatten(Arrays.asList(outs));
        }

        @Override
        public JvpOutput jvp(Tensor[] primals, Tensor[] tangents) {
            if (jvpRule == null) {
                return null;
            }
            return jvpWithOutputs(primals, Dispatch.bindCustom(this, primals), tangents);
        }

        @SuppressWarnings("unchecked")
        @Override
        public JvpOutput jvpWithOutputs(Tensor[] primals, Tensor[] outs, Tensor[] tangents) {
            if (jvpRule == null) {
                return null;
            }
            T p = (T) inDef.unflatten(Arrays.asList(primals));
            R o = unflattenOutput(outs);
            R tout = jvpRule.tangent(p, o, tangents.clone());
            List<Tensor> tl = Pytree.leaves(tout);
            if (tl.size() != outs.length) {
                throw new IllegalStateException(name() + ": JVP rule returned " + tl.size() + " tangent leaves for "
                        + outs.length + " outputs");
            }
            return new JvpOutput(outs, tl.toArray(new Tensor[0]));
        }

        @Override
        public VjpOutput vjp(Tensor[] primals) {
            boolean[] all = new boolean[primals.length];
            Arrays.fill(all, true);
            return vjp(primals, all);
        }

        @SuppressWarnings("unchecked")
        @Override
        public VjpOutput vjp(Tensor[] primals, boolean[] needed) {
            if (vjpRule == null) {
                return null;
            }
            Tensor[] outs = Dispatch.bindCustom(this, primals);
            T p = (T) inDef.unflatten(Arrays.asList(primals));
            R o = unflattenOutput(outs);
            boolean[] mask = needed.clone();
            Pullback pullback = cts -> {
                R ct = (R) outDef.unflatten(fillZeros(cts, Arrays.asList(outs)));
                Tensor[] g = vjpRule.cotangents(p, o, ct, mask.clone());
                if (g == null || g.length != primals.length) {
                    throw new IllegalStateException(name() + ": VJP rule returned "
                            + (g == null ? "null" : g.length + " cotangent leaves") + " for " + primals.length
                            + " inputs");
                }
                Tensor[] out = new Tensor[g.length];
                for (int i = 0; i < g.length; i++) {
                    // An entry that was not asked for is dropped: the transform treats that input as a constant.
                    out[i] = mask[i] ? g[i] : null;
                }
                return out;
            };
            return new VjpOutput(outs, pullback);
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The flattened input of a transform. At top level (no transform active) a static leaf that
     * hides a tensor in its fields is refused: the caller asked for a derivative with respect to
     * the whole tree and that tensor would silently get none. Nested transforms are not checked:
     * there, an object holding traced values of enclosing transforms is a captured value (the
     * custom functions that need it convert their closures).
     */
    private static Pytree.Flat inputTree(String op, Object x) {
        Pytree.Flat flat = Pytree.flatten(x);
        if (Dispatch.depth() == 0) {
            Pytree.requireNoHiddenTensors(op, "argument", flat, null);
        }
        return flat;
    }

    static List<Tensor> fillZeros(Tensor[] values, List<Tensor> like) {
        List<Tensor> out = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            out.add(values[i] != null ? values[i] : Tensor.zeros(like.get(i).shape()));
        }
        return out;
    }
}
