package dev.argdiff.ad;

import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transforms over trees: records, lists, maps, arrays and their static leaves. */
class PytreeTest {

    record Params(Tensor w, Tensor b, double l2, String name) {
    }

    record Layer(Tensor w, Tensor b) {
    }

    enum Activation { TANH, RELU }

    record Net(List<Layer> layers, Map<String, Tensor> extra, Tensor[] scales, int seed, Activation activation) {
    }

    private static final Tensor X = Tensor.of(new double[][] {{1, 2}, {3, -1}, {0.5, 0.5}});

    // ------------------------------------------------------------------ records

    @Test
    void gradOfAFunctionOfARecordIsARecordOfGradients() {
        Params p = new Params(Tensor.of(0.5, -1), Tensor.scalar(0.25), 0.1, "ridge");
        // f = Σ (X·w + b)² / 2 + l2·‖w‖²/2: ∇w = Xᵀr + l2·w, ∇b = Σ r with r = X·w + b.
        Function<Params, Tensor> f = q -> q.w().matmul(X.transpose()).add(q.b()).squaredNorm().mul(0.5)
                .add(q.w().squaredNorm().mul(q.l2() / 2));
        Params g = Autodiff.grad(f).apply(p);
        assertInstanceOf(Params.class, g);
        double[] r = {0.5 - 2 + 0.25, 1.5 + 1 + 0.25, 0.25 - 0.5 + 0.25};
        double[] gw = {r[0] * 1 + r[1] * 3 + r[2] * 0.5 + 0.1 * 0.5, r[0] * 2 - r[1] + r[2] * 0.5 - 0.1};
        assertArrayEquals(gw, g.w().toArray(), 1e-14);
        assertEquals(r[0] + r[1] + r[2], g.b().item(), 1e-14);
        assertArrayEquals(new int[] {}, g.b().shape());
        // Static leaves are carried unchanged.
        assertEquals(0.1, g.l2(), 0.0);
        assertEquals("ridge", g.name());
        assertFalse(g.w().isTraced());
        assertFalse(g.b().isTraced());
    }

    @Test
    void nestedRecordsListsMapsAndArrays() {
        Net net = new Net(
                List.of(new Layer(Tensor.of(new double[][] {{1, 2}, {3, 4}}), Tensor.of(0.1, 0.2)),
                        new Layer(Tensor.of(new double[][] {{0.5}, {-0.5}}), Tensor.of(0.3))),
                Map.of("zeta", Tensor.scalar(2.0), "alpha", Tensor.of(1, 1)),
                new Tensor[] {Tensor.scalar(3.0), Tensor.scalar(4.0)},
                17, Activation.TANH);
        Function<Net, Tensor> f = n -> {
            Tensor h = Tensor.of(1, -1);
            for (Layer l : n.layers()) {
                h = h.matmul(l.w()).add(l.b());
            }
            return h.sum().mul(n.extra().get("zeta")).add(n.extra().get("alpha").squaredNorm())
                    .add(n.scales()[0].mul(n.scales()[1])).add(n.seed());
        };
        Net g = Autodiff.grad(f).apply(net);
        assertEquals(17, g.seed());
        assertSame(Activation.TANH, g.activation());
        assertEquals(2, g.layers().size());
        // h1 = [1,-1]·W1 + b1 = [-2+0.1, -2+0.2]; out = h1·W2 + b2 = -1.9·0.5 + 1.8·0.5 + 0.3 = 0.25.
        // ∂/∂b2 = zeta = 2; ∂/∂W2 = zeta·h1ᵀ; ∂/∂b1 = zeta·W2ᵀ; ∂/∂W1 = zeta·[1,-1]ᵀ·W2ᵀ.
        assertArrayEquals(new double[] {2}, g.layers().get(1).b().toArray(), 1e-15);
        assertArrayEquals(new double[] {-3.8, -3.6}, g.layers().get(1).w().toArray(), 1e-14);
        assertArrayEquals(new int[] {2, 1}, g.layers().get(1).w().shape());
        assertArrayEquals(new double[] {1, -1}, g.layers().get(0).b().toArray(), 1e-15);
        assertArrayEquals(new double[] {1, -1, -1, 1}, g.layers().get(0).w().toArray(), 1e-15);
        assertEquals(0.25, g.extra().get("zeta").item(), 1e-14);
        assertArrayEquals(new double[] {2, 2}, g.extra().get("alpha").toArray(), 0.0);
        assertEquals(new ArrayList<>(List.of("alpha", "zeta")), new ArrayList<>(g.extra().keySet()));
        assertInstanceOf(Tensor[].class, g.scales());
        assertEquals(4.0, g.scales()[0].item(), 0.0);
        assertEquals(3.0, g.scales()[1].item(), 0.0);
    }

