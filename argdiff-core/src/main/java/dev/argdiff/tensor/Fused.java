package dev.argdiff.tensor;

import java.util.Arrays;

/**
 * The fused element-wise updates of iterative solvers: a + s·b, a − s·b and s·a + t·b, each one
 * loop and one output array on concrete operands instead of two or three operations and their
 * intermediates. On anything else — a traced operand, a non-scalar coefficient, operands that
 * broadcast — they are exactly the unfused composition (the same primitives in the same order),
 * so values and derivatives of every order are those of the unfused expression. The concrete
 * loops evaluate the same expression per entry with no fused multiply-add, so the two paths
 * agree bit for bit.
 */
final class Fused {
    private Fused() {
    }

    private static void requireNonNull(String op, String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
    }

    static void requireCoefficient(String op, String name, Tensor value) {
        requireNonNull(op, name, value);
    }

    /** Whether the one-loop kernel applies: concrete same-shape operands, concrete 0-d coefficients. */
    private static boolean fast(Tensor a, Tensor b, Tensor s, Tensor t) {
        return !a.isTraced() && !b.isTraced() && (s == null || !s.isTraced() && s.rank() == 0)
                && (t == null || !t.isTraced() && t.rank() == 0)
                && Arrays.equals(a.shapeRef(), b.shapeRef());
    }

    /** a + sign·s·b; sign is +1 or −1 (addScaled, subScaled). */
    static Tensor axpy(String op, Tensor a, double sign, double s, Tensor sTensor, Tensor b) {
        requireNonNull(op, "this", a);
        requireNonNull(op, "b", b);
        if (!fast(a, b, sTensor, null)) {
            Tensor scaled = b.mul(sTensor != null ? sTensor : Tensor.scalar(s));
            return sign > 0 ? a.add(scaled) : a.sub(scaled);
        }
        double c = sTensor != null ? sTensor.data()[0] : s;
        double[] x = a.data();
        double[] y = b.data();
        double[] out = new double[x.length];
        if (sign > 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] = x[i] + y[i] * c;
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = x[i] - y[i] * c;
            }
        }
        return Tensor.wrap(a.shapeRef(), out);
    }

    /** s·a + t·b (linearCombination). */
    static Tensor linearCombination(double s, Tensor sTensor, Tensor a, double t, Tensor tTensor, Tensor b) {
        String op = "linearCombination";
        requireNonNull(op, "a", a);
        requireNonNull(op, "b", b);
        if (!fast(a, b, sTensor, tTensor)) {
            return a.mul(sTensor != null ? sTensor : Tensor.scalar(s))
                    .add(b.mul(tTensor != null ? tTensor : Tensor.scalar(t)));
        }
        double cs = sTensor != null ? sTensor.data()[0] : s;
        double ct = tTensor != null ? tTensor.data()[0] : t;
        double[] x = a.data();
        double[] y = b.data();
        double[] out = new double[x.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] * cs + y[i] * ct;
        }
        return Tensor.wrap(a.shapeRef(), out);
    }
}
