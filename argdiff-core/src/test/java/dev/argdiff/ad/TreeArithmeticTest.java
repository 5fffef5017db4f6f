package dev.argdiff.ad;

import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The named tree helpers on records: values by hand, gradients by hand, structure errors. */
class TreeArithmeticTest {

    record P(Tensor w, Tensor b) {
    }

    private static final P A = new P(Tensor.of(1, -2), Tensor.scalar(3));
    private static final P B = new P(Tensor.of(4, 5), Tensor.scalar(-6));

    @Test
    void numericNormOfATreeNeitherOverflowsNorUnderflowsAndIsNeverTraced() {
        assertEquals(Math.sqrt(14), Pytree.norm(A), 1e-15);
        assertEquals(0, Pytree.norm(List.of()), 0);
        // Squares of 3e200 and 4e-200 overflow and underflow; the norms are 5e200 and 5e-200.
        assertEquals(5e200, Pytree.norm(new P(Tensor.of(3e200), Tensor.scalar(4e200))), 1e185);
        assertEquals(5e-200, Pytree.norm(List.of(Tensor.of(3e-200, 4e-200))), 1e-215);
        assertEquals(Double.POSITIVE_INFINITY, Pytree.norm(new P(Tensor.of(1, Double.NEGATIVE_INFINITY),
                Tensor.scalar(0))), 0);
        assertTrue(Double.isNaN(Pytree.norm(new P(Tensor.of(1, Double.NaN), Tensor.scalar(Double.POSITIVE_INFINITY)))));
        // Inside a transform it reads the concrete values: the gradient through it is zero.
        Tensor g = Autodiff.grad((Tensor s) -> s.mul(Pytree.norm(A.w().mul(s)))).apply(Tensor.scalar(2.0));
        assertEquals(2 * Math.sqrt(5), g.item(), 1e-14);
    }

    @Test
    void arithmeticLeafByLeaf() {
        P s = Pytree.add(A, B);
        assertArrayEquals(new double[] {5, 3}, s.w().toArray(), 0);
        assertEquals(-3, s.b().item(), 0);
        P d = Pytree.sub(A, B);
        assertArrayEquals(new double[] {-3, -7}, d.w().toArray(), 0);
        assertEquals(9, d.b().item(), 0);
        P m = Pytree.scalarMul(2.0, A);
        assertArrayEquals(new double[] {2, -4}, m.w().toArray(), 0);
        P axpy = Pytree.addScalarMul(A, Tensor.scalar(0.5), B);
        assertArrayEquals(new double[] {3, 0.5}, axpy.w().toArray(), 0);
        assertEquals(0, axpy.b().item(), 0);
        assertEquals(4 - 10 - 18, Pytree.vdot(A, B).item(), 0);
        assertEquals(2, Pytree.sum(A).item(), 0);
        assertEquals(Math.sqrt(14), Pytree.l2Norm(A).item(), 1e-15);
        assertEquals(14, Pytree.l2Norm(A, true).item(), 0);
        assertEquals(3, Pytree.infNorm(A).item(), 0);
        P picked = Pytree.where(new P(Tensor.of(1, 0), Tensor.scalar(0)), A, B);
        assertArrayEquals(new double[] {1, 5}, picked.w().toArray(), 0);
        assertEquals(-6, picked.b().item(), 0);
        assertEquals(0, Pytree.infNorm(List.of()).item(), 0);
    }

    @Test
    void gradientsByHand() {
        // d/ds ‖A + s·B‖² = 2⟨A + s·B, B⟩; at s = 1: 2·(5·4 + 3·5 + (−3)(−6)) = 106
        Tensor g = Autodiff.grad((Tensor s) -> Pytree.l2Norm(Pytree.addScalarMul(A, s, B), true)).apply(Tensor.scalar(1));
        assertEquals(106, g.item(), 1e-12);
        P gp = Autodiff.grad((P p) -> Pytree.l2Norm(p)).apply(A);
        assertArrayEquals(new double[] {1 / Math.sqrt(14), -2 / Math.sqrt(14)}, gp.w().toArray(), 1e-15);
        P zero = Autodiff.grad((P p) -> Pytree.l2Norm(p)).apply(Pytree.zerosLike(A));
        assertArrayEquals(new double[] {0, 0}, zero.w().toArray(), 0);
    }

    @Test
    void mismatchedTreesAndNonScalarsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Pytree.add(A, List.of(Tensor.of(1))));
        assertEquals("Pytree.scalarMul: the scalar must be 0-d, got shape [2]",
                assertThrows(IllegalArgumentException.class, () -> Pytree.scalarMul(Tensor.of(1, 2), A)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pytree.where(List.of(Tensor.of(1)), A, B));
    }
}
