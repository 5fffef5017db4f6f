package dev.argdiff.objective;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static dev.argdiff.ad.GradCheck.Mode.FORWARD;
import static dev.argdiff.ad.GradCheck.Mode.REVERSE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each loss against its closed form on hand data, its derivatives, and its behaviour at extreme scores. */
class LossesTest {

    private static final double EXACT = 1e-14;

    private record PD(Tensor pred, Tensor delta) {
    }

    // ================================================================== huber

    @Test
    void huberClosedForm() {
        Tensor target = Tensor.of(0, 0, 0, 0, 1);
        Tensor pred = Tensor.of(0.5, 1, 2, -3, 4);
        // ½d² for d ≤ 1, d − ½ beyond
        assertValues(new double[] {0.125, 0.5, 1.5, 2.5, 2.5}, Losses.huber(target, pred), EXACT);
        // δ = 2: d = 3 → 2·(3 − 1) = 4; d = 1 → 0.5
        assertValues(new double[] {4, 0.5}, Losses.huber(Tensor.of(0, 0), Tensor.of(3, -1), 2.0), EXACT);
    }

    @Test
    void huberAtTheSwitchIsContinuousWithContinuousDerivative() {
        double delta = 1.5;
        Function<Tensor, Tensor> f = p -> Losses.huber(Tensor.scalar(0.0), p, delta);
        for (double d : new double[] {delta, -delta}) {
            double at = f.apply(Tensor.scalar(d)).item();
            assertEquals(0.5 * delta * delta, at, EXACT, "both branches give ½δ²");
            double below = f.apply(Tensor.scalar(d * (1 - 1e-9))).item();
            double above = f.apply(Tensor.scalar(d * (1 + 1e-9))).item();
            assertEquals(at, below, 1e-8);
            assertEquals(at, above, 1e-8);
            // derivative clip(p − t, −δ, δ) = ±δ at the switch, from either branch
            assertEquals(d, Autodiff.grad(f).apply(Tensor.scalar(d)).item(), EXACT);
            assertEquals(d, Autodiff.grad(f).apply(Tensor.scalar(d * (1 + 1e-9))).item(), EXACT);
            assertEquals(d * (1 - 1e-9), Autodiff.grad(f).apply(Tensor.scalar(d * (1 - 1e-9))).item(), EXACT);
        }
    }

    @Test
    void huberDerivatives() {
        Tensor target = Tensor.of(0.3, -1, 2, 0);
        Tensor pred = Tensor.of(0.1, 2, 2.4, -5);
        check((PD a) -> Losses.huber(target, a.pred(), a.delta()), new PD(pred, Tensor.scalar(1.2)));
    }

    // ================================================================== binary

    @Test
    void binaryLogisticClosedForm() {
        Tensor labels = Tensor.of(1, 0, 1, 0);
        Tensor logits = Tensor.of(0, 2, 2, -0.5);
        double[] expected = {Math.log(2), Math.log(1 + Math.exp(2)), Math.log(1 + Math.exp(-2)), Math.log(1 + Math.exp(-0.5))};
        assertValues(expected, Losses.binaryLogistic(labels, logits), EXACT);
        // = −y·log σ(z) − (1 − y)·log(1 − σ(z))
        for (int i = 0; i < 4; i++) {
            double s = 1 / (1 + Math.exp(-logits.get(i)));
            double y = labels.get(i);
            assertEquals(-y * Math.log(s) - (1 - y) * Math.log(1 - s), expected[i], 1e-14);
        }
    }

    @Test
    void binaryLogisticIsStableAtHugeLogits() {
        Tensor labels = Tensor.of(1, 0, 1, 0);
        Tensor logits = Tensor.of(-1000, 1000, 1000, -1000);
        assertValues(new double[] {1000, 1000, 0, 0}, Losses.binaryLogistic(labels, logits), EXACT);
        Tensor g = Autodiff.grad((Tensor z) -> Losses.binaryLogistic(labels, z).sum()).apply(logits);
        assertValues(new double[] {-1, 1, 0, 0}, g, EXACT); // σ(z) − y
        // a tiny loss keeps its relative accuracy: ℓ(1, 40) = log(1 + e^−40) ≈ e^−40
        assertEquals(Math.exp(-40), Losses.binaryLogistic(Tensor.scalar(1), Tensor.scalar(40)).item(), 1e-30);
    }

    @Test
    void binaryLogisticGradientIsSigmoidMinusLabel() {
        Tensor labels = Tensor.of(1, 0, 1, 0, 1);
        Tensor logits = Tensor.of(0.3, -1.2, 2.5, 0.8, -0.1);
        Tensor g = Autodiff.grad((Tensor z) -> Losses.binaryLogistic(labels, z).sum()).apply(logits);
        double[] expected = new double[5];
        for (int i = 0; i < 5; i++) {
            expected[i] = 1 / (1 + Math.exp(-logits.get(i))) - labels.get(i);
        }
        assertValues(expected, g, 1e-15);
        check((Tensor z) -> Losses.binaryLogistic(labels, z), logits);
    }

