package dev.argdiff.tensor;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Norms along one axis: values by hand, keepDims shapes, derivatives vs finite differences, 0 at 0. */
class AxisNormTest {

    private static final Tensor M = Tensor.of(new double[][] {{3, -4, 0}, {1, 2, -2}});

    @Test
    void valuesAlongEachAxis() {
        assertArrayEquals(new double[] {5, 3}, M.norm(2, 1, false).toArray(), 1e-15);
        assertArrayEquals(new double[] {7, 5}, M.norm(1, 1, false).toArray(), 1e-15);
        assertArrayEquals(new double[] {4, 2}, M.norm(Double.POSITIVE_INFINITY, 1, false).toArray(), 1e-15);
        assertArrayEquals(new double[] {Math.sqrt(10), Math.sqrt(20), 2}, M.norm(2, 0, false).toArray(), 1e-15);
        assertArrayEquals(new int[] {2, 1}, M.norm(2, 1, true).shape());
        assertArrayEquals(new int[] {1, 3}, M.norm(1, -2, true).shape());
    }

    @Test
    void derivativesMatchFiniteDifferencesAtSecondOrder() {
        Tensor x = Tensor.randomNormal(5, 3, 4);
        for (double ord : new double[] {1, 2, Double.POSITIVE_INFINITY}) {
            GradCheck.checkGrads((Tensor t) -> t.norm(ord, 1, false), x, 2);
            GradCheck.checkGrads((Tensor t) -> t.norm(ord, 0, true).square(), x, 2);
        }
    }

    @Test
    void gradientOfTheTwoNormAtZeroIsZero() {
        Tensor g = Autodiff.grad((Tensor t) -> t.norm(2, 1, false).sum()).apply(Tensor.zeros(2, 3));
        assertArrayEquals(new double[6], g.toArray(), 0.0);
    }

    @Test
    void badOrderAndAxisAreRefused() {
        assertEquals("norm: ord must be 1, 2 or infinity, got 3.0",
                assertThrows(IllegalArgumentException.class, () -> M.norm(3, 0, false)).getMessage());
        assertEquals("norm: axis 2 is out of range for rank 2",
                assertThrows(ShapeException.class, () -> M.norm(2, 2, false)).getMessage());
    }
}
