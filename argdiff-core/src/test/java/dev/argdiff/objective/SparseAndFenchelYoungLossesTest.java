package dev.argdiff.objective;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** sparsePlus, sparseSigmoid, binarySparsemax, binaryPerceptron and fenchelYoung against closed forms. */
class SparseAndFenchelYoungLossesTest {

    private static final Tensor X = Tensor.of(-3, -1, -0.5, 0, 0.5, 1, 2.5);

    @Test
    void sparsePlusAndItsDerivativeTheSparseSigmoid() {
        assertArrayEquals(new double[] {0, 0, 0.0625, 0.25, 0.5625, 1, 2.5}, Losses.sparsePlus(X).toArray(), 1e-15);
        assertArrayEquals(new double[] {0, 0, 0.25, 0.5, 0.75, 1, 1}, Losses.sparseSigmoid(X).toArray(), 1e-15);
        Tensor g = Autodiff.grad((Tensor t) -> Losses.sparsePlus(t).sum()).apply(X);
        assertArrayEquals(Losses.sparseSigmoid(X).toArray(), g.toArray(), 1e-15);
        GradCheck.checkGrads((Tensor t) -> Losses.sparsePlus(t).sum(), Tensor.of(-0.7, 0.2, 0.9, 1.4, -1.6), 1);
    }

    @Test
    void binaryLossesByHand() {
        Tensor ones = Tensor.onesLike(X);
        Tensor zeros = Tensor.zerosLike(X);
        // y = 1: sparsePlus(−z); y = 0: sparsePlus(z)
        assertArrayEquals(Losses.sparsePlus(X.neg()).toArray(), Losses.binarySparsemax(ones, X).toArray(), 0);
        assertArrayEquals(Losses.sparsePlus(X).toArray(), Losses.binarySparsemax(zeros, X).toArray(), 0);
        // zero iff sparseSigmoid(z) = y
        assertArrayEquals(new double[] {0, 0}, Losses.binarySparsemax(Tensor.of(1, 0), Tensor.of(1, -1)).toArray(), 0);
        // gradient sparseSigmoid(z) − y
        Tensor g = Autodiff.grad((Tensor z) -> Losses.binarySparsemax(ones, z).sum()).apply(X);
        assertArrayEquals(Losses.sparseSigmoid(X).sub(1).toArray(), g.toArray(), 1e-15);
        assertArrayEquals(new double[] {3, 1, 0.5, 0, 0, 0, 0}, Losses.binaryPerceptron(ones, X).toArray(), 0);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0.5, 1, 2.5}, Losses.binaryPerceptron(zeros, X).toArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> Losses.binaryPerceptron(Tensor.of(2), Tensor.of(1)));
    }

    @Test
    void fenchelYoungRecoversTheLogisticAndSparsemaxLosses() {
        Tensor scores = Tensor.of(new double[][] {{1, 2, 0.5}, {-1, 0, 3}, {0.2, 0.1, 0.3}});
        Tensor labels = Tensor.of(1, 2, 0);
        BiFunction<Tensor, Tensor, Tensor> logistic = Losses.fenchelYoung(s -> s.logsumexp(-1));
        assertArrayEquals(Losses.multiclassLogistic(labels, scores).toArray(), logistic.apply(labels, scores).toArray(),
                1e-14);
        // the sparsemax's max: Ω*(s) = ⟨p, s⟩ + ½(1 − ‖p‖²), p = P_simplex(s); for one-hot y, Ω(y) = 0
        BiFunction<Tensor, Tensor, Tensor> sparsemax = Losses.fenchelYoung(s -> {
            Tensor p = Projection.simplex(s, Tensor.scalar(1.0), -1);
            return p.mul(s).sum(-1).add(p.square().sum(-1).rsub(1.0).mul(0.5));
        });
        assertArrayEquals(Losses.multiclassSparsemax(labels, scores).toArray(),
                sparsemax.apply(labels, scores).toArray(), 1e-14);
        Tensor g = Autodiff.grad((Tensor s) -> logistic.apply(labels, s).sum()).apply(scores);
        assertArrayEquals(scores.softmax(1).sub(Losses.oneHot(labels, 3)).toArray(), g.toArray(), 1e-14);
        assertThrows(ShapeException.class, () -> Losses.fenchelYoung(s -> s.logsumexp()).apply(labels, scores));
    }
}