    @Test
    void binaryHingeClosedForm() {
        assertValues(new double[] {0.7, 1.3, 0, 3},
                Losses.binaryHinge(Tensor.of(1, 0, 1, 0), Tensor.of(0.3, 0.3, 2, 2)), EXACT);
        check((Tensor z) -> Losses.binaryHinge(Tensor.of(1, 0, 1), z), Tensor.of(0.3, 0.4, 2));
    }

    // ================================================================== multiclass

    @Test
    void multiclassLogisticClosedForm() {
        Tensor logits = Tensor.of(1, 2, 3);
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(lse - 3, Losses.multiclassLogistic(Tensor.scalar(2), logits).item(), EXACT);
        assertEquals(lse - 1, Losses.multiclassLogistic(Tensor.of(1, 0, 0), logits).item(), EXACT);
        // soft labels
        assertEquals(lse - (0.2 + 0.6 + 1.5), Losses.multiclassLogistic(Tensor.of(0.2, 0.3, 0.5), logits).item(), EXACT);
        // a batch: indices of shape (n) or one-hot of shape (n, k) give the same losses
        Tensor batch = Tensor.of(new double[][] {{1, 2, 3}, {0, 0, 0}});
        double[] expected = {lse - 2, Math.log(3)};
        assertValues(expected, Losses.multiclassLogistic(Tensor.of(1, 0), batch), EXACT);
        assertValues(expected, Losses.multiclassLogistic(Tensor.of(new double[][] {{0, 1, 0}, {1, 0, 0}}), batch), EXACT);
    }

    @Test
    void multiclassLogisticIsStableAtHugeLogits() {
        Tensor logits = Tensor.of(new double[][] {{1000, -1000, 0}, {1000, -1000, 0}, {-1000, -1000, -1000}});
        Tensor labels = Tensor.of(0, 1, 2);
        Tensor loss = Losses.multiclassLogistic(labels, logits);
        assertTrue(loss.isFinite(), loss.toString());
        assertValues(new double[] {0, 2000, Math.log(3)}, loss, EXACT);
        Tensor g = Autodiff.grad((Tensor z) -> Losses.multiclassLogistic(labels, z).sum()).apply(logits);
        assertTrue(g.isFinite(), g.toString());
        assertValues(new double[] {0, 0, 0, 1, -1, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3 - 1}, g, EXACT); // softmax − onehot
    }

    @Test
    void multiclassLogisticGradientIsSoftmaxMinusOneHot() {
        Tensor logits = Tensor.randomNormal(7, 4, 3).mul(2.0);
        Tensor labels = Tensor.of(2, 0, 1, 1);
        Tensor g = Autodiff.grad((Tensor z) -> Losses.multiclassLogistic(labels, z).sum()).apply(logits);
        double[][] z = logits.toArray2d();
        double[] expected = new double[12];
        for (int i = 0; i < 4; i++) {
            double norm = 0;
            for (int j = 0; j < 3; j++) {
                norm += Math.exp(z[i][j]);
            }
            for (int j = 0; j < 3; j++) {
                expected[i * 3 + j] = Math.exp(z[i][j]) / norm - (labels.get(i) == j ? 1 : 0);
            }
        }
        assertValues(expected, g, 1e-15);
        check((Tensor s) -> Losses.multiclassLogistic(labels, s), logits);
    }

    @Test
    void multiclassHingeClosedForm() {
        Tensor scores = Tensor.of(1, 2, 0.5);
        // max(s + 1 − y) − s_y
        assertEquals(2, Losses.multiclassHinge(Tensor.scalar(0), scores).item(), EXACT);
        assertEquals(0, Losses.multiclassHinge(Tensor.scalar(1), scores).item(), EXACT);
        assertEquals(2.5, Losses.multiclassHinge(Tensor.scalar(2), scores).item(), EXACT);
        assertEquals(2.5, Losses.multiclassHinge(Tensor.of(0, 0, 1), scores).item(), EXACT);
        // the margin: 0 iff the true score beats every other by at least 1
        assertEquals(0, Losses.multiclassHinge(Tensor.scalar(0), Tensor.of(3, 2, 1.5)).item(), EXACT);
        assertEquals(0.5, Losses.multiclassHinge(Tensor.scalar(0), Tensor.of(3, 2.5, 1.5)).item(), EXACT);
        Tensor batch = Tensor.of(new double[][] {{1, 2, 0.5}, {3, 2.5, 1.5}});
        assertValues(new double[] {2.5, 0.5}, Losses.multiclassHinge(Tensor.of(2, 0), batch), EXACT);
        check((Tensor s) -> Losses.multiclassHinge(Tensor.of(2, 0), s), batch);
        assertTrue(Losses.multiclassHinge(Tensor.of(0), Tensor.of(new double[][] {{-1000, 1000, 0}})).isFinite());
    }

