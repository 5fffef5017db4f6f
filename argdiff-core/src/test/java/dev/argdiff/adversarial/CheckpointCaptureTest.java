package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A checkpointed function that captures a traced value differentiates it (it was a silent constant). */
class CheckpointCaptureTest {

    private static final Tensor TWO = Tensor.scalar(2.0);

    private static Tensor f(Tensor x) {
        return Autodiff.checkpoint((Tensor y) -> y.mul(x).sin()).apply(TWO);
    }

    @Test
    void capturedScalarReverseForwardAndSecondOrder() {
        Tensor x = Tensor.scalar(0.3);
        // d/dx sin(2x) = 2 cos(2x); d²/dx² = −4 sin(2x)
        assertEquals(2 * Math.cos(0.6), Autodiff.grad(CheckpointCaptureTest::f).apply(x).item(), 1e-14);
        assertEquals(2 * Math.cos(0.6), Autodiff.jvp(CheckpointCaptureTest::f, x, Tensor.scalar(1.0)).tangent().item(),
                1e-14);
        assertEquals(-4 * Math.sin(0.6), Autodiff.hessian(CheckpointCaptureTest::f).apply(x).item(), 1e-13);
        assertEquals(-4 * Math.sin(0.6), Autodiff.jacfwd(Autodiff.grad(CheckpointCaptureTest::f)).apply(x).item(), 1e-13);
        assertEquals(-4 * Math.sin(0.6), Autodiff.grad(Autodiff.grad(CheckpointCaptureTest::f)).apply(x).item(), 1e-13);
    }

    @Test
    void capturedValueReturnedUnchanged() {
        // The block returns the captured value itself, with no operation on it.
        Function<Tensor, Tensor> g = x -> Autodiff.checkpoint((Tensor y) -> List.of(y, x)).apply(TWO).get(1).mul(3.0);
        assertEquals(3.0, Autodiff.grad(g).apply(Tensor.scalar(0.7)).item(), 0.0);
        assertEquals(3.0, Autodiff.jvp(g, Tensor.scalar(0.7), Tensor.scalar(1.0)).tangent().item(), 0.0);
    }

    @Test
    void nestedCheckpointsCapturingTheSameValue() {
        // f(x) = sin(x · cos(2x)): the inner block captures x, the outer block captures x too.
        Function<Tensor, Tensor> f = x -> Autodiff.checkpoint((Tensor y) -> {
            Tensor inner = Autodiff.checkpoint((Tensor z) -> z.mul(x).cos()).apply(y);
            return inner.mul(x).sin();
        }).apply(TWO);
        double x0 = 0.4;
        double u = x0 * Math.cos(2 * x0);
        double du = Math.cos(2 * x0) - 2 * x0 * Math.sin(2 * x0);
        double ddu = -4 * Math.sin(2 * x0) - 4 * x0 * Math.cos(2 * x0);
        double d1 = Math.cos(u) * du;
        double d2 = -Math.sin(u) * du * du + Math.cos(u) * ddu;
        assertEquals(d1, Autodiff.grad(f).apply(Tensor.scalar(x0)).item(), 1e-13);
        assertEquals(d1, Autodiff.jvp(f, Tensor.scalar(x0), Tensor.scalar(1.0)).tangent().item(), 1e-13);
        assertEquals(d2, Autodiff.hessian(f).apply(Tensor.scalar(x0)).item(), 1e-12);
        assertEquals(d2, Autodiff.grad(Autodiff.grad(f)).apply(Tensor.scalar(x0)).item(), 1e-12);
    }

    /** h_{t+1} = tanh(W h_t + u_t), loss = ½‖h_T‖²; W is captured by every step. */
    private static Tensor rnnLoss(Tensor w, boolean checkpointed) {
        Tensor h = Tensor.of(0.1, -0.2, 0.3);
        for (int t = 0; t < 6; t++) {
            Tensor u = Tensor.of(Math.sin(t), Math.cos(t), 0.1 * t);
            Function<Tensor, Tensor> step = hh -> w.matmul(hh).add(u).tanh();
            h = checkpointed ? Autodiff.checkpoint(step).apply(h) : step.apply(h);
        }
        return h.squaredNorm().mul(0.5);
    }

    @Test
    void rnnWithEachStepCheckpointedHasTheUncheckpointedGradientAndHessianVectorProduct() {
        Tensor w = Tensor.of(new int[] {3, 3}, new double[] {0.5, -0.3, 0.2, 0.1, 0.4, -0.6, -0.2, 0.3, 0.7});
        double[] plain = Autodiff.grad((Tensor m) -> rnnLoss(m, false)).apply(w).toArray();
        double[] ckpt = Autodiff.grad((Tensor m) -> rnnLoss(m, true)).apply(w).toArray();
        double scale = 0;
        for (double v : plain) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertEquals(true, scale > 1e-3, "a non-trivial gradient");
        assertArrayEquals(plain, ckpt, 1e-12 * scale);
        Tensor v = Tensor.of(new int[] {3, 3}, new double[] {1, 0, -1, 0.5, 0.2, 0, 0, -0.3, 1});
        double[] hvPlain = Autodiff.hvp((Tensor m) -> rnnLoss(m, false), w, v).toArray();
        double[] hvCkpt = Autodiff.hvp((Tensor m) -> rnnLoss(m, true), w, v).toArray();
        assertArrayEquals(hvPlain, hvCkpt, 1e-11 * scale);
    }
}
