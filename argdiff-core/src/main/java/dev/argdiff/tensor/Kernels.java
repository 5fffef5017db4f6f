package dev.argdiff.tensor;

import dev.argdiff.backend.Blas;

import java.util.Arrays;


/** Whole-array evaluation kernels on concrete tensors. No object is created per element. */
final class Kernels {
    private Kernels() {
    }

    // Operation codes of the element-wise binary kernels: one loop per code, the switch outside the
    // loop, so that the JIT compiles (and vectorises) each loop for its operation instead of calling a
    // megamorphic functional interface per element.
    static final int ADD = 0;
    static final int SUB = 1;
    static final int MUL = 2;
    static final int DIV = 3;
    static final int POW = 4;
    static final int MAX = 5;
    static final int MIN = 6;
    static final int LT = 7;
    static final int LE = 8;
    static final int GT = 9;
    static final int GE = 10;
    static final int EQ = 11;
    static final int NE = 12;

    /** One element of operation {@code code}; the loops below inline the same expressions. */
    static double apply(int code, double a, double b) {
        switch (code) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            case POW: return Math.pow(a, b);
            case MAX: return Math.max(a, b);
            case MIN: return Math.min(a, b);
            case LT: return a < b ? 1 : 0;
            case LE: return a <= b ? 1 : 0;
            case GT: return a > b ? 1 : 0;
            case GE: return a >= b ? 1 : 0;
            case EQ: return a == b ? 1 : 0;
            case NE: return a != b ? 1 : 0;
            default: throw new AssertionError(code);
        }
    }

    static Tensor binary(String op, int code, Tensor x, Tensor y) {
        int[] shape = Arrays.equals(x.shapeRef(), y.shapeRef()) ? x.shapeRef()
                : Shapes.broadcast(op, x.shapeRef(), y.shapeRef());
        // A broadcast view is read through its source (stride 0 along the repeated axes), never materialized.
        Tensor xv = x.broadcastSource();
        Tensor yv = y.broadcastSource();
        int[] xs = xv.shapeRef();
        int[] ys = yv.shapeRef();
        double[] a = xv.data();
        double[] b = yv.data();
        int n = Shapes.size(shape);
        double[] out = new double[n];
        if (a.length == n && b.length == n) {
            loopSameShape(code, a, b, out, n);
        } else if (b.length == 1 && a.length == n) {
            loopScalarBWhole(code, a, b[0], out, n);
        } else if (a.length == 1 && b.length == n) {
            loopScalarAWhole(code, a[0], b, out, n);
        } else if (n > 0) {
            // A general broadcast, read in place: one loop per row of the last axis, each operand read
            // there with stride 1 or 0 (never materialised), the row offsets stepped by the strides of
            // the leading axes (0 along the axes an operand is broadcast in).
            int rank = shape.length;
            int[] sa = Shapes.broadcastStrides(xs, shape);
            int[] sb = Shapes.broadcastStrides(ys, shape);
            int len = shape[rank - 1];
            boolean aRow = sa[rank - 1] != 0;
            boolean bRow = sb[rank - 1] != 0;
            int[] idx = new int[rank];
            int ia = 0;
            int ib = 0;
            for (int o = 0; o < n; o += len) {
                if (aRow && bRow) {
                    loop(code, a, ia, b, ib, out, o, len);
                } else if (aRow) {
                    loopScalarB(code, a, ia, b[ib], out, o, len);
                } else if (bRow) {
                    loopScalarA(code, a[ia], b, ib, out, o, len);
                } else {
                    Arrays.fill(out, o, o + len, apply(code, a[ia], b[ib]));
                }
                for (int d = rank - 2; d >= 0; d--) {
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

    /**
     * {@link #loop} for whole arrays: without the offsets the JIT vectorizes the loops (with offsets
     * it must assume that out overlaps a or b at a distance), 30 % faster at 1e5 entries.
     */
    private static void loopSameShape(int code, double[] a, double[] b, double[] out, int n) {
        switch (code) {
            case ADD: for (int i = 0; i < n; i++) { out[i] = a[i] + b[i]; } return;
            case SUB: for (int i = 0; i < n; i++) { out[i] = a[i] - b[i]; } return;
            case MUL: for (int i = 0; i < n; i++) { out[i] = a[i] * b[i]; } return;
            case DIV: for (int i = 0; i < n; i++) { out[i] = a[i] / b[i]; } return;
            case MAX: for (int i = 0; i < n; i++) { out[i] = Math.max(a[i], b[i]); } return;
            case MIN: for (int i = 0; i < n; i++) { out[i] = Math.min(a[i], b[i]); } return;
            default: for (int i = 0; i < n; i++) { out[i] = apply(code, a[i], b[i]); }
        }
    }

    /** {@link #loopScalarB} for whole arrays (vectorized: see {@link #loopSameShape}). */
    private static void loopScalarBWhole(int code, double[] a, double b, double[] out, int n) {
        switch (code) {
            case ADD: for (int i = 0; i < n; i++) { out[i] = a[i] + b; } return;
            case SUB: for (int i = 0; i < n; i++) { out[i] = a[i] - b; } return;
            case MUL: for (int i = 0; i < n; i++) { out[i] = a[i] * b; } return;
            case DIV: for (int i = 0; i < n; i++) { out[i] = a[i] / b; } return;
            case MAX: for (int i = 0; i < n; i++) { out[i] = Math.max(a[i], b); } return;
            case MIN: for (int i = 0; i < n; i++) { out[i] = Math.min(a[i], b); } return;
            default: for (int i = 0; i < n; i++) { out[i] = apply(code, a[i], b); }
        }
    }

    /** {@link #loopScalarA} for whole arrays (vectorized: see {@link #loopSameShape}). */
    private static void loopScalarAWhole(int code, double a, double[] b, double[] out, int n) {
        switch (code) {
            case ADD: for (int i = 0; i < n; i++) { out[i] = a + b[i]; } return;
            case SUB: for (int i = 0; i < n; i++) { out[i] = a - b[i]; } return;
            case MUL: for (int i = 0; i < n; i++) { out[i] = a * b[i]; } return;
            case DIV: for (int i = 0; i < n; i++) { out[i] = a / b[i]; } return;
            case MAX: for (int i = 0; i < n; i++) { out[i] = Math.max(a, b[i]); } return;
            case MIN: for (int i = 0; i < n; i++) { out[i] = Math.min(a, b[i]); } return;
            default: for (int i = 0; i < n; i++) { out[i] = apply(code, a, b[i]); }
        }
    }

    private static void loop(int code, double[] a, int ao, double[] b, int bo, double[] out, int oo, int n) {
        switch (code) {
            case ADD: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] + b[bo + i]; } return;
            case SUB: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] - b[bo + i]; } return;
            case MUL: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] * b[bo + i]; } return;
            case DIV: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] / b[bo + i]; } return;
            case MAX: for (int i = 0; i < n; i++) { out[oo + i] = Math.max(a[ao + i], b[bo + i]); } return;
            case MIN: for (int i = 0; i < n; i++) { out[oo + i] = Math.min(a[ao + i], b[bo + i]); } return;
            default: for (int i = 0; i < n; i++) { out[oo + i] = apply(code, a[ao + i], b[bo + i]); }
        }
    }

    private static void loopScalarB(int code, double[] a, int ao, double b, double[] out, int oo, int n) {
        switch (code) {
            case ADD: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] + b; } return;
            case SUB: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] - b; } return;
            case MUL: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] * b; } return;
            case DIV: for (int i = 0; i < n; i++) { out[oo + i] = a[ao + i] / b; } return;
            case MAX: for (int i = 0; i < n; i++) { out[oo + i] = Math.max(a[ao + i], b); } return;
            case MIN: for (int i = 0; i < n; i++) { out[oo + i] = Math.min(a[ao + i], b); } return;
            default: for (int i = 0; i < n; i++) { out[oo + i] = apply(code, a[ao + i], b); }
        }
    }

    private static void loopScalarA(int code, double a, double[] b, int bo, double[] out, int oo, int n) {
        switch (code) {
            case ADD: for (int i = 0; i < n; i++) { out[oo + i] = a + b[bo + i]; } return;
            case SUB: for (int i = 0; i < n; i++) { out[oo + i] = a - b[bo + i]; } return;
            case MUL: for (int i = 0; i < n; i++) { out[oo + i] = a * b[bo + i]; } return;
            case DIV: for (int i = 0; i < n; i++) { out[oo + i] = a / b[bo + i]; } return;
            case MAX: for (int i = 0; i < n; i++) { out[oo + i] = Math.max(a, b[bo + i]); } return;
            case MIN: for (int i = 0; i < n; i++) { out[oo + i] = Math.min(a, b[bo + i]); } return;
            default: for (int i = 0; i < n; i++) { out[oo + i] = apply(code, a, b[bo + i]); }
        }
    }

    private static void requireSameConcrete(String op, Tensor a, Tensor b) {
        if (a.isTraced() || b.isTraced()) {
            throw new IllegalArgumentException(op + ": needs concrete tensors, got a traced one");
        }
        if (!Arrays.equals(a.shapeRef(), b.shapeRef())) {
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shapeRef()) + " and "
                    + Shapes.str(b.shapeRef()) + " differ");
        }
    }

    /** a + b (same shape, concrete) in storage nothing else references, shape array included. */
    static Tensor sumInNewStorage(Tensor a, Tensor b) {
        requireSameConcrete("sumInNewStorage", a, b);
        if (a.broadcastSource() != a || b.broadcastSource() != b) {
            // A broadcast view (the cotangent of a sum) is read through its source, not materialized.
            return Tensor.wrap(a.shapeRef().clone(), binary("add", ADD, a, b).data());
        }
        double[] x = a.data();
        double[] out = new double[x.length];
        loopSameShape(ADD, x, b.data(), out, x.length);
        return Tensor.wrap(a.shapeRef().clone(), out);
    }

    /** target[i] += addend[i]: only for storage its caller owns (see TracedTensors.addInPlace). */
    static void addInPlace(Tensor target, Tensor addend) {
        requireSameConcrete("addInPlace", target, addend);
        double[] t = target.data();
        Tensor source = addend.broadcastSource();
        if (source != addend && source.size() == 1) {
            // A broadcast view of one value (the cotangent of a full sum): added without materializing it.
            double v = source.data()[0];
            for (int i = 0; i < t.length; i++) {
                t[i] += v;
            }
            return;
        }
        double[] b = addend.data();
        for (int i = 0; i < t.length; i++) {
            t[i] += b[i];
        }
    }

    static Tensor where(Tensor c, Tensor x, Tensor y) {
        int[] cs = c.shapeRef();
        int[] shape = Arrays.equals(cs, x.shapeRef()) && Arrays.equals(cs, y.shapeRef()) ? cs
                : Shapes.broadcast("where", Shapes.broadcast("where", cs, x.shapeRef()), y.shapeRef());
        int n = Shapes.size(shape);
        double[] cv = c.data();
        double[] xv = x.data();
        double[] yv = y.data();
        double[] out = new double[n];
        if (n == 0) {
            return Tensor.wrap(shape, out);
        }
        // Operands of the output's shape or of one entry take the loops below; any other broadcast is
        // read in place too, row by row with per-axis strides (0 along a broadcast axis).
        if (cv.length != n && cv.length != 1 || xv.length != n && xv.length != 1 || yv.length != n && yv.length != 1) {
            whereStrided(cs, cv, x.shapeRef(), xv, y.shapeRef(), yv, shape, out);
            return Tensor.wrap(shape, out);
        }
        if (cv.length == 1 && n != 1) {
            double[] src = cv[0] != 0 ? xv : yv;
            if (src.length == 1) {
                Arrays.fill(out, src[0]);
            } else {
                System.arraycopy(src, 0, out, 0, n);
            }
        } else if (xv.length == n && yv.length == n) {
            // Branch-free: a data-dependent branch per entry is mispredicted half the time on a random mask
            // (4.7 ns per entry at 1e5); selecting the bits with an arithmetic mask costs the add loop's time. Same
            // results: c != 0 exactly when its bits without the sign are not 0 (NaN selects x, ±0 selects y).
            for (int i = 0; i < n; i++) {
                long m = nonzeroMask(cv[i]);
                out[i] = Double.longBitsToDouble(Double.doubleToRawLongBits(xv[i]) & m
                        | Double.doubleToRawLongBits(yv[i]) & ~m);
            }
        } else if (xv.length == n) {
            long yc = Double.doubleToRawLongBits(yv[0]);
            for (int i = 0; i < n; i++) {
                long m = nonzeroMask(cv[i]);
                out[i] = Double.longBitsToDouble(Double.doubleToRawLongBits(xv[i]) & m | yc & ~m);
            }
        } else if (yv.length == n) {
            long xc = Double.doubleToRawLongBits(xv[0]);
            for (int i = 0; i < n; i++) {
                long m = nonzeroMask(cv[i]);
                out[i] = Double.longBitsToDouble(xc & m | Double.doubleToRawLongBits(yv[i]) & ~m);
            }
        } else {
            double xc = xv[0];
            double yc = yv[0];
            for (int i = 0; i < n; i++) {
                out[i] = cv[i] != 0 ? xc : yc;
            }
        }
        return Tensor.wrap(shape, out);
    }

    /**
     * All ones when c != 0 (NaN included), all zeros for ±0: the bits of c without the sign are t;
     * t | −t has its sign bit set exactly when t ≠ 0, and the arithmetic shift spreads it. No
     * comparison, so the JIT can vectorize the loops that use it.
     */
    private static long nonzeroMask(double c) {
        long t = Double.doubleToRawLongBits(c) << 1;
        return (t | -t) >> 63;
    }

    private static void whereStrided(int[] cs, double[] cv, int[] xs, double[] xv, int[] ys, double[] yv, int[] shape,
                                     double[] out) {
        int rank = shape.length;
        int[] sc = Shapes.broadcastStrides(cs, shape);
        int[] sx = Shapes.broadcastStrides(xs, shape);
        int[] sy = Shapes.broadcastStrides(ys, shape);
        int len = shape[rank - 1];
        int lc = sc[rank - 1];
        int lx = sx[rank - 1];
        int ly = sy[rank - 1];
        int[] idx = new int[rank];
        int ic = 0;
        int ix = 0;
        int iy = 0;
        for (int o = 0; o < out.length; o += len) {
            for (int i = 0; i < len; i++) {
                out[o + i] = cv[ic + i * lc] != 0 ? xv[ix + i * lx] : yv[iy + i * ly];
            }
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                ic += sc[d];
                ix += sx[d];
                iy += sy[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                ic -= sc[d] * shape[d];
                ix -= sx[d] * shape[d];
                iy -= sy[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    static double[] broadcastData(Tensor x, int[] shape) {
        if (Arrays.equals(x.shapeRef(), shape)) {
            return x.data();
        }
        return broadcastTo(x, shape).data();
    }

    static Tensor broadcastTo(Tensor x, int[] shape) {
        int n = Shapes.size(shape);
        double[] a = x.data();
        double[] out = new double[n];
        if (a.length == 1) {
            Arrays.fill(out, a[0]);
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
        Arrays.fill(out, init);
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
