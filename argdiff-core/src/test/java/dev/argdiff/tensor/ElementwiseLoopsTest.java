package dev.argdiff.tensor;

import org.junit.jupiter.api.Test;

import java.util.function.DoubleBinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The per-kind loops of the element-wise kernels give, bit for bit, the plain-Java expression of
 * each operation, on every operand layout they special-case (same shape, a scalar on either
 * side, a row broadcast) and for where with scalar and broadcast operands, NaN conditions
 * included (NaN ≠ 0 selects x).
 */
class ElementwiseLoopsTest {

    private static final double[] A = {1.5, -2.0, 0.0, -0.0, Double.NaN, 3.0, Double.POSITIVE_INFINITY, 1e-300};
    private static final double[] B = {2.0, -2.0, -0.0, 0.0, 1.0, Double.NaN, 2.5, 1e300};

    private static void check(String name, java.util.function.BinaryOperator<Tensor> op, DoubleBinaryOperator f) {
        Tensor a = Tensor.of(A);
        Tensor b = Tensor.of(B);
        double[] same = new double[A.length];
        double[] scalarB = new double[A.length];
        double[] scalarA = new double[A.length];
        for (int i = 0; i < A.length; i++) {
            same[i] = f.applyAsDouble(A[i], B[i]);
            scalarB[i] = f.applyAsDouble(A[i], B[0]);
            scalarA[i] = f.applyAsDouble(A[0], B[i]);
        }
        assertArrayEquals(same, op.apply(a, b).toArray(), 0.0, name + " same shape");
        assertArrayEquals(scalarB, op.apply(a, Tensor.scalar(B[0])).toArray(), 0.0, name + " scalar right");
        assertArrayEquals(scalarA, op.apply(Tensor.scalar(A[0]), b).toArray(), 0.0, name + " scalar left");
        // (2, 4) op (4): each row against the vector.
        Tensor m = Tensor.of(new int[] {2, 4}, A);
        Tensor v = Tensor.of(B[0], B[1], B[2], B[3]);
        double[] rows = new double[8];
        for (int i = 0; i < 8; i++) {
            rows[i] = f.applyAsDouble(A[i], B[i % 4]);
        }
        assertArrayEquals(rows, op.apply(m, v).toArray(), 0.0, name + " row broadcast");
    }

    @Test
    void binaryLoopsEqualThePlainExpressions() {
        check("add", Tensor::add, (x, y) -> x + y);
        check("sub", Tensor::sub, (x, y) -> x - y);
        check("mul", Tensor::mul, (x, y) -> x * y);
        check("div", Tensor::div, (x, y) -> x / y);
        check("pow", Tensor::pow, Math::pow);
        check("maximum", Tensor::maximum, Math::max);
        check("minimum", Tensor::minimum, Math::min);
        check("lt", Tensor::lt, (x, y) -> x < y ? 1 : 0);
        check("eq", Tensor::eq, (x, y) -> x == y ? 1 : 0);
        check("ne", Tensor::ne, (x, y) -> x != y ? 1 : 0);
    }

    @Test
    void whereReadsScalarOperandsInPlace() {
        Tensor c = Tensor.of(1, 0, Double.NaN, 0);
        Tensor x = Tensor.of(10, 20, 30, 40);
        Tensor y = Tensor.of(-1, -2, -3, -4);
        assertArrayEquals(new double[] {10, -2, 30, -4}, Tensor.where(c, x, y).toArray(), 0.0);
        assertArrayEquals(new double[] {10, 7, 30, 7}, Tensor.where(c, x, Tensor.scalar(7)).toArray(), 0.0);
        assertArrayEquals(new double[] {7, -2, 7, -4}, Tensor.where(c, Tensor.scalar(7), y).toArray(), 0.0);
        assertArrayEquals(new double[] {5, 6, 5, 6}, Tensor.where(c, Tensor.scalar(5), Tensor.scalar(6)).toArray(), 0.0);
        assertArrayEquals(new double[] {10, 20, 30, 40}, Tensor.where(Tensor.scalar(1), x, y).toArray(), 0.0);
        assertArrayEquals(new double[] {6, 6, 6, 6}, Tensor.where(Tensor.scalar(0), Tensor.scalar(5), Tensor.scalar(6))
                .broadcastTo(4).toArray(), 0.0);
        // A (2, 1) condition against (2, 2) operands: the condition is broadcast along the rows.
        Tensor c2 = Tensor.of(new int[] {2, 1}, new double[] {1, 0});
        Tensor x2 = Tensor.of(new int[] {2, 2}, new double[] {1, 2, 3, 4});
        Tensor w = Tensor.where(c2, x2, Tensor.scalar(0));
        assertArrayEquals(new int[] {2, 2}, w.shape());
        assertArrayEquals(new double[] {1, 2, 0, 0}, w.toArray(), 0.0);
        assertEquals(0, Tensor.where(Tensor.zeros(0), Tensor.scalar(1), Tensor.scalar(2)).size());
    }

    /**
     * where on full-shape operands selects bits without a branch (a mask from the condition's bits):
     * the result is, bit for bit, {@code c != 0 ? x : y} for every kind of condition value — ±0, NaN
     * (selects x), subnormal, infinite — and values that a comparison would not tell apart (−0.0 and
     * 0.0, NaN payloads) are carried unchanged.
     */
    @Test
    void whereSelectsTheBitsOfTheTernaryForEveryKindOfCondition() {
        double nanWithPayload = Double.longBitsToDouble(0x7ff8_0000_0000_1234L);
        double[] c = {0.0, -0.0, 1.0, -1.0, Double.NaN, Double.MIN_VALUE, -Double.MIN_VALUE, Double.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY, 2.0, 0.0, -0.0, nanWithPayload};
        double[] x = {1, 2, -0.0, 0.0, 5, 6, 7, 8, nanWithPayload, -0.0, 11, 12, 13};
        double[] y = {-0.0, 0.0, 3, 4, nanWithPayload, -6, -7, -8, -9, 10, -0.0, nanWithPayload, -13};
        int n = c.length;
        double[] same = new double[n];
        double[] scalarY = new double[n];
        double[] scalarX = new double[n];
        for (int i = 0; i < n; i++) {
            same[i] = c[i] != 0 ? x[i] : y[i];
            scalarY[i] = c[i] != 0 ? x[i] : -0.0;
            scalarX[i] = c[i] != 0 ? nanWithPayload : y[i];
        }
        assertBits(same, Tensor.where(Tensor.of(c), Tensor.of(x), Tensor.of(y)).toArray(), "same shape");
        assertBits(scalarY, Tensor.where(Tensor.of(c), Tensor.of(x), Tensor.scalar(-0.0)).toArray(), "scalar y");
        assertBits(scalarX, Tensor.where(Tensor.of(c), Tensor.scalar(nanWithPayload), Tensor.of(y)).toArray(),
                "scalar x");
    }

    private static void assertBits(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(actual[i]),
                    what + " at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