    @Test
    void multiclassPerceptronClosedForm() {
        assertValues(new double[] {1, 0}, Losses.multiclassPerceptron(Tensor.of(0, 1),
                Tensor.of(new double[][] {{1, 2, 0.5}, {1, 2, 0.5}})), EXACT);
    }

    @Test
    void multiclassSparsemaxClosedForm() {
        // sparsemax([1, 2, 0.5]) = [0, 1, 0]
        assertEquals(0, Losses.multiclassSparsemax(Tensor.scalar(1), Tensor.of(1, 2, 0.5)).item(), EXACT);
        assertEquals(1, Losses.multiclassSparsemax(Tensor.scalar(0), Tensor.of(1, 2, 0.5)).item(), EXACT);
        // sparsemax([0.3, 0.2, 0.1]) = [0.3, 0.2, 0.1] + 0.4/3; label 1: s − s₁ = [0.1, 0, −0.1]
        double[] p = {0.3 + 0.4 / 3, 0.2 + 0.4 / 3, 0.1 + 0.4 / 3};
        double expected = p[0] * 0.1 + p[2] * -0.1 + 0.5 * (1 - (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]));
        Tensor scores = Tensor.of(0.3, 0.2, 0.1);
        assertEquals(expected, Losses.multiclassSparsemax(Tensor.scalar(1), scores).item(), EXACT);
        // its gradient is sparsemax(s) − onehot
        Tensor g = Autodiff.grad((Tensor s) -> Losses.multiclassSparsemax(Tensor.scalar(1), s)).apply(scores);
        assertValues(new double[] {p[0], p[1] - 1, p[2]}, g, EXACT);
        Tensor batch = Tensor.of(new double[][] {{0.3, 0.2, 0.1}, {1, 2, 0.5}});
        check((Tensor s) -> Losses.multiclassSparsemax(Tensor.of(1, 0), s), batch);
        // with probability labels it is a Fenchel–Young loss: 0 exactly when the label is sparsemax(s), > 0 otherwise
        assertEquals(0, Losses.multiclassSparsemax(Tensor.of(p), scores).item(), EXACT);
        assertTrue(Losses.multiclassSparsemax(Tensor.of(0.5, 0.3, 0.2), scores).item() > 1e-3);
    }

    @Test
    void oneHotAndLabelChecks() {
        assertValues(new double[] {0, 0, 1, 1, 0, 0}, Losses.oneHot(Tensor.of(2, 0), 3), 0);
        assertArrayEquals(new int[] {2, 3}, Losses.oneHot(Tensor.of(2, 0), 3).shape());
        Tensor logits = Tensor.of(new double[][] {{1, 2, 3}, {0, 0, 0}});
        assertEquals("Losses.multiclassLogistic: labels must be whole numbers in [0, 3), got 3.0 at entry 1",
                assertThrows(IllegalArgumentException.class,
                        () -> Losses.multiclassLogistic(Tensor.of(0, 3), logits)).getMessage());
        assertEquals("Losses.multiclassHinge: labels must be whole numbers in [0, 3), got 0.5 at entry 0",
                assertThrows(IllegalArgumentException.class,
                        () -> Losses.multiclassHinge(Tensor.of(0.5, 1), logits)).getMessage());
        assertEquals("Losses.multiclassLogistic: one-hot label rows must sum to 1, row 1 sums to 2.0",
                assertThrows(IllegalArgumentException.class, () -> Losses.multiclassLogistic(
                        Tensor.of(new double[][] {{0, 1, 0}, {1, 1, 0}}), logits)).getMessage());
        assertEquals("Losses.multiclassLogistic: labels of shape [3] do not fit scores of shape [2, 3] "
                        + "(class indices need shape [2], one-hot labels shape [2, 3])",
                assertThrows(ShapeException.class,
                        () -> Losses.multiclassLogistic(Tensor.of(0, 1, 2), logits)).getMessage());
        assertEquals("Losses.binaryLogistic: labels must be 0 or 1, got -1.0 at entry 1",
                assertThrows(IllegalArgumentException.class,
                        () -> Losses.binaryLogistic(Tensor.of(1, -1), Tensor.of(0, 0))).getMessage());
        assertEquals("Losses.huber: delta must be finite and > 0, got 0.0",
                assertThrows(IllegalArgumentException.class,
                        () -> Losses.huber(Tensor.of(1), Tensor.of(0), 0.0)).getMessage());
    }

    // ================================================================== helpers

    private static <T> void check(Function<T, Tensor> f, T args) {
        GradCheck.checkGrads(f, args, 1, FORWARD, REVERSE);
    }

    static void assertValues(double[] expected, Tensor actual, double tol) {
        double[] a = actual.toArray();
        assertEquals(expected.length, a.length, "number of entries");
        for (int i = 0; i < a.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            if (!(Math.abs(a[i] - expected[i]) <= tol * scale)) {
                assertArrayEquals(expected, a, tol, "entry " + i + " differs");
            }
        }
    }
}
