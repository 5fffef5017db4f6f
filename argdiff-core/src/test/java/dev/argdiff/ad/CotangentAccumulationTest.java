package dev.argdiff.ad;

import dev.argdiff.tensor.Tensor;
import dev.argdiff.tensor.internal.TracedTensors;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The reverse pass sums a value's cotangent contributions in a buffer it owns, in place from the
 * third one on: these tests would see a buffer written while someone else holds it (a rule's
 * input, the user's cotangent, a returned gradient, a tensor shared by two nodes). Every expected
 * value is a closed form.
 */
class CotangentAccumulationTest {

    private static final Tensor X = Tensor.of(0.3, -1.2, 2.0);

    private static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-15 * Math.max(1, Math.abs(expected[i])), "entry " + i);
        }
    }

    @Test
    void aValueUsedManyTimesGetsEveryContributionOnce() {
        // y = 2x used five times, twice through (y + y), whose rule hands the same cotangent object to
        // both operands: d/dy Σ w·((y + y) + y + y·y + sin y) = w·(3 + 2y + cos y).
        Tensor w = Tensor.of(1.5, -0.5, 2.0);
        Function<Tensor, Tensor> f = x -> {
            Tensor y = x.mul(2.0);
            return w.mul(y.add(y).add(y).add(y.mul(y)).add(y.sin())).sum();
        };
        double[] g = Autodiff.grad(f).apply(X).toArray();
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double y = 2 * X.get(i);
            expected[i] = 2 * w.get(i) * (3 + 2 * y + Math.cos(y));
        }
        assertClose(expected, g);
    }

    @Test
    void theUsersCotangentsAreNeverWritten() {
        // Three outputs that are the same node: their cotangents all arrive there.
        Autodiff.VjpResult<Tensor, List<Tensor>> r = Autodiff.vjp((Tensor x) -> {
            Tensor y = x.mul(2.0);
            return List.of(y, y, y);
        }, X);
        Tensor c1 = Tensor.of(1, 2, 3);
        Tensor c2 = Tensor.of(10, 20, 30);
        Tensor c3 = Tensor.of(100, 200, 300);
        Tensor g = r.pullback().apply(List.of(c1, c2, c3));
        assertArrayEquals(new double[] {222, 444, 666}, g.toArray(), 0.0);
        assertArrayEquals(new double[] {1, 2, 3}, c1.toArray(), 0.0);
        assertArrayEquals(new double[] {10, 20, 30}, c2.toArray(), 0.0);
        assertArrayEquals(new double[] {100, 200, 300}, c3.toArray(), 0.0);
        // One tensor as all three cotangents.
        Tensor g2 = r.pullback().apply(List.of(c1, c1, c1));
        assertArrayEquals(new double[] {6, 12, 18}, g2.toArray(), 0.0);
        assertArrayEquals(new double[] {1, 2, 3}, c1.toArray(), 0.0);
        assertArrayEquals(new double[] {222, 444, 666}, g.toArray(), 0.0);
    }

    @Test
    void aReturnedGradientIsNeverWrittenWhenItComesBackAsACotangent() {
        // x used three times: its gradient is a summed buffer; feeding it back as the cotangent of three
        // outputs of another pullback (and of this one) must leave it as returned.
        Tensor a = Tensor.of(1, 2, 3);
        Function<Tensor, List<Tensor>> f = x -> List.of(x.mul(a), x.mul(a), x.mul(a));
        Autodiff.VjpResult<Tensor, List<Tensor>> r = Autodiff.vjp(f, X);
        Tensor ones = Tensor.ones(3);
        Tensor g = r.pullback().apply(List.of(ones, ones, ones));
        assertArrayEquals(new double[] {3, 6, 9}, g.toArray(), 0.0);
        Tensor gg = r.pullback().apply(List.of(g, g, g));
        assertArrayEquals(new double[] {9, 36, 81}, gg.toArray(), 0.0);
        assertArrayEquals(new double[] {3, 6, 9}, g.toArray(), 0.0);
        Tensor g3 = r.pullback().apply(List.of(ones, ones, ones));
        assertArrayEquals(new double[] {3, 6, 9}, g3.toArray(), 0.0);
        assertArrayEquals(new double[] {3, 6, 9}, g.toArray(), 0.0);
    }

    @Test
    void aTensorARuleReturnsForSeveralInputsIsNeverWritten() {
        // A custom rule returning one stored tensor as the cotangent of both inputs, applied to (x, x)
        // and added to x once more: x gets s, s and 1·ct — summed, never written into s.
        Tensor s = Tensor.of(0.25, 0.5, 0.75);
        Function<List<Tensor>, Tensor> pair = Autodiff.customVjp(l -> l.get(0).add(l.get(1)),
                (p, out, ct) -> List.of(s, s));
        Function<Tensor, Tensor> f = x -> pair.apply(List.of(x, x)).add(x).sum();
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(new double[] {1.5, 2, 2.5}, Autodiff.grad(f).apply(X).toArray(), 0.0);
            assertArrayEquals(new double[] {0.25, 0.5, 0.75}, s.toArray(), 0.0);
        }
    }

    @Test
    void secondDerivativesThroughAValueUsedThreeTimes() {
        // f(x) = Σ h(sin x) with h(y) = y³ + y² + y: f′ = h′(y)·cos x, f″ = h″(y)·cos²x − h′(y)·sin x.
        Function<Tensor, Tensor> f = x -> {
            Tensor y = x.sin();
            return y.mul(y).mul(y).add(y.mul(y)).add(y).sum();
        };
        double[] d1 = new double[3];
        double[] d2 = new double[3];
        for (int i = 0; i < 3; i++) {
            double x = X.get(i);
            double y = Math.sin(x);
            double h1 = 3 * y * y + 2 * y + 1;
            double h2 = 6 * y + 2;
            d1[i] = h1 * Math.cos(x);
            d2[i] = h2 * Math.cos(x) * Math.cos(x) - h1 * Math.sin(x);
        }
        Function<Tensor, Tensor> grad = Autodiff.grad(f);
        assertClose(d1, grad.apply(X).toArray());
        // Reverse over reverse: the inner backward pass is recorded, its sums are traced.
        assertClose(d2, Autodiff.grad((Tensor x) -> grad.apply(x).sum()).apply(X).toArray());
        Tensor h = Autodiff.hessian(f).apply(X);
        Tensor hr = Autodiff.jacrev(grad).apply(X);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double e = i == j ? d2[i] : 0.0;
                assertEquals(e, h.get(i, j), 1e-15 * Math.max(1, Math.abs(e)));
                assertEquals(e, hr.get(i, j), 1e-15 * Math.max(1, Math.abs(e)));
            }
        }
        // The gradient returned first is untouched by the later passes.
        assertClose(d1, grad.apply(X).toArray());
    }

    @Test
    void inPlaceAdditionRefusesTracedOrMismatchedTensors() {
        Tensor a = Tensor.of(1, 2);
        assertThrows(IllegalArgumentException.class, () -> TracedTensors.addInPlace(a, Tensor.of(1, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> TracedTensors.sumInNewStorage(a, Tensor.of(1.0)));
        Autodiff.grad((Tensor x) -> {
            assertThrows(IllegalArgumentException.class, () -> TracedTensors.addInPlace(a, x));
            return x.sum();
        }).apply(Tensor.of(1, 2));
        Tensor sum = TracedTensors.sumInNewStorage(a, a);
        TracedTensors.addInPlace(sum, a);
        assertArrayEquals(new double[] {3, 6}, sum.toArray(), 0.0);
        assertArrayEquals(new double[] {1, 2}, a.toArray(), 0.0);
    }
}
