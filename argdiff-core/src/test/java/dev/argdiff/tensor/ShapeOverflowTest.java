package dev.argdiff.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Shape arithmetic is exact: a shape whose element count does not fit a Java array is a
 * {@link ShapeException} naming the operation and the shape, however far beyond the limit the
 * product goes (it used to wrap around: 65536⁴ gave size 0, (2³¹−1)²·4 gave size 4), and no
 * operation reaches a raw NegativeArraySizeException or IndexOutOfBoundsException.
 */
class ShapeOverflowTest {

    private static void assertRefused(String expectedMessage, Runnable r) {
        ShapeException e = assertThrows(ShapeException.class, r::run);
        assertEquals(expectedMessage, e.getMessage());
    }

    @Test
    void sizesThatWrapAroundALongAreRefused() {
        assertRefused("zeros: shape [65536, 65536, 65536, 65536] has more than 2^31-1 elements",
                () -> Tensor.zeros(65536, 65536, 65536, 65536));
        int max = Integer.MAX_VALUE;
        assertRefused("zeros: shape [2147483647, 2147483647, 4] has more than 2^31-1 elements",
                () -> Tensor.zeros(max, max, 4));
        assertRefused("full: shape [2147483647, 2147483647, 2147483647, 2147483647, 2147483647] has more than "
                + "2^31-1 elements", () -> Tensor.full(1.0, max, max, max, max, max));
        assertRefused("shape: shape [65536, 65536, 65536, 65536] has more than 2^31-1 elements",
                () -> Shapes.size(new int[] {65536, 65536, 65536, 65536}));
        assertRefused("zeros: negative dimension in shape [3, -1]", () -> Tensor.zeros(3, -1));
    }

    @Test
    void theLargestSizesAreExactAndEmptyShapesStayEmpty() {
        assertEquals(Integer.MAX_VALUE, Shapes.size(new int[] {Integer.MAX_VALUE, 1}));
        assertEquals(2_147_395_600, Shapes.size(new int[] {46340, 46340}));      // 46340² < 2³¹ − 1
        assertEquals(0, Shapes.size(new int[] {65536, 65536, 65536, 0}));        // empty, not an overflow
        assertEquals(0, Tensor.zeros(0, Integer.MAX_VALUE, Integer.MAX_VALUE).size());
        assertEquals(1, Shapes.size(new int[0]));
    }

    @Test
    void eyeBeyondTheLimitIsAShapeException() {
        // 46341² = 2 147 488 281 > 2³¹ − 1: was NegativeArraySizeException.
        assertRefused("eye: shape [46341, 46341] has more than 2^31-1 elements", () -> Tensor.eye(46341));
        assertEquals(9, Tensor.eye(3).size());
        assertEquals(3.0, Tensor.eye(3).sum().item(), 0.0);
    }

    @Test
    void productsWhoseResultCannotExistAreShapeExceptions() {
        // A 65536-wide outer product by matmul: m·n wrapped to 0 (IndexOutOfBoundsException).
        assertRefused("matmul of [65536, 1] and [1, 65536]: shape [65536, 65536] has more than 2^31-1 elements",
                () -> Tensor.zeros(65536, 1).matmul(Tensor.zeros(1, 65536)));
        assertRefused("transposeMatmul of [1, 65536] and [1, 65536]: shape [65536, 65536] has more than 2^31-1 "
                + "elements", () -> Tensor.zeros(1, 65536).transposeMatmul(Tensor.zeros(1, 65536)));
        assertRefused("shape: shape [65536, 65536] has more than 2^31-1 elements",
                () -> Tensor.zeros(65536).outer(Tensor.zeros(65536)));
        // Small products are unchanged: (1,2,3)ᵀ(4,5) by hand.
        Tensor outer = Tensor.of(1.0, 2.0, 3.0).outer(Tensor.of(4.0, 5.0));
        assertArrayEquals(new double[] {4, 5, 8, 10, 12, 15}, outer.toArray(), 0.0);
        Tensor viaMatmul = Tensor.of(new int[] {3, 1}, new double[] {1, 2, 3}).matmul(Tensor.of(new int[] {1, 2},
                new double[] {4, 5}));
        assertArrayEquals(outer.toArray(), viaMatmul.toArray(), 0.0);
    }
}
