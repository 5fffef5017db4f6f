package dev.argdiff.tensor;

import dev.argdiff.backend.Blas;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/** Whole-array evaluation kernels on concrete tensors. No object is created per element. */
final class Kernels {
    private Kernels() {
    }

    static Tensor unary(Tensor x, DoubleUnaryOperator f) {
        double[] a = x.data();
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = f.applyAsDouble(a[i]);
        }
        return Tensor.wrap(x.shapeRef(), out);
    }

    static Tensor binary(String op, Tensor x, Tensor y, DoubleBinaryOperator f) {
        int[] shape = Shapes.broadcast(op, x.shapeRef(), y.shapeRef());
        double[] a = x.data();
        double[] b = y.data();
        int n = Shapes.size(shape);
        double[] out = new double[n];
        if (a.length == n && b.length == n) {
            for (int i = 0; i < n; i++) {
                out[i] = f.applyAsDouble(a[i], b[i]);
            }
        } else if (b.length == 1 && a.length == n) {
            double bv = b[0];
            for (int i = 0; i < n; i++) {
                out[i] = f.applyAsDouble(a[i], bv);
            }
        } else if (a.length == 1 && b.length == n) {
            double av = a[0];
            for (int i = 0; i < n; i++) {
                out[i] = f.applyAsDouble(av, b[i]);
            }
        } else if (n > 0) {
            int rank = shape.length;
            int[] sa = Shapes.broadcastStrides(x.shapeRef(), shape);
            int[] sb = Shapes.broadcastStrides(y.shapeRef(), shape);
            int[] idx = new int[rank];
            int ia = 0;
            int ib = 0;
            for (int i = 0; i < n; i++) {
                out[i] = f.applyAsDouble(a[ia], b[ib]);
                for (int d = rank - 1; d >= 0; d--) {
                    idx[d]++;
                    ia += sa[d];
                    ib += sb[d];
                    if (idx[d] < shape[d]) {
                        break;
                    }
                    ia -= sa[d] * shape[d];
                    ib -= sb[d] * shape[d];
                    idx[d] = 0;
                }
            }
        }
        return Tensor.wrap(shape, out);
    }

    static Tensor where(Tensor c, Tensor x, Tensor y) {
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", c.shapeRef(), x.shapeRef()), y.shapeRef());
        double[] cv = broadcastData(c, shape);
        double[] xv = broadcastData(x, shape);
        double[] yv = broadcastData(y, shape);
        double[] out = new double[cv.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = cv[i] != 0 ? xv[i] : yv[i];
        }
        return Tensor.wrap(shape, out);
    }

    static double[] broadcastData(Tensor x, int[] shape) {
        if (java.util.Arrays.equals(x.shapeRef(), shape)) {
            return x.data();
        }
        return broadcastTo(x, shape).data();
    }

    static Tensor broadcastTo(Tensor x, int[] shape) {
        int n = Shapes.size(shape);
        double[] a = x.data();
        double[] out = new double[n];
        if (a.length == 1) {
            java.util.Arrays.fill(out, a[0]);
            return Tensor.wrap(shape, out);
        }
        int rank = shape.length;
        int[] sa = Shapes.broadcastStrides(x.shapeRef(), shape);
        int[] idx = new int[rank];
        int ia = 0;
        for (int i = 0; i < n; i++) {
            out[i] = a[ia];
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                ia += sa[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                ia -= sa[d] * shape[d];
                idx[d] = 0;
            }
        }
        return Tensor.wrap(shape, out);
    }

    /** Sum (kind 0), max (kind 1) or min (kind 2) along one axis. */
    static Tensor reduce(Tensor x, int axis, boolean keepDims, int kind) {
        int[] shape = x.shapeRef();
        int outer = outerSize(shape, axis);
        int len = shape[axis];
        int inner = innerSize(shape, axis);
        double[] a = x.data();
        double[] out = new double[outer * inner];
        double init = kind == 0 ? 0.0 : kind == 1 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        java.util.Arrays.fill(out, init);
        for (int o = 0; o < outer; o++) {
            int base = o * len * inner;
            int ob = o * inner;
            for (int k = 0; k < len; k++) {
                int row = base + k * inner;
                for (int i = 0; i < inner; i++) {
                    double v = a[row + i];
                    double cur = out[ob + i];
                    out[ob + i] = kind == 0 ? cur + v : kind == 1 ? (v > cur || Double.isNaN(v) ? v : cur)
                            : (v < cur || Double.isNaN(v) ? v : cur);
                }
            }
        }
        int[] outShape = keepDims ? Shapes.withAxis(shape, axis, 1) : Shapes.removeAxis(shape, axis);
        return Tensor.wrap(outShape, out);
    }

    /** The number of entries before {@code axis} (the product of the leading dimensions). */
    private static int outerSize(int[] shape, int axis) {
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        return outer;
    }

    /** The number of entries after {@code axis} (the product of the trailing dimensions). */
    private static int innerSize(int[] shape, int axis) {
        int inner = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        return inner;
    }

    static Tensor transpose(Tensor x, int[] perm) {
        int[] shape = x.shapeRef();
        int rank = shape.length;
        int[] outShape = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = shape[perm[i]];
        }
        double[] a = x.data();
        double[] out = new double[a.length];
        if (rank == 2) {
            int m = shape[0];
            int n = shape[1];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    out[j * m + i] = a[i * n + j];
                }
            }
            return Tensor.wrap(outShape, out);
        }
        int[] inStrides = Shapes.strides(shape);
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) {
            s[i] = inStrides[perm[i]];
        }
        int[] idx = new int[rank];
        int ia = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = a[ia];
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                ia += s[d];
                if (idx[d] < outShape[d]) {
                    break;
                }
                ia -= s[d] * outShape[d];
                idx[d] = 0;
            }
        }
        return Tensor.wrap(outShape, out);
    }

    /** Entries [start, end) along an axis. */
    static Tensor slice(Tensor x, int axis, int start, int end) {
        int[] shape = x.shapeRef();
        int outer = outerSize(shape, axis);
        int inner = innerSize(shape, axis);
        int len = shape[axis];
        int outLen = end - start;
        double[] a = x.data();
        double[] out = new double[outer * outLen * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(a, (o * len + start) * inner, out, o * outLen * inner, outLen * inner);
        }
        return Tensor.wrap(Shapes.withAxis(shape, axis, outLen), out);
    }

    /** Zero padding along an axis: the transpose of {@link #slice}. */
    static Tensor pad(Tensor x, int axis, int before, int after) {
        int[] shape = x.shapeRef();
        int outer = outerSize(shape, axis);
        int inner = innerSize(shape, axis);
        int len = shape[axis];
        int outLen = len + before + after;
        double[] a = x.data();
        double[] out = new double[outer * outLen * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(a, o * len * inner, out, (o * outLen + before) * inner, len * inner);
        }
        return Tensor.wrap(Shapes.withAxis(shape, axis, outLen), out);
    }

    /** Gathers entries along an axis by index. */
    static Tensor take(Tensor x, int[] indices, int axis) {
        int[] shape = x.shapeRef();
        int outer = outerSize(shape, axis);
        int inner = innerSize(shape, axis);
        int len = shape[axis];
        double[] a = x.data();
        double[] out = new double[outer * indices.length * inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < indices.length; k++) {
                System.arraycopy(a, (o * len + indices[k]) * inner, out, (o * indices.length + k) * inner, inner);
            }
        }
        return Tensor.wrap(Shapes.withAxis(shape, axis, indices.length), out);
    }

    /** Adds slices into a zero tensor of axis length {@code size}: the transpose of {@link #take}. */
    static Tensor scatterAdd(Tensor x, int[] indices, int axis, int size) {
        int[] shape = x.shapeRef();
        int outer = outerSize(shape, axis);
        int inner = innerSize(shape, axis);
        double[] a = x.data();
        double[] out = new double[outer * size * inner];
        for (int o = 0; o < outer; o++) {
            for (int k = 0; k < indices.length; k++) {
                int src = (o * indices.length + k) * inner;
                int dst = (o * size + indices[k]) * inner;
                for (int i = 0; i < inner; i++) {
                    out[dst + i] += a[src + i];
                }
            }
        }
        return Tensor.wrap(Shapes.withAxis(shape, axis, size), out);
    }

    static Tensor concatenate(Tensor[] parts, int axis) {
        int[] shape = parts[0].shapeRef().clone();
        int total = 0;
        for (Tensor p : parts) {
            total += p.shapeRef()[axis];
        }
        shape[axis] = total;
        int outer = outerSize(shape, axis);
        int inner = innerSize(shape, axis);
        double[] out = new double[Shapes.size(shape)];
        int offset = 0;
        for (Tensor p : parts) {
            int len = p.shapeRef()[axis];
            double[] a = p.data();
            for (int o = 0; o < outer; o++) {
                System.arraycopy(a, o * len * inner, out, (o * total + offset) * inner, len * inner);
            }
            offset += len;
        }
        return Tensor.wrap(shape, out);
    }

    /** op(A)·op(B) for 2-d A and B (already checked to align). */
    static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        int[] sa = a.shapeRef();
        int[] sb = b.shapeRef();
        int m = transA ? sa[1] : sa[0];
        int k = transA ? sa[0] : sa[1];
        int n = transB ? sb[0] : sb[1];
        double[] out = new double[m * n];
        if (n == 1) {
            // op(A)·b for a column b: a matrix-vector product is faster than a 1-column gemm.
            Blas.gemv(transA, sa[0], sa[1], 1.0, a.data(), 0, b.data(), 0, 0.0, out, 0);
        } else if (m == 1) {
            // aᵀ·op(B) = (op(B)ᵀ·a)ᵀ.
            Blas.gemv(!transB, sb[0], sb[1], 1.0, b.data(), 0, a.data(), 0, 0.0, out, 0);
        } else {
            Blas.gemm(transA, transB, m, n, k, 1.0, a.data(), 0, b.data(), 0, 0.0, out, 0);
        }
        return Tensor.wrap(new int[] {m, n}, out);
    }
}
