package dev.argdiff.ad;

import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is refused with messages that name the operation and the shapes; edge shapes work. */
class ErrorsTest {

    // ------------------------------------------------------------------ shape errors

    @Test
    void broadcastMismatch() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(3).add(Tensor.zeros(4)));
        assertEquals("add: shapes [3] and [4] cannot be broadcast together", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).mul(Tensor.zeros(3, 2)));
        assertEquals("mul: shapes [2, 3] and [3, 2] cannot be broadcast together", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Tensor.zeros(3).maximum(Tensor.zeros(2)));
        assertEquals("maximum: shapes [3] and [2] cannot be broadcast together", e.getMessage());
        assertThrows(ShapeException.class, () -> Tensor.zeros(3).lt(Tensor.zeros(2)));
        assertThrows(ShapeException.class, () -> Tensor.where(Tensor.ones(2), Tensor.ones(3), Tensor.ones(3)));
        e = assertThrows(ShapeException.class, () -> Tensor.zeros(3, 2).broadcastTo(3, 4));
        assertEquals("broadcastTo: shape [3, 2] cannot be broadcast to [3, 4]", e.getMessage());
        // The same check applies to traced values, inside a transform.
        assertThrows(ShapeException.class,
                () -> Autodiff.grad((Tensor x) -> x.add(Tensor.zeros(4)).sum()).apply(Tensor.zeros(3)));
        // ShapeException is an IllegalArgumentException (blame on the caller's argument).
        assertTrue(IllegalArgumentException.class.isAssignableFrom(ShapeException.class));
    }

    @Test
    void matmulMisalignment() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(5)));
        assertEquals("matmul: shapes [3, 4] and [5] do not align", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(3, 4)));
        assertEquals("matmul: shapes [3, 4] and [3, 4] do not align", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Tensor.zeros(4).matmul(Tensor.zeros(3)));
        assertEquals("matmul: shapes [4] and [3] do not align", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 2, 2).matmul(Tensor.zeros(2)));
        assertTrue(e.getMessage().startsWith("matmul: needs 1-d or 2-d operands"), e.getMessage());
        assertThrows(ShapeException.class, () -> Tensor.scalar(1).matmul(Tensor.zeros(2)));
        assertThrows(ShapeException.class, () -> Tensor.zeros(3, 4).transposeMatmul(Tensor.zeros(4)));
        assertThrows(ShapeException.class, () -> Tensor.zeros(3).vdot(Tensor.zeros(1, 3)));
        assertThrows(ShapeException.class, () -> Tensor.zeros(3, 1).outer(Tensor.zeros(3)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).matmul(null));
    }

    @Test
    void reshapeToAWrongSize() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).reshape(4));
        assertEquals("reshape: cannot reshape [2, 3] (6 elements) to [4]", e.getMessage());
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).reshape(-1, 4));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).reshape(-1, -1));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).reshape(-2, -3));
        assertArrayEquals(new int[] {3, 2}, Tensor.zeros(2, 3).reshape(-1, 2).shape());
    }

    @Test
    void axisOutOfRange() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).sum(2));
        assertEquals("sum: axis 2 is out of range for rank 2", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).max(-3));
        assertEquals("max: axis -3 is out of range for rank 2", e.getMessage());
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).logsumexp(5));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).mean(2));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).min(2));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).slice(2, 0, 1));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).expandDims(3));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).squeeze(0));
        assertThrows(ShapeException.class, () -> Tensor.scalar(1).sum(0));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).dim(2));
        assertThrows(ShapeException.class, () -> Tensor.concatenate(List.of(Tensor.zeros(2)), 1));
    }

    @Test
    void otherShapeAndIndexErrors() {
        ShapeException e = assertThrows(ShapeException.class, () -> Tensor.of(new int[] {2, 2}, new double[] {1, 2, 3}));
        assertEquals("Tensor.of: shape [2, 2] needs 4 values, got 3", e.getMessage());
        assertThrows(ShapeException.class, () -> Tensor.of(new double[][] {{1, 2}, {3}}));
        assertThrows(ShapeException.class, () -> Tensor.zeros(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of((double[]) null));
        assertThrows(ShapeException.class, () -> Tensor.zeros(3).item());
        assertThrows(ShapeException.class, () -> Tensor.zeros(3).get(0, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(3).get(3));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(3, 2).take(0, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(3, 2).take(-1));
        assertThrows(ShapeException.class, () -> Tensor.zeros(3, 2).slice(0, 2, 4));
        assertThrows(ShapeException.class, () -> Tensor.zeros(3, 2).slice(0, 2, 1));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).transpose(0, 0));
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 3).transpose(0, 1, 2));
        e = assertThrows(ShapeException.class,
                () -> Tensor.concatenate(List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 4)), 0));
        assertEquals("concatenate: shapes [2, 3] and [2, 4] differ outside axis 0", e.getMessage());
        e = assertThrows(ShapeException.class, () -> Tensor.stack(List.of(Tensor.zeros(2), Tensor.zeros(3)), 0));
        assertEquals("stack: shapes [2] and [3] differ", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.concatenate(List.of(), 0));
        assertThrows(ShapeException.class, () -> Tensor.zeros(0).max());
        assertThrows(ShapeException.class, () -> Tensor.zeros(2, 0).min(1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).clip(1, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).norm(3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0));
    }

    // ------------------------------------------------------------------ transform misuse

    @Test
    void gradOfANonScalarFunction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Autodiff.grad((Tensor x) -> x.mul(2)).apply(Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("[3]"), e.getMessage());
        assertTrue(e.getMessage().startsWith("grad:"), e.getMessage());
        // A one-element tensor that is not 0-d is refused too: the gradient's shape would be ambiguous.
        e = assertThrows(IllegalArgumentException.class, () -> Autodiff.grad((Tensor x) -> x.sum(0, true))
                .apply(Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("[1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Autodiff.grad((Tensor x) -> null).apply(Tensor.zeros(3)));
    }

    @Test
    void tangentsAndCotangentsMustMatch() {
        assertThrows(IllegalArgumentException.class,
                () -> Autodiff.jvp((Tensor x) -> x.sum(), Tensor.zeros(3), Tensor.zeros(4)));
        assertThrows(IllegalArgumentException.class,
                () -> Autodiff.jvp((List<Tensor> l) -> l.get(0).sum(), List.of(Tensor.zeros(3)),
                        List.of(Tensor.zeros(3), Tensor.zeros(3))));
        Autodiff.VjpResult<Tensor, Tensor> r = Autodiff.vjp((Tensor x) -> x.mul(2), Tensor.zeros(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.pullback().apply(Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void gradCheckRefusesNonFiniteInput() {
        Function<Tensor, Tensor> f = x -> x.square().sum();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradCheck.checkGrads(f, Tensor.of(1, Double.NaN), 1));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GradCheck.checkGrads(f, Tensor.of(1, Double.POSITIVE_INFINITY), 1));
        assertThrows(IllegalArgumentException.class, () -> GradCheck.checkGrads(f, Tensor.of(1, 2), 0));
        assertThrows(IllegalArgumentException.class, () -> new GradCheck.Options(0, 1e-5, 1e-7, 0));
    }

    private Tensor escaped;

    @Test
    void aTracerEscapingFromAFinishedTransformIsRefused() {
        Tensor g = Autodiff.grad((Tensor x) -> {
            escaped = x.mul(2);
            return x.sum();
        }).apply(Tensor.of(1, 2));
        assertArrayEquals(new double[] {1, 1}, g.toArray(), 0.0);
        assertTrue(escaped.isTraced());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> escaped.add(1.0));
        assertTrue(e.getMessage().contains("escaped"), e.getMessage());
        // Also inside a later transform of the same level, and in forward mode.
        assertThrows(IllegalStateException.class,
                () -> Autodiff.grad((Tensor x) -> x.mul(escaped).sum()).apply(Tensor.of(1, 2)));
        Autodiff.jvp((Tensor x) -> {
            escaped = x.exp();
            return x;
        }, Tensor.of(1.0), Tensor.of(1.0));
        assertThrows(IllegalStateException.class, () -> escaped.sum());
        // Reading the concrete value of an escaped tracer is harmless.
        assertEquals(Math.E, escaped.item(), 0.0);
    }

    // ------------------------------------------------------------------ 0-d and empty shapes

    @Test
    void zeroDimensionalAndEmptyShapesWork() {
        assertEquals(0.0, Tensor.zeros(0).sum().item(), 0.0);
        assertEquals(0.0, Tensor.zeros(0, 3).sum().item(), 0.0);
        assertArrayEquals(new double[] {0, 0, 0}, Tensor.zeros(0, 3).sum(0).toArray(), 0.0);
        assertArrayEquals(new int[] {0}, Tensor.zeros(0, 3).sum(1).shape());
        Tensor p = Tensor.zeros(0, 3).matmul(Tensor.zeros(3, 2));
        assertArrayEquals(new int[] {0, 2}, p.shape());
        Tensor q = Tensor.ones(2, 0).matmul(Tensor.ones(0, 3));
        assertArrayEquals(new int[] {2, 3}, q.shape());
        assertArrayEquals(new double[6], q.toArray(), 0.0);
        assertEquals(0.0, Tensor.zeros(0).matmul(Tensor.zeros(0)).item(), 0.0);
        assertArrayEquals(new int[] {0, 4}, Tensor.zeros(0, 3).matmul(Tensor.zeros(3, 4)).shape());
        assertArrayEquals(new int[] {0}, Tensor.zeros(0, 3).matmul(Tensor.zeros(3)).shape());
        assertArrayEquals(new int[] {3, 0}, Tensor.zeros(0, 3).transpose().shape());
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(0, 3).exp().add(Tensor.ones(3)).shape());
        assertArrayEquals(new int[] {5, 3}, Tensor.concatenate(List.of(Tensor.zeros(0, 3), Tensor.ones(5, 3)), 0).shape());
        assertArrayEquals(new int[] {0}, Tensor.zeros(4).take().shape());
        // Gradients with respect to empty tensors are empty; with respect to 0-d tensors 0-d.
        Tensor ge = Autodiff.grad((Tensor x) -> x.sum().add(x.square().sum())).apply(Tensor.zeros(0, 3));
        assertArrayEquals(new int[] {0, 3}, ge.shape());
        List<Tensor> gm = Autodiff.grad((List<Tensor> l) -> l.get(0).matmul(l.get(1)).sum())
                .apply(List.of(Tensor.ones(2, 0), Tensor.ones(0, 3)));
        assertArrayEquals(new int[] {2, 0}, gm.get(0).shape());
        assertArrayEquals(new int[] {0, 3}, gm.get(1).shape());
        Tensor g0 = Autodiff.grad((Tensor x) -> x.mul(x).mul(3.0)).apply(Tensor.scalar(2.0));
        assertArrayEquals(new int[] {}, g0.shape());
        assertEquals(12.0, g0.item(), 0.0);
        assertArrayEquals(new int[] {0, 0}, Autodiff.jacrev((Tensor x) -> x.exp()).apply(Tensor.zeros(0)).shape());
        assertArrayEquals(new int[] {0, 0}, Autodiff.jacfwd((Tensor x) -> x.exp()).apply(Tensor.zeros(0)).shape());
        assertArrayEquals(new int[] {2, 0}, Autodiff.jacfwd((Tensor x) -> x.sum().add(Tensor.ones(2)))
                .apply(Tensor.zeros(0)).shape());
        assertArrayEquals(new int[] {}, Autodiff.hessian((Tensor x) -> x.pow(3.0)).apply(Tensor.scalar(2.0)).shape());
        assertEquals(12.0, Autodiff.hessian((Tensor x) -> x.pow(3.0)).apply(Tensor.scalar(2.0)).item(), 1e-12);
        assertEquals(0.0, Tensor.scalar(4.0).transpose().sub(Tensor.scalar(4.0)).item(), 0.0);
        assertArrayEquals(new int[] {1, 1}, Tensor.scalar(4.0).reshape(1, 1).shape());
        assertArrayEquals(new int[] {}, Tensor.ones(1, 1).reshape().shape());
    }
}