    @Test
    void mapsFlattenInSortedKeyOrder() {
        Map<String, Tensor> m = new HashMap<>();
        m.put("c", Tensor.scalar(3));
        m.put("a", Tensor.scalar(1));
        m.put("b", Tensor.scalar(2));
        Pytree.Flat flat = Pytree.flatten(m);
        assertEquals(List.of(1.0, 2.0, 3.0), flat.leaves().stream().map(Tensor::item).toList());
        Object back = flat.def().unflatten(List.of(Tensor.scalar(10), Tensor.scalar(20), Tensor.scalar(30)));
        assertEquals(List.of("a", "b", "c"), new ArrayList<>(((Map<?, ?>) back).keySet()));
        assertEquals(20.0, ((Tensor) ((Map<?, ?>) back).get("b")).item(), 0.0);
        // A sorted map comes back as a sorted map.
        SortedMap<Integer, Tensor> sm = new TreeMap<>(Map.of(2, Tensor.scalar(5), 1, Tensor.scalar(7)));
        SortedMap<Integer, Tensor> g = Autodiff.grad((SortedMap<Integer, Tensor> s) -> s.get(1).mul(s.get(2))).apply(sm);
        assertInstanceOf(SortedMap.class, g);
        assertEquals(5.0, g.get(1).item(), 0.0);
        assertEquals(7.0, g.get(2).item(), 0.0);
        // Keys that cannot be ordered are refused.
        Map<Object, Tensor> mixed = new HashMap<>();
        mixed.put("a", Tensor.scalar(1));
        mixed.put(2, Tensor.scalar(1));
        assertThrows(IllegalArgumentException.class, () -> Pytree.flatten(mixed));
    }

    @Test
    void staticLeavesInListsAreCarried() {
        List<Object> x = Arrays.asList(Tensor.of(1, 2), 2.5, "label", null, List.of(Tensor.scalar(3), 4));
        List<Object> g = Autodiff.grad((List<Object> l) -> ((Tensor) l.get(0)).squaredNorm()
                .mul((Double) l.get(1)).add(((Tensor) ((List<?>) l.get(4)).get(0)).mul((Integer) ((List<?>) l.get(4)).get(1))))
                .apply(x);
        assertArrayEquals(new double[] {5, 10}, ((Tensor) g.get(0)).toArray(), 0.0);
        assertEquals(2.5, g.get(1));
        assertEquals("label", g.get(2));
        assertNull(g.get(3));
        assertEquals(4.0, ((Tensor) ((List<?>) g.get(4)).get(0)).item(), 0.0);
        assertEquals(4, ((List<?>) g.get(4)).get(1));
        assertEquals(2, Pytree.leaves(x).size());
    }

    // ------------------------------------------------------------------ flatten / unflatten

    @Test
    void flattenUnflattenRoundTrip() {
        Net net = new Net(List.of(new Layer(Tensor.ones(2, 3), Tensor.zeros(3))),
                new TreeMap<>(Map.of("k", Tensor.arange(4))), new Tensor[] {Tensor.scalar(1)}, 5, Activation.RELU);
        Pytree.Flat flat = Pytree.flatten(net);
        assertEquals(4, flat.leaves().size());
        assertEquals(4, flat.def().numLeaves());
        Net back = (Net) flat.def().unflatten(flat.leaves());
        assertEquals(net.layers(), back.layers());
        assertEquals(net.extra(), back.extra());
        assertArrayEquals(net.scales(), back.scales());
        assertEquals(5, back.seed());
        assertSame(Activation.RELU, back.activation());
        assertTrue(flat.def().sameStructure(Pytree.flatten(back).def()));
        // The structure compares static leaves by value.
        Net other = new Net(net.layers(), net.extra(), net.scales(), 6, Activation.RELU);
        assertFalse(flat.def().sameStructure(Pytree.flatten(other).def()));
        // Array round trip through toArray / fromArray.
        double[] values = Pytree.toArray(net);
        assertEquals(6 + 3 + 4 + 1, values.length);
        assertEquals(Pytree.size(net), values.length);
        Net same = Pytree.fromArray(net, values);
        assertArrayEquals(values, Pytree.toArray(same), 0.0);
        assertThrows(IllegalArgumentException.class, () -> flat.def().unflatten(flat.leaves().subList(0, 3)));
        assertThrows(IllegalArgumentException.class, () -> Pytree.fromArray(net, new double[3]));
        // map, map2, zerosLike and vdot keep the structure.
        Net doubled = Pytree.map2(net, net, Tensor::add);
        assertArrayEquals(Arrays.stream(values).map(v -> 2 * v).toArray(), Pytree.toArray(doubled), 0.0);
        assertEquals(Arrays.stream(values).map(v -> v * v).sum(), Pytree.vdot(net, net).item(), 0.0);
        assertArrayEquals(new double[values.length], Pytree.toArray(Pytree.zerosLike(net)), 0.0);
        assertThrows(IllegalArgumentException.class, () -> Pytree.map2(net, other, Tensor::add));
        // A lone tensor is a one-leaf tree.
        Tensor t = Tensor.of(1, 2);
        assertSame(t, Pytree.flatten(t).def().unflatten(List.of(t)));
    }

