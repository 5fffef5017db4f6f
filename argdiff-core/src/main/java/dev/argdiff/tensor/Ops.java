package dev.argdiff.tensor;

import dev.argdiff.tensor.internal.Dispatch;

import java.util.Arrays;
import java.util.Locale;

/**
 * The primitives and their rules. Every JVP and VJP rule below is written with tensor
 * operations, so the rules are differentiable themselves (higher-order derivatives).
 *
 * <p>Each primitive is a rule object: a constant of an element-wise family (whose abstract
 * methods every constant must implement) or a final class whose fields are its parameters. The
 * list is closed by {@link Primitive}'s {@code permits} clause, which {@code PrimitiveRulesTest}
 * reads to check that it has a case for each one. Parameter-free primitives are enum constants,
 * so applying one allocates nothing but its output.
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

    /**
     * The element-wise unary primitives, one constant each: its kernel loop (one loop per kind, so
     * the JIT compiles each for its operation, with no call per entry) and its derivative as the
     * linear map v ↦ f′(x)·v, which serves both the JVP (v a tangent) and the VJP (v a cotangent).
     */
    enum Unary implements Primitive {
        NEG {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = -a[i]; } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.neg(); }
        },
        EXP {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.exp(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(y); }
        },
        LOG {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.log(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(x.reciprocal()); }
        },
        LOG1P {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.log1p(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(x.add(1.0).reciprocal()); }
        },
        EXPM1 {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.expm1(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(y.add(1.0)); }
        },
        SQRT {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.sqrt(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(y.mul(2.0).reciprocal()); }
        },
        ABS {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.abs(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(x.sign()); }
        },
        SIGN {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.signum(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return null; } // piecewise constant
        },
        TANH {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.tanh(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(y.square().rsub(1.0)); }
        },
        SIGMOID {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = sigmoid(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(y.mul(y.rsub(1.0))); }
        },
        SOFTPLUS {
            @Override void kernel(double[] a, double[] out) {
                for (int i = 0; i < a.length; i++) {
                    double v = a[i];
                    out[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
                }
            }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(x.sigmoid()); }
        },
        SIN {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.sin(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(x.cos()); }
        },
        COS {
            @Override void kernel(double[] a, double[] out) { for (int i = 0; i < a.length; i++) { out[i] = Math.cos(a[i]); } }
            @Override Tensor times(Tensor x, Tensor y, Tensor v) { return v.mul(x.sin().neg()); }
        };

        private final String label = name().toLowerCase(Locale.ROOT);

        /** out[i] = f(a[i]) for every i. */
        abstract void kernel(double[] a, double[] out);

        /** f′(x)·v for y = f(x), as a tensor expression; null when f′ is zero. */
        abstract Tensor times(Tensor x, Tensor y, Tensor v);

        @Override
        public String opName() {
            return label;
        }

        @Override
        public String toString() {
            return label;
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            double[] out = new double[in[0].data().length];
            kernel(in[0].data(), out);
            return Tensor.wrap(in[0].shapeRef(), out);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            return t[0] == null ? null : times(p[0], out, t[0]);
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            return new Tensor[] {times(p[0], out, ct)};
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

    /**
     * The element-wise binary primitives with broadcasting: each constant names its kernel loop
     * (an operation code of {@link Kernels}) and its two partial derivatives.
     */
    enum Binary implements Primitive {
        ADD("add", Kernels.ADD) {
            @Override Tensor partialA(Tensor a, Tensor b, Tensor out) { return null; } // 1 (handled by the callers)
            @Override Tensor partialB(Tensor a, Tensor b, Tensor out) { return null; }
        },
        SUB("sub", Kernels.SUB) {
            @Override Tensor partialA(Tensor a, Tensor b, Tensor out) { return null; }
            @Override Tensor partialB(Tensor a, Tensor b, Tensor out) { return null; }
        },
        MUL("mul", Kernels.MUL) {
            @Override Tensor partialA(Tensor a, Tensor b, Tensor out) { return b; }
            @Override Tensor partialB(Tensor a, Tensor b, Tensor out) { return a; }
        },
        DIV("div", Kernels.DIV) {
            @Override Tensor partialA(Tensor a, Tensor b, Tensor out) { return b.reciprocal(); }
            @Override Tensor partialB(Tensor a, Tensor b, Tensor out) { return out.div(b).neg(); }
        },
        POW("pow", Kernels.POW) {
            @Override
            Tensor partialA(Tensor a, Tensor b, Tensor out) {
                // b·a^(b−1), except where a = b = 0: there a^b = 1 near a = 0 (derivative 0), but
                // 0·0^(−1) = 0·∞ = NaN. An exponent of 1 there gives 0·0¹ = 0 and keeps every
                // higher derivative finite (the 4th derivative of x³ at 0 goes through 0^0).
                Tensor exponent = b.sub(1.0);
                if (anyZero(b)) {
                    exponent = Tensor.where(b.eq(0.0).mul(a.eq(0.0)), Tensor.scalar(1.0), exponent);
                }
                return b.mul(a.pow(exponent));
            }

            @Override
            Tensor partialB(Tensor a, Tensor b, Tensor out) {
                // d/db a^b = log(a)·a^b; defined as 0 where a <= 0 (a^b is then not differentiable in b
                // except at b where the value is constant), which keeps the rule finite.
                Tensor positive = a.gt(0.0);
                Tensor safeA = Tensor.where(positive, a, Tensor.scalar(1.0));
                return safeA.log().mul(out).mul(positive);
            }
        },
        MAX("maximum", Kernels.MAX) {
            @Override Tensor partialA(Tensor a, Tensor b, Tensor out) { return tieSplit(a.gt(b), a.eq(b)); }
            @Override Tensor partialB(Tensor a, Tensor b, Tensor out) { return tieSplit(b.gt(a), a.eq(b)); }
        },
        MIN("minimum", Kernels.MIN) {
            @Override Tensor partialA(Tensor a, Tensor b, Tensor out) { return tieSplit(a.lt(b), a.eq(b)); }
            @Override Tensor partialB(Tensor a, Tensor b, Tensor out) { return tieSplit(b.lt(a), a.eq(b)); }
        };

        private final String label;
        private final int code;

        Binary(String label, int code) {
            this.label = label;
            this.code = code;
        }

        /** ∂out/∂a as a tensor expression, for the element-wise case; null means 1. */
        abstract Tensor partialA(Tensor a, Tensor b, Tensor out);

        /** ∂out/∂b as a tensor expression, for the element-wise case; null means ±1 (add, sub). */
        abstract Tensor partialB(Tensor a, Tensor b, Tensor out);

        @Override
        public String opName() {
            return label;
        }

        @Override
        public String toString() {
            return label;
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.binary(label, code, in[0], in[1]);
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
                r = da == null ? ta : ta.mul(da);
            }
            if (tb != null) {
                Tensor term;
                if (this == ADD) {
                    term = tb;
                } else if (this == SUB) {
                    term = tb.neg();
                } else {
                    term = tb.mul(partialB(p[0], p[1], out));
                }
                // The sum broadcasts its operands (a scalar tangent is read with stride 0), so only what
                // is still smaller than the output at the end is materialised.
                r = addOrNull(r, term);
            }
            return broadcastTangent(r, shape);
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
                if (this == ADD) {
                    g = ct;
                } else if (this == SUB) {
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

    /** Element-wise comparisons (1 where true, 0 where false): piecewise constant, so every derivative is zero. */
    enum Compare implements Primitive {
        LT(Kernels.LT), LE(Kernels.LE), GT(Kernels.GT), GE(Kernels.GE), EQ(Kernels.EQ), NE(Kernels.NE);

        private final String label = name().toLowerCase(Locale.ROOT);
        private final int code;

        Compare(int code) {
            this.code = code;
        }

        @Override
        public String opName() {
            return label;
        }

        @Override
        public String toString() {
            return label;
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.binary(label, code, in[0], in[1]);
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

    /** where(cond, a, b) with broadcasting; the condition gets no derivative. */
    enum Where implements Primitive {
        WHERE;

        @Override
        public String opName() {
            return "where";
        }

        @Override
        public String toString() {
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

    /** What a {@link Reduce} computes along its axis; the kernels' codes are the ordinals. */
    enum ReduceKind { SUM, MAX, MIN }

    /** Sum, max or min along one axis. */
    static final class Reduce implements Primitive {
        final ReduceKind kind;
        final int axis;
        final boolean keepDims;

        Reduce(ReduceKind kind, int axis, boolean keepDims) {
            this.kind = kind;
            this.axis = axis;
            this.keepDims = keepDims;
        }

        @Override
        public String opName() {
            return switch (kind) {
                case SUM -> "sum";
                case MAX -> "max";
                case MIN -> "min";
            };
        }

        @Override
        public String toString() {
            return opName();
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            return Kernels.reduce(in[0], axis, keepDims, kind.ordinal());
        }

        /** Expands a reduced tensor back to the input's shape. */
        private Tensor expand(Tensor r, int[] inShape) {
            Tensor k = keepDims ? r : r.expandDims(axis);
            return k.broadcastTo(inShape);
        }

        /** A reduced tensor with the reduced axis kept (length 1): it broadcasts against the input. */
        private Tensor keep(Tensor r) {
            return keepDims ? r : r.expandDims(axis);
        }

        /**
         * For max/min: the share of the derivative each input entry gets (ties split equally). The
         * reduced values and counts are read with stride 0 along the axis by the kernels, not
         * broadcast into arrays of the input's size first.
         */
        private Tensor selector(Tensor x, Tensor out) {
            Tensor mask = x.eq(keep(out));
            Tensor count = mask.sum(axis, true);
            return mask.div(count);
        }

        @Override
        public Tensor jvp(Tensor[] p, Tensor[] t, Tensor out) {
            if (t[0] == null) {
                return null;
            }
            return switch (kind) {
                case SUM -> t[0].sum(axis, keepDims);
                case MAX, MIN -> t[0].mul(selector(p[0], out)).sum(axis, keepDims);
            };
        }

        @Override
        public Tensor[] vjp(Tensor[] p, Tensor out, Tensor ct, boolean[] needed) {
            return new Tensor[] {switch (kind) {
                // Every input entry gets the cotangent of its slice: a broadcast view of it when concrete (the
                // consuming kernels read it with stride 0), the differentiable broadcast under a higher order.
                case SUM -> ct.isTraced() ? expand(ct, p[0].shapeRef())
                        : Tensor.broadcastView(keep(ct), p[0].shapeRef());
                // The product broadcasts the cotangent: it is not materialised at the input's size first.
                case MAX, MIN -> keep(ct).mul(selector(p[0], out));
            }};
        }
    }

    // ---------------------------------------------------------------- shape operations

    static final class Reshape implements Primitive {
        final int[] shape;

        Reshape(int[] shape) {
            this.shape = shape;
        }

        @Override
        public String opName() {
            return "reshape";
        }

        @Override
        public Tensor evaluate(Tensor[] in) {
            Tensor source = in[0].broadcastSource();
            if (source != in[0] && source.size() == 1) {
                // A view repeating one value stays a view in any shape (the reverse pass of sum() over a matrix).
                return Tensor.broadcastView(source.reshape(), shape);
            }
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

    static final class BroadcastTo implements Primitive {
        final int[] shape;

        BroadcastTo(int[] shape) {
            this.shape = shape;
        }

        @Override
        public String opName() {
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

    static final class Transpose implements Primitive {
        final int[] perm;

        Transpose(int[] perm) {
            this.perm = perm;
        }

        @Override
        public String opName() {
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

    static final class Slice implements Primitive {
        final int axis;
        final int start;
        final int end;

        Slice(int axis, int start, int end) {
            this.axis = axis;
            this.start = start;
            this.end = end;
        }

        @Override
        public String opName() {
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

    static final class Pad implements Primitive {
        final int axis;
        final int before;
        final int after;

        Pad(int axis, int before, int after) {
            this.axis = axis;
            this.before = before;
            this.after = after;
        }

        @Override
        public String opName() {
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

    static final class Take implements Primitive {
        final int[] indices;
        final int axis;

        Take(int[] indices, int axis) {
            this.indices = indices;
            this.axis = axis;
        }

        @Override
        public String opName() {
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

    static final class ScatterAdd implements Primitive {
        final int[] indices;
        final int axis;
        final int size;

        ScatterAdd(int[] indices, int axis, int size) {
            this.indices = indices;
            this.axis = axis;
            this.size = size;
        }

        @Override
        public String opName() {
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

    static final class Concatenate implements Primitive {
        final int axis;

        Concatenate(int axis) {
            this.axis = axis;
        }

        @Override
        public String opName() {
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
    static final class MatMul implements Primitive {
        final boolean transA;
        final boolean transB;

        MatMul(boolean transA, boolean transB) {
            this.transA = transA;
            this.transB = transB;
        }

        @Override
        public String opName() {
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
