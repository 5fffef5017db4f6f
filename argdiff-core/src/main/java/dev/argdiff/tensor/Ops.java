package dev.argdiff.tensor;

import java.util.Arrays;

/**
 * The primitives and their rules. Every JVP and VJP rule below is written with tensor
 * operations, so the rules are differentiable themselves (higher-order derivatives).
 */
final class Ops {
    private Ops() {
    }

    // ---------------------------------------------------------------- helpers for rules

    /** a + b where null means zero. */
    static Tensor addOrNull(Tensor a, Tensor b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.add(b);
    }

    /** Sums a broadcast cotangent back to the operand's shape (the transpose of broadcasting). */
    static Tensor sumTo(Tensor ct, int[] shape) {
        int[] cs = ct.shapeRef();
        if (Arrays.equals(cs, shape)) {
            return ct;
        }
        Tensor r = ct;
        int lead = cs.length - shape.length;
        for (int i = 0; i < lead; i++) {
            r = r.sum(0);
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && r.shapeRef()[i] != 1) {
                r = r.sum(i, true);
            }
        }
        return Arrays.equals(r.shapeRef(), shape) ? r : r.reshape(shape);
    }

    static Tensor broadcastTangent(Tensor t, int[] shape) {
        return t == null || Arrays.equals(t.shapeRef(), shape) ? t : t.broadcastTo(shape);
    }

    // ---------------------------------------------------------------- elementwise unary

    enum UnaryKind { NEG, EXP, LOG, LOG1P, EXPM1, SQRT, ABS, SIGN, TANH, SIGMOID, SOFTPLUS, SIN, COS }

    static final class Unary extends Primitive {
        final UnaryKind kind;

        private final String name;

        Unary(UnaryKind kind) {
            this.kind = kind;
            this.name = kind.name().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            double[] a = in[0].data();
            double[] out = new double[a.length];
            int n = a.length;
            // One loop per kind (the switch outside the loop): no call through a functional interface per entry.
            switch (kind) {
                case NEG: for (int i = 0; i < n; i++) { out[i] = -a[i]; } break;
                case EXP: for (int i = 0; i < n; i++) { out[i] = Math.exp(a[i]); } break;
                case LOG: for (int i = 0; i < n; i++) { out[i] = Math.log(a[i]); } break;
                case LOG1P: for (int i = 0; i < n; i++) { out[i] = Math.log1p(a[i]); } break;
                case EXPM1: for (int i = 0; i < n; i++) { out[i] = Math.expm1(a[i]); } break;
                case SQRT: for (int i = 0; i < n; i++) { out[i] = Math.sqrt(a[i]); } break;
                case ABS: for (int i = 0; i < n; i++) { out[i] = Math.abs(a[i]); } break;
                case SIGN: for (int i = 0; i < n; i++) { out[i] = Math.signum(a[i]); } break;
                case TANH: for (int i = 0; i < n; i++) { out[i] = Math.tanh(a[i]); } break;
                case SIGMOID: for (int i = 0; i < n; i++) { out[i] = sigmoid(a[i]); } break;
                case SOFTPLUS:
                    for (int i = 0; i < n; i++) {
                        double v = a[i];
                        out[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
                    }
                    break;
                case SIN: for (int i = 0; i < n; i++) { out[i] = Math.sin(a[i]); } break;
                case COS: for (int i = 0; i < n; i++) { out[i] = Math.cos(a[i]); } break;
                default: throw new AssertionError(kind);
            }
            return Tensor.wrap(in[0].shapeRef(), out);
        }

        /** The derivative f'(x), as a tensor expression. */
        private Tensor derivative(Tensor x, Tensor out) {
            switch (kind) {
                case EXP: return out;
                case LOG: return x.reciprocal();
                case LOG1P: return x.add(1.0).reciprocal();
                case EXPM1: return out.add(1.0);
                case SQRT: return out.mul(2.0).reciprocal();
                case ABS: return x.sign();
                case TANH: return out.square().rsub(1.0);
                case SIGMOID: return out.mul(out.rsub(1.0));
                case SOFTPLUS: return x.sigmoid();
                case SIN: return x.cos();
                case COS: return x.sin().neg();
                default: throw new AssertionError(kind);
            }
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            if (t[0] == null || kind == UnaryKind.SIGN) {
                return null;
            }
            if (kind == UnaryKind.NEG) {
                return t[0].neg();
            }
            return t[0].mul(derivative(p[0], out));
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            if (kind == UnaryKind.SIGN) {
                return new Tensor[] {null};
            }
            if (kind == UnaryKind.NEG) {
                return new Tensor[] {ct.neg()};
            }
            return new Tensor[] {ct.mul(derivative(p[0], out))};
        }
    }

    static double sigmoid(double v) {
        if (v >= 0) {
            return 1.0 / (1.0 + Math.exp(-v));
        }
        double e = Math.exp(v);
        return e / (1.0 + e);
    }

    // ---------------------------------------------------------------- elementwise binary

    enum BinaryKind { ADD, SUB, MUL, DIV, POW, MAX, MIN }

    static final class Binary extends Primitive {
        final BinaryKind kind;
        private final String name;
        private final int code;

        Binary(BinaryKind kind) {
            this.kind = kind;
            this.name = kind == BinaryKind.MAX ? "maximum" : kind == BinaryKind.MIN ? "minimum"
                    : kind.name().toLowerCase(java.util.Locale.ROOT);
            this.code = Kernels.ADD + kind.ordinal(); // BinaryKind lists the kernels' codes ADD..MIN in order
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.binary(name, code, in[0], in[1]);
        }

        /** The partial derivatives (da, db) as tensor expressions, for the elementwise case. */
        private Tensor partialA(Tensor a, Tensor b, Tensor out) {
            switch (kind) {
                case ADD:
                case SUB: return null; // 1 (handled by the callers)
                case MUL: return b;
                case DIV: return b.reciprocal();
                case POW: {
                    // b·a^(b−1), except where a = b = 0: there a^b = 1 near a = 0 (derivative 0), but
                    // 0·0^(−1) = 0·∞ = NaN. An exponent of 1 there gives 0·0¹ = 0 and keeps every
                    // higher derivative finite (the 4th derivative of x³ at 0 goes through 0^0).
                    Tensor exponent = b.sub(1.0);
                    if (anyZero(b)) {
                        exponent = Tensor.where(b.eq(0.0).mul(a.eq(0.0)), Tensor.scalar(1.0), exponent);
                    }
                    return b.mul(a.pow(exponent));
                }
                case MAX: return tieSplit(a.gt(b), a.eq(b));
                case MIN: return tieSplit(a.lt(b), a.eq(b));
                default: throw new AssertionError(kind);
            }
        }

        private Tensor partialB(Tensor a, Tensor b, Tensor out) {
            switch (kind) {
                case ADD: return null;
                case SUB: return null;
                case MUL: return a;
                case DIV: return out.div(b).neg();
                case POW: {
                    // d/db a^b = log(a)·a^b; defined as 0 where a <= 0 (a^b is then not differentiable in b
                    // except at b where the value is constant), which keeps the rule finite.
                    Tensor positive = a.gt(0.0);
                    Tensor safeA = Tensor.where(positive, a, Tensor.scalar(1.0));
                    return safeA.log().mul(out).mul(positive);
                }
                case MAX: return tieSplit(b.gt(a), a.eq(b));
                case MIN: return tieSplit(b.lt(a), a.eq(b));
                default: throw new AssertionError(kind);
            }
        }

        /** Whether any entry of t's concrete value is 0 (a test on values: no derivative involved). */
        private static boolean anyZero(Tensor t) {
            for (double v : t.data()) {
                if (v == 0.0) {
                    return true;
                }
            }
            return false;
        }

        /** 1 where strictly winning, 1/2 at a tie (the convention of JAX for max/min). */
        private static Tensor tieSplit(Tensor wins, Tensor ties) {
            return wins.add(ties.mul(0.5));
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            int[] shape = out.shapeRef();
            Tensor ta = t[0];
            Tensor tb = t[1];
            Tensor r = null;
            if (ta != null) {
                Tensor da = partialA(p[0], p[1], out);
                r = da == null ? broadcastTangent(ta, shape) : broadcastTangent(ta.mul(da), shape);
            }
            if (tb != null) {
                Tensor db = partialB(p[0], p[1], out);
                Tensor term;
                if (kind == BinaryKind.ADD) {
                    term = tb;
                } else if (kind == BinaryKind.SUB) {
                    term = tb.neg();
                } else {
                    term = tb.mul(db);
                }
                r = addOrNull(r, broadcastTangent(term, shape));
            }
            return r;
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            Tensor ga = null;
            Tensor gb = null;
            if (needed[0]) {
                Tensor da = partialA(p[0], p[1], out);
                ga = sumTo(da == null ? ct : ct.mul(da), p[0].shapeRef());
            }
            if (needed[1]) {
                Tensor g;
                if (kind == BinaryKind.ADD) {
                    g = ct;
                } else if (kind == BinaryKind.SUB) {
                    g = ct.neg();
                } else {
                    g = ct.mul(partialB(p[0], p[1], out));
                }
                gb = sumTo(g, p[1].shapeRef());
            }
            return new Tensor[] {ga, gb};
        }
    }

    // ---------------------------------------------------------------- non-differentiable

    enum CompareKind { LT, LE, GT, GE, EQ, NE }

    static final class Compare extends Primitive {
        final CompareKind kind;
        private final String name;
        private final int code;

        Compare(CompareKind kind) {
            this.kind = kind;
            this.name = kind.name().toLowerCase(java.util.Locale.ROOT);
            this.code = Kernels.LT + kind.ordinal(); // CompareKind lists the kernels' codes LT..NE in order
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.binary(name, code, in[0], in[1]);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return null;
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            return new Tensor[] {null, null};
        }
    }

    static final class Where extends Primitive {
        @Override
        public String name() {
            return "where";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.where(in[0], in[1], in[2]);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            if (t[1] == null && t[2] == null) {
                return null;
            }
            int[] shape = out.shapeRef();
            Tensor zero = Tensor.scalar(0.0);
            Tensor a = t[1] == null ? zero : t[1];
            Tensor b = t[2] == null ? zero : t[2];
            return broadcastTangent(Tensor.where(p[0], a, b), shape);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            Tensor zero = Tensor.scalar(0.0);
            Tensor ga = needed[1] ? sumTo(Tensor.where(p[0], ct, zero), p[1].shapeRef()) : null;
            Tensor gb = needed[2] ? sumTo(Tensor.where(p[0], zero, ct), p[2].shapeRef()) : null;
            return new Tensor[] {null, ga, gb};
        }
    }

    // ---------------------------------------------------------------- reductions

    /** Sum, max or min along one axis. */
    static final class Reduce extends Primitive {
        final int kind; // 0 sum, 1 max, 2 min
        final int axis;
        final boolean keepDims;

        Reduce(int kind, int axis, boolean keepDims) {
            this.kind = kind;
            this.axis = axis;
            this.keepDims = keepDims;
        }

        @Override
        public String name() {
            return kind == 0 ? "sum" : kind == 1 ? "max" : "min";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.reduce(in[0], axis, keepDims, kind);
        }

        /** Expands a reduced tensor back to the input's shape. */
        private Tensor expand(Tensor r, int[] inShape) {
            Tensor k = keepDims ? r : r.expandDims(axis);
            return k.broadcastTo(inShape);
        }

        /** For max/min: the share of the derivative each input entry gets (ties split equally). */
        private Tensor selector(Tensor x, Tensor out) {
            Tensor mask = x.eq(expand(out, x.shapeRef()));
            Tensor count = mask.sum(axis, true);
            return mask.div(count.broadcastTo(x.shapeRef()));
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            if (t[0] == null) {
                return null;
            }
            if (kind == 0) {
                return t[0].sum(axis, keepDims);
            }
            return t[0].mul(selector(p[0], out)).sum(axis, keepDims);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            Tensor g = expand(ct, p[0].shapeRef());
            if (kind != 0) {
                g = g.mul(selector(p[0], out));
            }
            return new Tensor[] {g};
        }
    }

    // ---------------------------------------------------------------- shape operations

    static final class Reshape extends Primitive {
        final int[] shape;

        Reshape(int[] shape) {
            this.shape = shape;
        }

        @Override
        public String name() {
            return "reshape";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Tensor.wrap(shape, in[0].data());
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : t[0].reshape(shape);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            return new Tensor[] {ct.reshape(p[0].shapeRef())};
        }
    }

    static final class BroadcastTo extends Primitive {
        final int[] shape;

        BroadcastTo(int[] shape) {
            this.shape = shape;
        }

        @Override
        public String name() {
            return "broadcastTo";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.broadcastTo(in[0], shape);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : t[0].broadcastTo(shape);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            return new Tensor[] {sumTo(ct, p[0].shapeRef())};
        }
    }

    static final class Transpose extends Primitive {
        final int[] perm;

        Transpose(int[] perm) {
            this.perm = perm;
        }

        @Override
        public String name() {
            return "transpose";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.transpose(in[0], perm);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : t[0].transpose(perm);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            int[] inverse = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                inverse[perm[i]] = i;
            }
            return new Tensor[] {ct.transpose(inverse)};
        }
    }

    static final class Slice extends Primitive {
        final int axis;
        final int start;
        final int end;

        Slice(int axis, int start, int end) {
            this.axis = axis;
            this.start = start;
            this.end = end;
        }

        @Override
        public String name() {
            return "slice";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.slice(in[0], axis, start, end);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : t[0].slice(axis, start, end);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            int len = p[0].shapeRef()[axis];
            return new Tensor[] {Dispatch.bind(new Pad(axis, start, len - end), ct)};
        }
    }

    static final class Pad extends Primitive {
        final int axis;
        final int before;
        final int after;

        Pad(int axis, int before, int after) {
            this.axis = axis;
            this.before = before;
            this.after = after;
        }

        @Override
        public String name() {
            return "pad";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.pad(in[0], axis, before, after);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : Dispatch.bind(this, t[0]);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            int len = p[0].shapeRef()[axis];
            return new Tensor[] {ct.slice(axis, before, before + len)};
        }
    }

    static final class Take extends Primitive {
        final int[] indices;
        final int axis;

        Take(int[] indices, int axis) {
            this.indices = indices;
            this.axis = axis;
        }

        @Override
        public String name() {
            return "take";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.take(in[0], indices, axis);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : Dispatch.bind(this, t[0]);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            return new Tensor[] {Dispatch.bind(new ScatterAdd(indices, axis, p[0].shapeRef()[axis]), ct)};
        }
    }

    static final class ScatterAdd extends Primitive {
        final int[] indices;
        final int axis;
        final int size;

        ScatterAdd(int[] indices, int axis, int size) {
            this.indices = indices;
            this.axis = axis;
            this.size = size;
        }

        @Override
        public String name() {
            return "scatterAdd";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.scatterAdd(in[0], indices, axis, size);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : Dispatch.bind(this, t[0]);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            return new Tensor[] {Dispatch.bind(new Take(indices, axis), ct)};
        }
    }

    static final class Concatenate extends Primitive {
        final int axis;

        Concatenate(int axis) {
            this.axis = axis;
        }

        @Override
        public String name() {
            return "concatenate";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.concatenate(in, axis);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            boolean any = false;
            for (Tensor x : t) {
                any |= x != null;
            }
            if (!any) {
                return null;
            }
            Tensor[] parts = new Tensor[t.length];
            for (int i = 0; i < t.length; i++) {
                parts[i] = t[i] != null ? t[i] : Tensor.zeros(p[i].shapeRef());
            }
            return Dispatch.bind(this, parts);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            Tensor[] g = new Tensor[p.length];
            int offset = 0;
            for (int i = 0; i < p.length; i++) {
                int len = p[i].shapeRef()[axis];
                if (needed[i]) {
                    g[i] = ct.slice(axis, offset, offset + len);
                }
                offset += len;
            }
            return g;
        }
    }

    // ---------------------------------------------------------------- linear algebra

    /** op(A)·op(B) for 2-d operands, op being the identity or the transpose. */
    static final class MatMul extends Primitive {
        final boolean transA;
        final boolean transB;

        MatMul(boolean transA, boolean transB) {
            this.transA = transA;
            this.transB = transB;
        }

        @Override
        public String name() {
            return "matmul";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.matmul(in[0], in[1], transA, transB);
        }

        static Tensor mm(Tensor a, Tensor b, boolean ta, boolean tb) {
            return Dispatch.bind(new MatMul(ta, tb), a, b);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            Tensor r = null;
            if (t[0] != null) {
                r = mm(t[0], p[1], transA, transB);
            }
            if (t[1] != null) {
                r = addOrNull(r, mm(p[0], t[1], transA, transB));
            }
            return r;
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            Tensor a = p[0];
            Tensor b = p[1];
            Tensor ga = null;
            Tensor gb = null;
            // C = op(A)·op(B); the four cases of the transposes (see the derivation in the design notes).
            if (!transA && !transB) {
                ga = needed[0] ? mm(ct, b, false, true) : null;
                gb = needed[1] ? mm(a, ct, true, false) : null;
            } else if (transA && !transB) {
                ga = needed[0] ? mm(b, ct, false, true) : null;
                gb = needed[1] ? mm(a, ct, false, false) : null;
            } else if (!transA) {
                ga = needed[0] ? mm(ct, b, false, false) : null;
                gb = needed[1] ? mm(ct, a, true, false) : null;
            } else {
                ga = needed[0] ? mm(b, ct, true, true) : null;
                gb = needed[1] ? mm(ct, a, true, true) : null;
            }
            return new Tensor[] {ga, gb};
        }
    }
}
