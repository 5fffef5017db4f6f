package dev.argdiff.tensor;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Corner cases found in review: values and derivatives at 0 and ±∞, and NaN arguments. */
class ReviewCornerCasesTest {

    @Test
    void reluOfMinusInfinityIsZeroAndNaNStaysNaN() {
        Tensor r = Tensor.of(Double.NEGATIVE_INFINITY, -1.0, 0.0, 2.0, Double.POSITIVE_INFINITY, Double.NaN).relu();
        double[] v = r.toArray();
        assertArrayEquals(new double[] {0, 0, 0, 2, Double.POSITIVE_INFINITY}, java.util.Arrays.copyOf(v, 5), 0.0);
        assertTrue(Double.isNaN(v[5]), "relu(NaN) must stay NaN");
        Tensor g = Autodiff.grad((Tensor x) -> x.relu().sum()).apply(Tensor.of(-2.0, 0.0, 3.0));
        assertArrayEquals(new double[] {0, 0, 1}, g.toArray(), 0.0);
    }

    @Test
    void derivativeOfZerothPowerAtZeroIsZeroNotNaN() {
        // d/dx x^0 = 0 everywhere, including x = 0 (JAX gives 0 too).
        Tensor g = Autodiff.grad((Tensor x) -> x.pow(0.0).sum()).apply(Tensor.of(0.0, 2.0));
        assertArrayEquals(new double[] {0, 0}, g.toArray(), 0.0);
        Tensor gt = Autodiff.grad((Tensor x) -> x.pow(Tensor.of(0.0, 0.0)).sum()).apply(Tensor.of(0.0, 0.0));
        assertArrayEquals(new double[] {0, 0}, gt.toArray(), 0.0);
    }

    @Test
    void fourthDerivativeOfCubeAtZeroIsZero() {
        Function<Tensor, Tensor> d1 = Autodiff.grad((Tensor x) -> x.pow(3.0).sum());
        Function<Tensor, Tensor> d2 = Autodiff.grad((Tensor x) -> d1.apply(x).sum());
        Function<Tensor, Tensor> d3 = Autodiff.grad((Tensor x) -> d2.apply(x).sum());
        Function<Tensor, Tensor> d4 = Autodiff.grad((Tensor x) -> d3.apply(x).sum());
        Tensor zero = Tensor.of(0.0);
        assertEquals(0.0, d2.apply(zero).item(), 0.0);
        assertEquals(6.0, d3.apply(zero).item(), 1e-12);
        assertEquals(0.0, d4.apply(zero).item(), 0.0, "4th derivative of x^3 at 0 (was NaN: 0·0^(−1))");
        // forward over reverse too
        Tensor h = Autodiff.jacfwd(d3).apply(zero);
        assertEquals(0.0, h.item(), 0.0);
    }

    @Test
    void powDerivativesAwayFromZeroUnchanged() {
        // Both partials and second order of a^b, with exponents 0 and non-zero, against finite differences.
        GradCheck.checkGrads((Tensor ab) -> ab.slice(0, 0, 2).pow(ab.slice(0, 2, 4)),
                Tensor.of(1.5, 0.7, 0.0, 2.5), 2);
        Tensor mixed = Autodiff.hessian((Tensor ab) -> ab.slice(0, 0, 1).pow(ab.slice(0, 1, 2)).sum())
                .apply(Tensor.of(2.0, 0.0));
        // ∂²(a^b)/∂a∂b at b = 0 is a^(b−1)(1 + b·log a) = 1/a.
        assertEquals(0.5, mixed.get(0, 1), 1e-12);
        assertEquals(0.5, mixed.get(1, 0), 1e-12);
    }

    @Test
    void clipRefusesNaNBounds() {
        Tensor x = Tensor.of(1.0, 2.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.clip(Double.NaN, 1.0));
        assertTrue(e.getMessage().contains("clip"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.clip(0.0, Double.NaN));
    }

    @Test
    void arangeRefusesNonFiniteBounds() {
        // NaN silently gave an empty tensor; an infinite stop asked for 2^31 − 1 entries.
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(Double.NaN, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, Double.POSITIVE_INFINITY, 1));
    }
}
