package dev.argdiff.tensor;

import dev.argdiff.ad.Autodiff;
import org.junit.jupiter.api.Test;

import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Broadcasting operands are read in place by the binary kernels (stride 0 along a broadcast axis,
 * row by row): every layout gives, bit for bit, the plain expression at the numpy-broadcast
 * index, and the max/min rules that read reduced values by broadcasting give the closed-form
 * derivatives.
 */
class BroadcastKernelsTest {

    /** x op y by explicit numpy broadcasting, entry by entry. */
    private static double[] reference(Tensor x, Tensor y, int[] shape, DoubleBinaryOperator f) {
        int n = Shapes.size(shape);
        double[] out = new double[n];
        int[] xs = x.shape();
        int[] ys = y.shape();
        double[] a = x.toArray();
        double[] b = y.toArray();
        int[] idx = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int rem = i;
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
            }
            out[i] = f.applyAsDouble(a[flat(idx, xs)], b[flat(idx, ys)]);
        }
        return out;
    }

    private static int flat(int[] idx, int[] s) {
        int lead = idx.length - s.length;
        int f = 0;
        for (int d = 0; d < s.length; d++) {
            f = f * s[d] + (s[d] == 1 ? 0 : idx[lead + d]);
        }
        return f;
    }

    private static Tensor values(long seed, int... shape) {
        // Normal values with special entries, so that NaN and signed zeros travel through every layout.
        double[] v = Tensor.randomNormal(seed, shape).toArray();
        if (v.length > 2) {
            v[0] = Double.NaN;
            v[1] = -0.0;
            v[2] = Double.NEGATIVE_INFINITY;
        }
        return Tensor.of(shape, v);
    }

    @Test
    void everyBroadcastLayoutEqualsThePlainExpression() {
        int[][][] layouts = {
            {{2, 1, 3}, {4, 1}},        // both broadcast along different leading axes, rows contiguous in x
            {{2, 3, 1}, {1, 4}},        // x has stride 0 along the last axis
            {{3, 1}, {2, 1, 1}},        // both stride 0 along the last axis (length 1)
            {{5, 4}, {5, 1}},           // a column against a matrix
            {{1, 4}, {5, 4}},           // a row against a matrix (x broadcast along axis 0)
            {{2, 3, 4}, {3, 1}},        // inner broadcast at rank 3
            {{4}, {3, 2, 1}},           // rank extension and a last axis of length 1
            {{2, 0, 3}, {1, 3}},        // empty
        };
        Object[][] ops = {
            {"add", (BinaryOperator<Tensor>) Tensor::add, (DoubleBinaryOperator) (p, q) -> p + q},
            {"sub", (BinaryOperator<Tensor>) Tensor::sub, (DoubleBinaryOperator) (p, q) -> p - q},
            {"mul", (BinaryOperator<Tensor>) Tensor::mul, (DoubleBinaryOperator) (p, q) -> p * q},
            {"div", (BinaryOperator<Tensor>) Tensor::div, (DoubleBinaryOperator) (p, q) -> p / q},
            {"pow", (BinaryOperator<Tensor>) Tensor::pow, (DoubleBinaryOperator) Math::pow},
            {"maximum", (BinaryOperator<Tensor>) Tensor::maximum, (DoubleBinaryOperator) Math::max},
            {"minimum", (BinaryOperator<Tensor>) Tensor::minimum, (DoubleBinaryOperator) Math::min},
            {"ge", (BinaryOperator<Tensor>) Tensor::ge, (DoubleBinaryOperator) (p, q) -> p >= q ? 1 : 0},
        };
        long seed = 1;
        for (int[][] l : layouts) {
            for (boolean swap : new boolean[] {false, true}) {
                int[] xs = swap ? l[1] : l[0];
                int[] ys = swap ? l[0] : l[1];
                Tensor x = values(seed++, xs);
                Tensor y = values(seed++, ys);
                int[] shape = Shapes.broadcast("test", xs, ys);
                for (Object[] op : ops) {
                    @SuppressWarnings("unchecked")
                    Tensor r = ((BinaryOperator<Tensor>) op[1]).apply(x, y);
                    assertArrayEquals(shape, r.shape(), (String) op[0]);
                    double[] expected = reference(x, y, shape, (DoubleBinaryOperator) op[2]);
                    double[] actual = r.toArray();
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]),
                                op[0] + " " + java.util.Arrays.toString(xs) + " with " + java.util.Arrays.toString(ys)
                                        + " entry " + i);
                    }
                }
            }
        }
    }

    @Test
    void whereReadsEveryBroadcastLayoutInPlace() {
        int[][][] layouts = {
            {{2, 1, 3}, {4, 1}, {3}},       // condition, x and y each broadcast along other axes
            {{3, 1}, {1, 4}, {}},           // a column condition, a row x, a scalar y
            {{1, 4}, {3, 4}, {3, 1}},
            {{2, 3, 1}, {}, {2, 1, 5}},
            {{4}, {2, 1, 1}, {1, 1, 4}},
        };
        long seed = 100;
        for (int[][] l : layouts) {
            // A condition with zeros, NaN (≠ 0: selects x) and other values.
            double[] cRaw = Tensor.randomNormal(seed++, l[0]).toArray();
            for (int i = 0; i < cRaw.length; i++) {
                cRaw[i] = i % 3 == 0 ? 0.0 : i % 5 == 1 ? Double.NaN : cRaw[i];
            }
            Tensor c = Tensor.of(l[0], cRaw);
            Tensor x = values(seed++, l[1]);
            Tensor y = values(seed++, l[2]);
            int[] shape = Shapes.broadcast("test", Shapes.broadcast("test", l[0], l[1]), l[2]);
            Tensor r = Tensor.where(c, x, y);
            assertArrayEquals(shape, r.shape());
            double[] sel = reference(c, c, shape, (p, q) -> p);
            double[] xv = reference(x, x, shape, (p, q) -> p);
            double[] yv = reference(y, y, shape, (p, q) -> p);
            double[] actual = r.toArray();
            for (int i = 0; i < actual.length; i++) {
                double e = sel[i] != 0 ? xv[i] : yv[i];
                assertEquals(Double.doubleToLongBits(e), Double.doubleToLongBits(actual[i]),
                        java.util.Arrays.deepToString(l) + " entry " + i);
            }
        }
    }

    @Test
    void maxAlongAnAxisSendsTheCotangentToTheWinnersWithTiesSplit() {
        // Rows (3, 1, 3, 0) and (-1, 5, 2, 5): the first has a tie at its maximum 3, the second at 5.
        Tensor x = Tensor.of(new double[][] {{3, 1, 3, 0}, {-1, 5, 2, 5}});
        Tensor w = Tensor.of(2, -4);
        double[] g = Autodiff.grad((Tensor z) -> z.max(1).mul(w).sum()).apply(x).toArray();
        assertArrayEquals(new double[] {1, 0, 1, 0, 0, -2, 0, -2}, g, 0.0);
        double[] gk = Autodiff.grad((Tensor z) -> z.min(0, true).mul(Tensor.of(new double[][] {{1, 2, 3, 4}})).sum())
                .apply(x).toArray();
        assertArrayEquals(new double[] {0, 2, 0, 4, 1, 0, 3, 0}, gk, 0.0);
        // All entries: the 2 maxima share the derivative.
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0.5, 0, 0.5},
                Autodiff.grad((Tensor z) -> z.max()).apply(x).toArray(), 0.0);
        // Forward mode along e = 1 everywhere: the derivative of each row maximum is 1.
        assertArrayEquals(new double[] {1, 1},
                Autodiff.jvp((Tensor z) -> z.max(1), x, Tensor.onesLike(x)).tangent().toArray(), 0.0);
    }

    @Test
    void aBroadcastSumsTangentIsMaterialisedOnlyOnce() {
        // d/ds of x + s (s a traced scalar) along 1 is 1 everywhere, and with the x tangent too 1 + v.
        Tensor x = Tensor.of(new double[][] {{1, 2}, {3, 4}});
        Tensor t = Autodiff.jvp((Tensor s) -> x.add(s), Tensor.scalar(0.5), Tensor.scalar(1.0)).tangent();
        assertArrayEquals(new int[] {2, 2}, t.shape());
        assertArrayEquals(new double[] {1, 1, 1, 1}, t.toArray(), 0.0);
        java.util.List<Tensor> p = java.util.List.of(Tensor.of(1, 2), Tensor.scalar(3));
        java.util.List<Tensor> v = java.util.List.of(Tensor.of(0.5, -0.5), Tensor.scalar(2));
        Tensor u = Autodiff.jvp((java.util.List<Tensor> l) -> l.get(0).sub(l.get(1)).expandDims(0)
                .add(Tensor.zeros(3, 1)), p, v).tangent();
        assertArrayEquals(new int[] {3, 2}, u.shape());
        assertArrayEquals(new double[] {-1.5, -2.5, -1.5, -2.5, -1.5, -2.5}, u.toArray(), 0.0);
    }
}