    // ------------------------------------------------------------------ aux, vjp, jvp

    record Stats(Tensor residual, int iterations, String note) {
    }

    @Test
    void valueAndGradWithAuxReturnsUntracedAux() {
        Tensor w = Tensor.of(1, 2);
        Autodiff.ValueAuxAndGrad<Tensor, Stats> r = Autodiff.valueAndGradWithAux((Tensor z) -> {
            Tensor res = X.matmul(z).sub(1.0);
            return new Autodiff.Aux<>(res.squaredNorm().mul(0.5), new Stats(res, 7, "ok"));
        }).apply(w);
        double[] res = {1 + 4 - 1, 3 - 2 - 1, 0.5 + 1 - 1};
        assertArrayEquals(res, r.aux().residual().toArray(), 1e-15);
        assertFalse(r.aux().residual().isTraced());
        assertEquals(7, r.aux().iterations());
        assertEquals("ok", r.aux().note());
        assertFalse(r.value().isTraced());
        assertEquals(0.5 * (16 + 0 + 0.25), r.value().item(), 1e-15);
        assertArrayEquals(new double[] {4 + 0 + 0.25, 8 - 0 + 0.25}, r.gradient().toArray(), 1e-14);
        // The aux can be used after the transform ended (it would throw if it were still traced).
        assertEquals(res[0] + 1, r.aux().residual().add(1.0).get(0), 0.0);
    }

    @Test
    void vjpAndJvpOverTrees() {
        Params p = new Params(Tensor.of(1, 2), Tensor.scalar(3), 0.5, "p");
        // f(p) = (w·b, [‖w‖², b²]) as a record output.
        Function<Params, Layer> f = q -> new Layer(q.w().mul(q.b()),
                Tensor.stack(List.of(q.w().squaredNorm(), q.b().square()), 0));
        Autodiff.VjpResult<Params, Layer> r = Autodiff.vjp(f, p);
        assertArrayEquals(new double[] {3, 6}, r.value().w().toArray(), 0.0);
        assertArrayEquals(new double[] {5, 9}, r.value().b().toArray(), 0.0);
        assertFalse(r.value().w().isTraced());
        Layer ct = new Layer(Tensor.of(1, -1), Tensor.of(2, 0.5));
        Params g = r.pullback().apply(ct);
        // ∂/∂w: b·ct.w + 2w·ct.b[0] = [3, −3] + [4, 8]; ∂/∂b: ⟨w, ct.w⟩ + 2b·ct.b[1] = −1 + 3.
        assertArrayEquals(new double[] {7, 5}, g.w().toArray(), 1e-15);
        assertEquals(2.0, g.b().item(), 1e-15);
        assertEquals(0.5, g.l2(), 0.0);
        assertEquals("p", g.name());
        // The pullback can be called again with another cotangent.
        Params g2 = r.pullback().apply(new Layer(Tensor.zeros(2), Tensor.of(1, 0)));
        assertArrayEquals(new double[] {2, 4}, g2.w().toArray(), 0.0);
        assertEquals(0.0, g2.b().item(), 0.0);

        Params v = new Params(Tensor.of(1, 0), Tensor.scalar(-1), 0.5, "p");
        Autodiff.JvpResult<Layer> j = Autodiff.jvp(f, p, v);
        assertArrayEquals(r.value().w().toArray(), j.value().w().toArray(), 0.0);
        // d(w·b) = dw·b + w·db = [3, 0] + [−1, −2]; d‖w‖² = 2⟨w, dw⟩ = 2; d(b²) = 2b·db = −6.
        assertArrayEquals(new double[] {2, -2}, j.tangent().w().toArray(), 1e-15);
        assertArrayEquals(new double[] {2, -6}, j.tangent().b().toArray(), 1e-15);
        // ⟨ct, J·v⟩ = ⟨Jᵀ·ct, v⟩.
        assertEquals(Pytree.vdot(ct, j.tangent()).item(), Pytree.vdot(g, v).item(), 1e-14);
        // A cotangent of the wrong structure is refused.
        assertThrows(IllegalArgumentException.class, () -> r.pullback().apply(new Layer(Tensor.zeros(3), Tensor.zeros(2))));
        GradCheck.checkGrads(f, p, 2);
    }

