package dev.argdiff.tensor;

import dev.argdiff.ad.GradCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** softmax / logSoftmax along an axis: closed forms, huge logits, −∞, derivatives vs finite differences. */
class SoftmaxTest {

    @Test
    void valuesMatchTheClosedFormAlongEitherAxis() {
        Tensor x = Tensor.of(new double[][] {{1, 2, 3}, {0, 0, Math.log(2)}});
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new double[] {Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z, 0.25, 0.25, 0.5},
                x.softmax(1).toArray(), 1e-15);
        assertArrayEquals(new double[] {1 - Math.log(z), 2 - Math.log(z), 3 - Math.log(z),
                Math.log(0.25), Math.log(0.25), Math.log(0.5)}, x.logSoftmax(-1).toArray(), 1e-14);
        Tensor col = x.softmax(0);
        double e = 1 / (1 + Math.exp(-1));
        assertEquals(e, col.get(0, 0), 1e-15);
        assertEquals(1 - e, col.get(1, 0), 1e-15);
    }

    @Test
    void hugeAndInfiniteLogitsStayFinite() {
        Tensor p = Tensor.of(1000, 1000, Double.NEGATIVE_INFINITY).softmax(0);
        assertArrayEquals(new double[] {0.5, 0.5, 0}, p.toArray(), 1e-13);
        assertEquals(-1000, Tensor.of(-1000, 0).logSoftmax(0).get(0), 1e-12);
    }

    @Test
    void derivativesMatchFiniteDifferencesAtSecondOrder() {
        Tensor x = Tensor.randomNormal(3, 2, 4);
        Tensor w = Tensor.randomNormal(4, 2, 4);
        GradCheck.checkGrads((Tensor t) -> t.softmax(1).mul(w).sum(), x, 2);
        GradCheck.checkGrads((Tensor t) -> t.logSoftmax(0).mul(w).sum(), x, 2);
    }

    @Test
    void badAxisIsRefused() {
        assertThrows(ShapeException.class, () -> Tensor.of(1, 2).softmax(1));
    }
}
