package dev.argdiff.tensor;

import dev.argdiff.ad.Autodiff;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fused updates a + s·b, a − s·b and s·a + t·b equal their unfused composition: bit for bit
 * in value on the concrete loop (special values included), and in first and second derivatives
 * (forward, reverse and mixed) to 1e-15 relative, with respect to the vectors and the coefficients.
 */
class FusedUpdatesTest {

    private static final double[] A = {1.5, -2.0, 0.0, -0.0, Double.NaN, 3.0, Double.POSITIVE_INFINITY, 1e-300, 7.25};
    private static final double[] B = {2.0, -2.0, -0.0, 0.0, 1.0, Double.NaN, 2.5, 1e300, -0.125};

    @Test
    void concreteValuesEqualTheUnfusedExpressionBitForBit() {
        Tensor a = Tensor.of(new int[] {3, 3}, A);
        Tensor b = Tensor.of(new int[] {3, 3}, B);
        for (double s : new double[] {0.3, -1.7, 0.0, Double.NaN, 1e308}) {
            for (double t : new double[] {2.5, -0.0}) {
                Tensor st = Tensor.scalar(s);
                Tensor tt = Tensor.scalar(t);
                double[] add = new double[A.length];
                double[] sub = new double[A.length];
                double[] lin = new double[A.length];
                for (int i = 0; i < A.length; i++) {
                    add[i] = A[i] + B[i] * s;
                    sub[i] = A[i] - B[i] * s;
                    lin[i] = A[i] * s + B[i] * t;
                }
                assertBits(add, a.addScaled(s, b));
                assertBits(add, a.addScaled(st, b));
                assertBits(add, a.add(b.mul(s)));
                assertBits(sub, a.subScaled(s, b));
                assertBits(sub, a.subScaled(st, b));
                assertBits(sub, a.sub(b.mul(s)));
                assertBits(lin, Tensor.linearCombination(s, a, t, b));
                assertBits(lin, Tensor.linearCombination(st, a, tt, b));
                assertBits(lin, a.mul(s).add(b.mul(t)));
                assertArrayEquals(new int[] {3, 3}, a.addScaled(s, b).shape());
            }
        }
    }