    @Test
    void gradOfAListOfTensorsAndAnArray() {
        List<Tensor> l = List.of(Tensor.of(1, 2), Tensor.scalar(3));
        List<Tensor> g = Autodiff.grad((List<Tensor> z) -> z.get(0).sum().mul(z.get(1))).apply(l);
        assertArrayEquals(new double[] {3, 3}, g.get(0).toArray(), 0.0);
        assertEquals(3.0, g.get(1).item(), 0.0);
        Tensor[] arr = {Tensor.of(1, 2), Tensor.of(3, 4)};
        Tensor[] ga = Autodiff.grad((Tensor[] z) -> z[0].vdot(z[1])).apply(arr);
        assertArrayEquals(new double[] {3, 4}, ga[0].toArray(), 0.0);
        assertArrayEquals(new double[] {1, 2}, ga[1].toArray(), 0.0);
        // A leaf the function ignores gets a zero gradient of its shape.
        List<Tensor> gz = Autodiff.grad((List<Tensor> z) -> z.get(1).square()).apply(l);
        assertArrayEquals(new double[] {0, 0}, gz.get(0).toArray(), 0.0);
        assertEquals(6.0, gz.get(1).item(), 0.0);
    }

    /** A record whose accessor throws: its components cannot be read. */
    record Unreadable(Tensor w) {
        @Override
        public Tensor w() {
            throw new IllegalStateException("w is write-only here");
        }
    }

    /** A record whose canonical constructor refuses negative entries. */
    record Positive(Tensor w) {
        Positive {
            if (w.min().item() < 0) {
                throw new IllegalArgumentException("w must be >= 0");
            }
        }
    }

    /** Same component names and types as Positive, different class: the per-class accessors must not mix. */
    record AlsoW(Tensor w) {
    }

    @Test
    void recordComponentsReadAndRebuiltPerClassWithTheirErrorsNamed() {
        IllegalArgumentException read = assertThrows(IllegalArgumentException.class,
                () -> Pytree.flatten(new Unreadable(Tensor.of(1, 2))));
        assertEquals("Pytree: cannot read component w of " + Unreadable.class.getName(), read.getMessage());
        // the accessor's own exception, wrapped by the reflective call
        assertEquals("w is write-only here", read.getCause().getCause().getMessage());
        // The second time (class metadata remembered) the same error.
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> Pytree.flatten(new Unreadable(Tensor.of(1, 2))));
        assertEquals(read.getMessage(), again.getMessage());

        Pytree.Flat positive = Pytree.flatten(new Positive(Tensor.of(1, 2)));
        Pytree.Flat alsoW = Pytree.flatten(new AlsoW(Tensor.of(3, 4)));
        Object rebuilt = alsoW.def().unflatten(List.of(Tensor.of(-5, 6)));
        assertInstanceOf(AlsoW.class, rebuilt);
        assertArrayEquals(new double[] {-5, 6}, ((AlsoW) rebuilt).w().toArray(), 0.0);
        Positive ok = (Positive) positive.def().unflatten(List.of(Tensor.of(7, 8)));
        assertArrayEquals(new double[] {7, 8}, ok.w().toArray(), 0.0);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> positive.def().unflatten(List.of(Tensor.of(-1, 8))));
        assertTrue(refused.getMessage().startsWith("w must be >= 0 — thrown by the constructor of record "
                + Positive.class.getName()), refused.getMessage());
    }
}