    private static void assertBits(double[] expected, Tensor actual) {
        double[] v = actual.toArray();
        assertEquals(expected.length, v.length);
        for (int i = 0; i < v.length; i++) {
            assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(v[i]), "entry " + i);
        }
    }

    @Test
    void broadcastingOperandsAndCoefficientsTakeTheUnfusedPath() {
        Tensor a = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor b = Tensor.of(10, 20, 30);
        assertArrayEquals(new double[] {6, 12, 18, 9, 15, 21}, a.addScaled(0.5, b).toArray(), 0.0);
        assertArrayEquals(new double[] {-4, -8, -12, -1, -5, -9}, a.subScaled(0.5, b).toArray(), 0.0);
        assertArrayEquals(new double[] {22, 44, 66, 28, 50, 72}, Tensor.linearCombination(2, a, 2, b).toArray(), 0.0);
        // A per-row coefficient (2, 1): a + s·b with s broadcast along the rows.
        Tensor s = Tensor.of(new double[][] {{1}, {-1}});
        assertArrayEquals(new double[] {11, 22, 33, -6, -15, -24}, a.addScaled(s, b).toArray(), 0.0);
        // A one-entry coefficient of rank 2 broadcasts b to rank 2, as the unfused expression does.
        Tensor v = Tensor.of(1, 2);
        Tensor r = v.addScaled(Tensor.of(new double[][] {{2}}), v);
        assertArrayEquals(new int[] {1, 2}, r.shape());
        assertArrayEquals(new double[] {3, 6}, r.toArray(), 0.0);
    }

    @Test
    void badArgumentsAreNamed() {
        Tensor a = Tensor.of(1, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.addScaled(1.0, null));
        assertEquals("addScaled: b is null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.subScaled((Tensor) null, a));
        assertEquals("subScaled: s is null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.linearCombination(1, null, 2, a));
        assertEquals("linearCombination: a is null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.linearCombination(Tensor.scalar(1), a, null, a));
        assertEquals("linearCombination: t is null", e.getMessage());
        assertThrows(ShapeException.class, () -> a.addScaled(1.0, Tensor.of(1, 2, 3)));
        assertThrows(ShapeException.class, () -> Tensor.linearCombination(1, a, 1, Tensor.of(1, 2, 3)));
    }

    // z = (a[3], b[3], s, t) flattened; the fused and unfused forms feed the same nonlinear outer map.

    private static Tensor outer(Tensor u) {
        return u.sin().mul(u).sum();
    }

    private static final List<Function<Tensor, Tensor>> FUSED = List.of(
            z -> outer(z.slice(0, 0, 3).addScaled(z.slice(0, 6, 7).reshape(), z.slice(0, 3, 6))),
            z -> outer(z.slice(0, 0, 3).subScaled(z.slice(0, 6, 7).reshape(), z.slice(0, 3, 6))),
            z -> outer(Tensor.linearCombination(z.slice(0, 6, 7).reshape(), z.slice(0, 0, 3),
                    z.slice(0, 7, 8).reshape(), z.slice(0, 3, 6))),
            // Double coefficients: derivatives with respect to the vectors only.
            z -> outer(z.slice(0, 0, 3).addScaled(0.7, z.slice(0, 3, 6))),
            z -> outer(z.slice(0, 0, 3).subScaled(0.7, z.slice(0, 3, 6))),
            z -> outer(Tensor.linearCombination(0.7, z.slice(0, 0, 3), -1.3, z.slice(0, 3, 6))));

    private static final List<Function<Tensor, Tensor>> UNFUSED = List.of(
            z -> outer(z.slice(0, 0, 3).add(z.slice(0, 3, 6).mul(z.slice(0, 6, 7).reshape()))),
            z -> outer(z.slice(0, 0, 3).sub(z.slice(0, 3, 6).mul(z.slice(0, 6, 7).reshape()))),
            z -> outer(z.slice(0, 0, 3).mul(z.slice(0, 6, 7).reshape()).add(z.slice(0, 3, 6).mul(z.slice(0, 7, 8).reshape()))),
            z -> outer(z.slice(0, 0, 3).add(z.slice(0, 3, 6).mul(0.7))),
            z -> outer(z.slice(0, 0, 3).sub(z.slice(0, 3, 6).mul(0.7))),
            z -> outer(z.slice(0, 0, 3).mul(0.7).add(z.slice(0, 3, 6).mul(-1.3))));

    private static final Tensor Z = Tensor.of(0.4, -1.1, 2.3, 0.9, -0.6, 1.7, 0.35, -1.45);
    private static final Tensor V = Tensor.of(0.2, -0.5, 1.0, 0.3, 0.8, -0.7, 1.1, 0.6);

    private static void assertRelative(Tensor expected, Tensor actual, String what) {
        double[] e = expected.toArray();
        double[] a = actual.toArray();
        assertEquals(e.length, a.length, what);
        double scale = 0;
        for (double x : e) {
            scale = Math.max(scale, Math.abs(x));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-15 * Math.max(scale, 1e-300), what + " entry " + i);
        }
    }

    @Test
    void derivativesEqualTheUnfusedCompositionForwardAndReverseToSecondOrder() {
        for (int k = 0; k < FUSED.size(); k++) {
            Function<Tensor, Tensor> f = FUSED.get(k);
            Function<Tensor, Tensor> g = UNFUSED.get(k);
            String c = "case " + k;
            assertRelative(g.apply(Z), f.apply(Z), c + " value");
            assertRelative(Autodiff.grad(g).apply(Z), Autodiff.grad(f).apply(Z), c + " grad");
            assertRelative(Autodiff.jvp(g, Z, V).tangent(), Autodiff.jvp(f, Z, V).tangent(), c + " jvp");
            assertRelative(Autodiff.hessian(g).apply(Z), Autodiff.hessian(f).apply(Z), c + " hessian");
            assertRelative(Autodiff.jacrev(Autodiff.grad(g)).apply(Z), Autodiff.jacrev(Autodiff.grad(f)).apply(Z),
                    c + " reverse over reverse");
            assertRelative(Autodiff.hvp(g, Z, V), Autodiff.hvp(f, Z, V), c + " hvp");
            // A traced coefficient with concrete vectors (the step size as a hyperparameter).
            Tensor a = Tensor.of(1.0, -2.0, 0.5);
            Tensor b = Tensor.of(0.25, 3.0, -1.0);
            Function<Tensor, Tensor> fs = s -> outer(a.addScaled(s, b));
            Function<Tensor, Tensor> gs = s -> outer(a.add(b.mul(s)));
            Tensor s0 = Tensor.scalar(0.6);
            assertRelative(Autodiff.grad(gs).apply(s0), Autodiff.grad(fs).apply(s0), c + " grad in s");
            assertRelative(Autodiff.grad(Autodiff.grad(gs)).apply(s0), Autodiff.grad(Autodiff.grad(fs)).apply(s0),
                    c + " second derivative in s");
        }
    }

    @Test
    void theFirstDerivativeOfAddScaledIsTheClosedForm() {
        // d/ds Σ (a + s·b) = Σ b, d/db = s, d/da = 1: independent of the unfused composition.
        Tensor a = Tensor.of(1.0, -2.0, 0.5);
        Tensor b = Tensor.of(0.25, 3.0, -1.0);
        List<Tensor> g = Autodiff.grad((List<Tensor> l) -> l.get(0).addScaled(l.get(1), l.get(2)).sum())
                .apply(List.of(a, Tensor.scalar(0.6), b));
        assertArrayEquals(new double[] {1, 1, 1}, g.get(0).toArray(), 0.0);
        assertEquals(2.25, g.get(1).item(), 0.0);
        assertArrayEquals(new double[] {0.6, 0.6, 0.6}, g.get(2).toArray(), 0.0);
        List<Tensor> h = Autodiff.grad((List<Tensor> l) -> Tensor.linearCombination(l.get(0), l.get(1), l.get(2), l.get(3)).sum())
                .apply(List.of(Tensor.scalar(2.0), a, Tensor.scalar(-3.0), b));
        assertEquals(-0.5, h.get(0).item(), 0.0);
        assertArrayEquals(new double[] {2, 2, 2}, h.get(1).toArray(), 0.0);
        assertEquals(2.25, h.get(2).item(), 0.0);
        assertArrayEquals(new double[] {-3, -3, -3}, h.get(3).toArray(), 0.0);
    }
}
