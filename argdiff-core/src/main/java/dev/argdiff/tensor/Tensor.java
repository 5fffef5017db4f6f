package dev.argdiff.tensor;

import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.internal.TracedTensors;
import dev.argdiff.tensor.internal.Tracer;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * An immutable n-dimensional array of doubles: a shape and contiguous row-major storage.
 *
 * <p>Operations are whole-array kernels with numpy broadcasting; a scalar is a 0-d tensor.
 * Inside a transform ({@code dev.argdiff.ad.Autodiff}) a tensor may be <em>traced</em>: it then
 * carries, besides its value, what the transform needs to differentiate it. Every operation
 * here works the same on traced and concrete tensors, which is what makes any function written
 * with them differentiable. Reading values out ({@link #toArray()}, {@link #item()}) always gives
 * the concrete value and is invisible to differentiation — so ordinary Java control flow
 * ({@code while (error > tol)}) works inside differentiated code.
 *
 * <p>Shape errors throw {@link ShapeException} naming the operation and the shapes.
 *
 * <pre>{@code
 * Tensor a = Tensor.of(new double[][] {{1, 2}, {3, 4}});    // a 2×2 matrix
 * Tensor v = Tensor.of(1, -1);                              // a vector
 * Tensor y = a.matmul(v).add(1.0);                          // [0, 0]: (1 − 2 + 1, 3 − 4 + 1)
 * double total = a.sum().item();                            // 10.0
 * Tensor rowMeans = a.mean(1);                              // [1.5, 3.5]
 * }</pre>
 *
 * <p>A concrete tensor is {@link Serializable} (to ship parameters and results to other
 * processes, e.g. Spark executors); a traced one refuses with {@link NotSerializableException}.
 */
public final class Tensor implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] shape;
    private final double[] data;
    private final transient Tracer tracer;
    /**
     * For a broadcast view (a concrete tensor whose storage is not written unless asked for): the
     * smaller tensor it repeats; null otherwise. Element-wise kernels read the source with stride 0;
     * anything else that needs the storage gets it materialized once ({@link #materialized}).
     */
    private final transient Tensor viewOf;
    private transient volatile double[] materialized;

    private Tensor(int[] shape, double[] data, Tracer tracer) {
        this(shape, data, tracer, null);
    }

    private Tensor(int[] shape, double[] data, Tracer tracer, Tensor viewOf) {
        this.shape = shape;
        this.data = data;
        this.tracer = tracer;
        this.viewOf = viewOf;
    }

    /** A broadcast view is serialized as its materialized value (an ordinary tensor). */
    private Object writeReplace() {
        return viewOf != null ? wrap(shape, data()) : this;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        if (tracer != null) {
            // Its derivative information lives on the tape of one thread; only the value could travel.
            throw new NotSerializableException("Tensor: a traced tensor (a value inside a transform) cannot be "
                    + "serialized; serialize its concrete value (Tensor.concrete()) outside the transform");
        }
        out.defaultWriteObject();
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (shape == null || data == null || shape.length > 0 && Arrays.stream(shape).anyMatch(d -> d < 0)
                || Shapes.size(shape) != data.length) {
            throw new InvalidObjectException("Tensor: serialized shape " + Arrays.toString(shape) + " does not match "
                    + (data == null ? "null data" : data.length + " values"));
        }
    }

    // ================================================================= construction

    /** Wraps storage without copying; callers in this package hand over ownership. */
    static Tensor wrap(int[] shape, double[] data) {
        return new Tensor(shape, data, null);
    }

    /**
     * The concrete tensor {@code source} broadcast to {@code shape} without writing the result: the
     * reverse pass of a sum hands each entry the same cotangent, and the kernels that consume it read
     * the source with stride 0 instead of an array of the input's size. Package use only; the caller
     * has checked that the shapes broadcast.
     */
    static Tensor broadcastView(Tensor source, int[] shape) {
        if (Arrays.equals(source.shape, shape)) {
            return source;
        }
        Tensor s = source.broadcastSource();
        return new Tensor(shape, null, null, s);
    }

    /** The tensor a broadcast view repeats, or this tensor. */
    Tensor broadcastSource() {
        return viewOf != null ? viewOf : this;
    }

    static {
        // Transform implementations make and read traced tensors through the internal package.
        TracedTensors.install(new TracedTensors.Access() {
            @Override
            public Tensor traced(Tracer tracer) {
                Tensor primal = tracer.primal();
                return new Tensor(primal.shape, null, tracer);
            }

            @Override
            public Tracer tracer(Tensor t) {
                return t.tracer;
            }

            @Override
            public Tensor sumInNewStorage(Tensor a, Tensor b) {
                return Kernels.sumInNewStorage(a, b);
            }

            @Override
            public void addInPlace(Tensor target, Tensor addend) {
                Kernels.addInPlace(target, addend);
            }
        });
    }

    /** A tensor with the given shape and values (copied), row-major. */
    public static Tensor of(int[] shape, double[] values) {
        if (shape == null) {
            throw new IllegalArgumentException("Tensor.of: shape is null");
        }
        if (values == null) {
            throw new IllegalArgumentException("Tensor.of: values is null");
        }
        Shapes.checkShape("Tensor.of", shape);
        if (Shapes.size(shape) != values.length) {
            throw new ShapeException("Tensor.of: shape " + Shapes.str(shape) + " needs " + Shapes.size(shape)
                    + " values, got " + values.length);
        }
        return new Tensor(shape.clone(), values.clone(), null);
    }

    /** A 1-d tensor of these values (copied). */
    public static Tensor of(double... values) {
        if (values == null) {
            throw new IllegalArgumentException("Tensor.of: values is null");
        }
        return new Tensor(new int[] {values.length}, values.clone(), null);
    }

    /** A 2-d tensor from rows of equal length (copied). */
    public static Tensor of(double[][] rows) {
        if (rows == null) {
            throw new IllegalArgumentException("Tensor.of: rows is null");
        }
        int m = rows.length;
        int n = m == 0 ? 0 : rows[0].length;
        double[] out = new double[Shapes.size("Tensor.of", m, n)];
        for (int i = 0; i < m; i++) {
            if (rows[i].length != n) {
                throw new ShapeException("Tensor.of: row " + i + " has length " + rows[i].length + ", row 0 has " + n);
            }
            System.arraycopy(rows[i], 0, out, i * n, n);
        }
        return new Tensor(new int[] {m, n}, out, null);
    }

    /** A 0-d tensor. */
    public static Tensor scalar(double value) {
        return new Tensor(Shapes.SCALAR, new double[] {value}, null);
    }

    /** A tensor of zeros of this shape. */
    public static Tensor zeros(int... shape) {
        return new Tensor(shape.clone(), new double[Shapes.size("zeros", shape)], null);
    }

    /** A tensor of ones of this shape. */
    public static Tensor ones(int... shape) {
        return full(1.0, shape);
    }

    /** A tensor of this shape filled with {@code value}. */
    public static Tensor full(double value, int... shape) {
        double[] d = new double[Shapes.size("full", shape)];
        Arrays.fill(d, value);
        return new Tensor(shape.clone(), d, null);
    }

    /** The n×n identity matrix. */
    public static Tensor eye(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("eye: n must be >= 0, got " + n);
        }
        double[] d = new double[Shapes.size("eye", n, n)];
        for (int i = 0; i < n; i++) {
            d[i * n + i] = 1.0;
        }
        return new Tensor(new int[] {n, n}, d, null);
    }

    /** 0, 1, …, n−1. */
    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** start, start+step, … (exclusive of stop). */
    public static Tensor arange(double start, double stop, double step) {
        if (step == 0 || !Double.isFinite(step)) {
            throw new IllegalArgumentException("arange: step must be finite and non-zero, got " + step);
        }
        if (!Double.isFinite(start) || !Double.isFinite(stop)) {
            throw new IllegalArgumentException("arange: start and stop must be finite, got start " + start
                    + " and stop " + stop);
        }
        int n = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = start + i * step;
        }
        return new Tensor(new int[] {n}, d, null);
    }

    /** n evenly spaced values from start to stop inclusive. */
    public static Tensor linspace(double start, double stop, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("linspace: n must be >= 0, got " + n);
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = n == 1 ? start : start + (stop - start) * i / (n - 1);
        }
        return new Tensor(new int[] {n}, d, null);
    }

    /** Uniform values in [0, 1) from a seeded generator (deterministic for a seed). */
    public static Tensor randomUniform(long seed, int... shape) {
        Shapes.checkShape("randomUniform", shape);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] d = new double[Shapes.size(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextDouble();
        }
        return new Tensor(shape.clone(), d, null);
    }

    /** Standard normal values from a seeded generator (Box–Muller; deterministic for a seed). */
    public static Tensor randomNormal(long seed, int... shape) {
        Shapes.checkShape("randomNormal", shape);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] d = new double[Shapes.size(shape)];
        for (int i = 0; i < d.length; i += 2) {
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            d[i] = r * Math.cos(2 * Math.PI * u2);
            if (i + 1 < d.length) {
                d[i + 1] = r * Math.sin(2 * Math.PI * u2);
            }
        }
        return new Tensor(shape.clone(), d, null);
    }

    /** A tensor of zeros of the shape of {@code t}. */
    public static Tensor zerosLike(Tensor t) {
        return zeros(t.shape);
    }

    /** A tensor of ones of the shape of {@code t}. */
    public static Tensor onesLike(Tensor t) {
        return ones(t.shape);
    }

    // ================================================================= inspection

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    int[] shapeRef() {
        return shape;
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The number of elements. */
    public int size() {
        return Shapes.size(shape);
    }

    /** The length of axis i (negative counts from the end). */
    public int dim(int axis) {
        return shape[Shapes.axis("dim", axis, shape.length)];
    }

    /** Whether this tensor is traced by an active transform. */
    public boolean isTraced() {
        return tracer != null;
    }

    /** The concrete value, with every level of tracing removed (no derivative flows through). */
    public Tensor concrete() {
        Tensor t = this;
        while (t.tracer != null) {
            t = t.tracer.primal();
        }
        return t;
    }

    /** The concrete storage (not copied); package use only. */
    double[] data() {
        if (data != null) {
            return data;
        }
        if (viewOf != null) {
            double[] m = materialized;
            if (m == null) {
                // Two threads may both fill an array; either is the same value, and the storage of a tensor
                // is never written once it is handed out (a reverse pass accumulates into storage it owns).
                m = Kernels.broadcastTo(viewOf, shape).data();
                materialized = m;
            }
            return m;
        }
        return concrete().data();
    }

    /** The values in row-major order (a copy of the concrete value). */
    public double[] toArray() {
        return data().clone();
    }

    /** A 2-d tensor's rows as Java arrays. */
    public double[][] toArray2d() {
        if (shape.length != 2) {
            throw new ShapeException("toArray2d: needs a 2-d tensor, got shape " + Shapes.str(shape));
        }
        double[] d = data();
        double[][] out = new double[shape[0]][];
        for (int i = 0; i < shape[0]; i++) {
            out[i] = Arrays.copyOfRange(d, i * shape[1], (i + 1) * shape[1]);
        }
        return out;
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (size() != 1) {
            throw new ShapeException("item: needs a tensor with one element, got shape " + Shapes.str(shape));
        }
        return data()[0];
    }

    /** The entry at an index (concrete value). */
    public double get(int... index) {
        if (index.length != shape.length) {
            throw new ShapeException("get: index of length " + index.length + " for shape " + Shapes.str(shape));
        }
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("get: index " + Arrays.toString(index) + " out of bounds for shape "
                        + Shapes.str(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return data()[flat];
    }

    /** Whether every entry is finite. */
    public boolean isFinite() {
        for (double v : data()) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    // ================================================================= elementwise

    private static Tensor unary(Ops.Unary kind, Tensor x) {
        return Dispatch.bind(kind, x);
    }

    private static Tensor binary(Ops.Binary kind, Tensor x, Tensor y) {
        if (y == null) {
            throw new IllegalArgumentException(kind.name().toLowerCase() + ": other operand is null");
        }
        return Dispatch.bind(kind, x, y);
    }

    private static Tensor compare(Ops.Compare kind, Tensor x, Tensor y) {
        return Dispatch.bind(kind, x, y);
    }

    /** this + other, with broadcasting. */
    public Tensor add(Tensor other) {
        return binary(Ops.Binary.ADD, this, other);
    }

    /** this + other. */
    public Tensor add(double other) {
        return add(scalar(other));
    }

    /** this − other, with broadcasting. */
    public Tensor sub(Tensor other) {
        return binary(Ops.Binary.SUB, this, other);
    }

    /** this − other. */
    public Tensor sub(double other) {
        return sub(scalar(other));
    }

    /** other − this. */
    public Tensor rsub(double other) {
        return scalar(other).sub(this);
    }

    /** this · other elementwise, with broadcasting. */
    public Tensor mul(Tensor other) {
        return binary(Ops.Binary.MUL, this, other);
    }

    /** this · other. */
    public Tensor mul(double other) {
        return mul(scalar(other));
    }

    /** this / other, with broadcasting. */
    public Tensor div(Tensor other) {
        return binary(Ops.Binary.DIV, this, other);
    }

    /** this / other. */
    public Tensor div(double other) {
        return div(scalar(other));
    }

    /** 1 / this. */
    public Tensor reciprocal() {
        return scalar(1.0).div(this);
    }

    /** this raised to {@code exponent} elementwise, with broadcasting. */
    public Tensor pow(Tensor exponent) {
        return binary(Ops.Binary.POW, this, exponent);
    }

    /** this raised to {@code exponent} elementwise. */
    public Tensor pow(double exponent) {
        if (exponent == 2.0) {
            return square();
        }
        if (exponent == 1.0) {
            return this;
        }
        return pow(scalar(exponent));
    }

    /** −this. */
    public Tensor neg() {
        return unary(Ops.Unary.NEG, this);
    }

    /** Elementwise eˣ. */
    public Tensor exp() {
        return unary(Ops.Unary.EXP, this);
    }

    /** Elementwise natural logarithm. */
    public Tensor log() {
        return unary(Ops.Unary.LOG, this);
    }

    /** Elementwise log(1 + x), accurate near 0. */
    public Tensor log1p() {
        return unary(Ops.Unary.LOG1P, this);
    }

    /** Elementwise eˣ − 1, accurate near 0. */
    public Tensor expm1() {
        return unary(Ops.Unary.EXPM1, this);
    }

    /** Elementwise square root. */
    public Tensor sqrt() {
        return unary(Ops.Unary.SQRT, this);
    }

    /** |x|; its derivative at 0 is taken as 0. */
    public Tensor abs() {
        return unary(Ops.Unary.ABS, this);
    }

    /** −1, 0 or 1; zero derivative. */
    public Tensor sign() {
        return unary(Ops.Unary.SIGN, this);
    }

    /** Elementwise x². */
    public Tensor square() {
        return mul(this);
    }

    /** Elementwise hyperbolic tangent. */
    public Tensor tanh() {
        return unary(Ops.Unary.TANH, this);
    }

    /** 1 / (1 + e^−x), evaluated without overflow. */
    public Tensor sigmoid() {
        return unary(Ops.Unary.SIGMOID, this);
    }

    /** log(1 + e^x), evaluated without overflow. */
    public Tensor softplus() {
        return unary(Ops.Unary.SOFTPLUS, this);
    }

    /** Elementwise sine. */
    public Tensor sin() {
        return unary(Ops.Unary.SIN, this);
    }

    /** Elementwise cosine. */
    public Tensor cos() {
        return unary(Ops.Unary.COS, this);
    }

    /** max(x, 0); its derivative at 0 is taken as 0. NaN stays NaN. */
    public Tensor relu() {
        // A select, not x·[x > 0]: the product gives NaN at x = −∞ (−∞·0).
        return where(le(0.0), scalar(0.0), this);
    }

    /** Elementwise maximum; at a tie each operand gets half the derivative. */
    public Tensor maximum(Tensor other) {
        return binary(Ops.Binary.MAX, this, other);
    }

    /** Elementwise max(this, other). */
    public Tensor maximum(double other) {
        return maximum(scalar(other));
    }

    /** Elementwise min(this, other), with broadcasting; at a tie each operand gets half the derivative. */
    public Tensor minimum(Tensor other) {
        return binary(Ops.Binary.MIN, this, other);
    }

    /** Elementwise min(this, other). */
    public Tensor minimum(double other) {
        return minimum(scalar(other));
    }

    // ---------------------------------------------------------------- fused updates (solvers' steps)

    /**
     * this + s·b in one pass: the update x + s·d of a solver's step. Equal, in value and in every
     * derivative, to {@code add(b.mul(s))}; on concrete operands of one shape it is one loop and
     * one output array (no intermediate s·b), with the same values bit for bit.
     *
     * @throws IllegalArgumentException if b is null
     * @throws ShapeException if the shapes do not broadcast
     */
    public Tensor addScaled(double s, Tensor b) {
        return Fused.axpy("addScaled", this, 1, s, null, b);
    }

    /**
     * this + s·b for a coefficient tensor s (differentiable, e.g. a step size; 0-d for the fused
     * loop, any broadcasting shape otherwise): {@code add(b.mul(s))}, fused as {@link #addScaled(double, Tensor)}.
     *
     * @throws IllegalArgumentException if s or b is null
     * @throws ShapeException if the shapes do not broadcast
     */
    public Tensor addScaled(Tensor s, Tensor b) {
        Fused.requireCoefficient("addScaled", "s", s);
        return Fused.axpy("addScaled", this, 1, 0, s, b);
    }

    /**
     * this − s·b in one pass: the gradient step x − s·∇f. Equal, in value and in every derivative,
     * to {@code sub(b.mul(s))}; fused on concrete operands of one shape as {@link #addScaled(double, Tensor)}.
     *
     * @throws IllegalArgumentException if b is null
     * @throws ShapeException if the shapes do not broadcast
     */
    public Tensor subScaled(double s, Tensor b) {
        return Fused.axpy("subScaled", this, -1, s, null, b);
    }

    /**
     * this − s·b for a coefficient tensor s: {@code sub(b.mul(s))}, fused as {@link #subScaled(double, Tensor)}.
     *
     * @throws IllegalArgumentException if s or b is null
     * @throws ShapeException if the shapes do not broadcast
     */
    public Tensor subScaled(Tensor s, Tensor b) {
        Fused.requireCoefficient("subScaled", "s", s);
        return Fused.axpy("subScaled", this, -1, 0, s, b);
    }

    /**
     * s·a + t·b in one pass: a momentum or extrapolation step (FISTA's y = x⁺ + β(x⁺ − x) is, up to rounding,
     * {@code linearCombination(1 + β, xNew, −β, x)}). Equal, in value and in every derivative, to
     * {@code a.mul(s).add(b.mul(t))}; one loop and one output array on concrete operands of one shape.
     *
     * @throws IllegalArgumentException if a or b is null
     * @throws ShapeException if the shapes do not broadcast
     */
    public static Tensor linearCombination(double s, Tensor a, double t, Tensor b) {
        return Fused.linearCombination(s, null, a, t, null, b);
    }

    /**
     * s·a + t·b for coefficient tensors (0-d for the fused loop): {@code a.mul(s).add(b.mul(t))},
     * fused as {@link #linearCombination(double, Tensor, double, Tensor)}.
     *
     * @throws IllegalArgumentException if any argument is null
     * @throws ShapeException if the shapes do not broadcast
     */
    public static Tensor linearCombination(Tensor s, Tensor a, Tensor t, Tensor b) {
        Fused.requireCoefficient("linearCombination", "s", s);
        Fused.requireCoefficient("linearCombination", "t", t);
        return Fused.linearCombination(0, s, a, 0, t, b);
    }

    /** Values limited to [lo, hi]; derivative 1 strictly inside, 0 strictly outside. */
    public Tensor clip(double lo, double hi) {
        if (Double.isNaN(lo) || Double.isNaN(hi)) {
            throw new IllegalArgumentException("clip: bounds must not be NaN, got lo " + lo + " and hi " + hi);
        }
        if (lo > hi) {
            throw new IllegalArgumentException("clip: lo " + lo + " is greater than hi " + hi);
        }
        Tensor inside = ge(lo).mul(le(hi));
        Tensor clipped = scalar(lo).maximum(scalar(hi).minimum(concrete()));
        // Derivative 1 inside the interval, 0 outside (not ½ at the boundaries as max/min would give).
        return where(inside, this, clipped);
    }

    /** x where cond ≠ 0, y elsewhere (broadcast); cond gets no derivative. */
    public static Tensor where(Tensor cond, Tensor x, Tensor y) {
        return Dispatch.bind(Ops.Where.WHERE, cond, x, y);
    }

    // comparisons: 0/1 results, zero derivative

    /** 1 where this &lt; o, else 0; zero derivative. */
    public Tensor lt(Tensor o) {
        return compare(Ops.Compare.LT, this, o);
    }

    /** 1 where this &lt; o, else 0; zero derivative. */
    public Tensor lt(double o) {
        return lt(scalar(o));
    }

    /** 1 where this ≤ o, else 0; zero derivative. */
    public Tensor le(Tensor o) {
        return compare(Ops.Compare.LE, this, o);
    }

    /** 1 where this ≤ o, else 0; zero derivative. */
    public Tensor le(double o) {
        return le(scalar(o));
    }

    /** 1 where this &gt; o, else 0; zero derivative. */
    public Tensor gt(Tensor o) {
        return compare(Ops.Compare.GT, this, o);
    }

    /** 1 where this &gt; o, else 0; zero derivative. */
    public Tensor gt(double o) {
        return gt(scalar(o));
    }

    /** 1 where this ≥ o, else 0; zero derivative. */
    public Tensor ge(Tensor o) {
        return compare(Ops.Compare.GE, this, o);
    }

    /** 1 where this ≥ o, else 0; zero derivative. */
    public Tensor ge(double o) {
        return ge(scalar(o));
    }

    /** 1 where this = o, else 0; zero derivative. */
    public Tensor eq(Tensor o) {
        return compare(Ops.Compare.EQ, this, o);
    }

    /** 1 where this = o, else 0; zero derivative. */
    public Tensor eq(double o) {
        return eq(scalar(o));
    }

    /** 1 where this ≠ o, else 0; zero derivative. */
    public Tensor ne(Tensor o) {
        return compare(Ops.Compare.NE, this, o);
    }

    /** 1 where this ≠ o, else 0; zero derivative. */
    public Tensor ne(double o) {
        return ne(scalar(o));
    }

    // ================================================================= reductions

    /** The sum of all entries (a 0-d tensor). */
    public Tensor sum() {
        return flatten().sum(0);
    }

    /** The sum along {@code axis}, which is removed. */
    public Tensor sum(int axis) {
        return sum(axis, false);
    }

    /** The sum along {@code axis}, kept with length 1 if {@code keepDims}. */
    public Tensor sum(int axis, boolean keepDims) {
        int a = Shapes.axis("sum", axis, shape.length);
        return Dispatch.bind(new Ops.Reduce(Ops.ReduceKind.SUM, a, keepDims), this);
    }

    /** The mean of all entries (a 0-d tensor). */
    public Tensor mean() {
        return sum().div(size());
    }

    /** The mean along {@code axis}, which is removed. */
    public Tensor mean(int axis) {
        return mean(axis, false);
    }

    /** The mean along {@code axis}, kept with length 1 if {@code keepDims}. */
    public Tensor mean(int axis, boolean keepDims) {
        return sum(axis, keepDims).div(shape[Shapes.axis("mean", axis, shape.length)]);
    }

    /** The largest entry; ties share the derivative equally. */
    public Tensor max() {
        requireNonEmpty("max");
        return flatten().max(0);
    }

    /** The maximum along {@code axis}, which is removed. */
    public Tensor max(int axis) {
        return max(axis, false);
    }

    /** The maximum along {@code axis}, kept with length 1 if {@code keepDims}. */
    public Tensor max(int axis, boolean keepDims) {
        int a = Shapes.axis("max", axis, shape.length);
        if (shape[a] == 0) {
            throw new ShapeException("max: axis " + axis + " of shape " + Shapes.str(shape) + " is empty");
        }
        return Dispatch.bind(new Ops.Reduce(Ops.ReduceKind.MAX, a, keepDims), this);
    }

    /** The minimum of all entries (a 0-d tensor). */
    public Tensor min() {
        requireNonEmpty("min");
        return flatten().min(0);
    }

    /** The minimum along {@code axis}, which is removed. */
    public Tensor min(int axis) {
        return min(axis, false);
    }

    /** The minimum along {@code axis}, kept with length 1 if {@code keepDims}. */
    public Tensor min(int axis, boolean keepDims) {
        int a = Shapes.axis("min", axis, shape.length);
        if (shape[a] == 0) {
            throw new ShapeException("min: axis " + axis + " of shape " + Shapes.str(shape) + " is empty");
        }
        return Dispatch.bind(new Ops.Reduce(Ops.ReduceKind.MIN, a, keepDims), this);
    }

    private void requireNonEmpty(String op) {
        if (size() == 0) {
            throw new ShapeException(op + ": empty tensor of shape " + Shapes.str(shape));
        }
    }

    /** log Σ exp(x), computed stably by shifting with the (non-differentiated) maximum. */
    public Tensor logsumexp() {
        return flatten().logsumexp(0);
    }

    /** log Σ exp along {@code axis}, which is removed. */
    public Tensor logsumexp(int axis) {
        return logsumexp(axis, false);
    }

    /** log Σ exp along {@code axis}, kept with length 1 if {@code keepDims}. */
    public Tensor logsumexp(int axis, boolean keepDims) {
        int a = Shapes.axis("logsumexp", axis, shape.length);
        Tensor m = concrete().max(a, true);
        Tensor finiteM = where(m.isFiniteMask(), m, scalar(0.0));
        Tensor s = sub(finiteM).exp().sum(a, true).log().add(finiteM);
        return keepDims ? s : s.reshape(Shapes.removeAxis(s.shape, a));
    }

    /**
     * The softmax along {@code axis}: exp(xᵢ − logsumexp(x)), each slice summing to 1. Computed
     * from {@link #logSoftmax(int)}, so it is stable for logits of any size; −∞ entries get
     * probability 0.
     *
     * @throws ShapeException if the axis is out of range or the tensor is empty
     */
    public Tensor softmax(int axis) {
        return logSoftmax(axis).exp();
    }

    /**
     * The log-softmax along {@code axis}: xᵢ − log Σⱼ exp(xⱼ), shifted by the maximum (the shift
     * cancels, so it carries no derivative).
     *
     * @throws ShapeException if the axis is out of range or the tensor is empty
     */
    public Tensor logSoftmax(int axis) {
        return sub(logsumexp(axis, true));
    }

    private Tensor isFiniteMask() {
        double[] d = data();
        double[] out = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = Double.isFinite(d[i]) ? 1 : 0;
        }
        return wrap(shape, out);
    }

    /** The Euclidean norm of all entries. The derivative at 0 is taken as 0. */
    public Tensor norm() {
        Tensor sq = square().sum();
        // sqrt has an infinite derivative at 0; guard so that the gradient of ‖0‖ is 0, not NaN.
        Tensor positive = sq.gt(0.0);
        Tensor safe = where(positive, sq, scalar(1.0));
        return where(positive, safe.sqrt(), scalar(0.0));
    }

    /** The 1-, 2- or ∞-norm of all entries ({@code ord} 1, 2 or {@code Double.POSITIVE_INFINITY}). */
    public Tensor norm(double ord) {
        if (ord == 2) {
            return norm();
        }
        if (ord == 1) {
            return abs().sum();
        }
        if (ord == Double.POSITIVE_INFINITY) {
            return abs().max();
        }
        throw new IllegalArgumentException("norm: ord must be 1, 2 or infinity, got " + ord);
    }

    /**
     * The 1-, 2- or ∞-norm along one axis ({@code ord} 1, 2 or {@code Double.POSITIVE_INFINITY}),
     * e.g. the row norms of a matrix with axis 1. The derivative of the 2-norm at 0 is taken as 0.
     */
    public Tensor norm(double ord, int axis, boolean keepDims) {
        int a = Shapes.axis("norm", axis, shape.length);
        if (ord == 1) {
            return abs().sum(a, keepDims);
        }
        if (ord == Double.POSITIVE_INFINITY) {
            return abs().max(a, keepDims);
        }
        if (ord != 2) {
            throw new IllegalArgumentException("norm: ord must be 1, 2 or infinity, got " + ord);
        }
        Tensor sq = square().sum(a, keepDims);
        // As for the norm of all entries: guard sqrt at 0 so that the derivative there is 0, not NaN.
        Tensor positive = sq.gt(0.0);
        Tensor safe = where(positive, sq, scalar(1.0));
        return where(positive, safe.sqrt(), scalar(0.0));
    }

    /** Σ x² of all entries. */
    public Tensor squaredNorm() {
        return square().sum();
    }

    // ================================================================= linear algebra

    /**
     * The matrix product with numpy's rules for 1-d operands: a 1-d left operand is a row, a
     * 1-d right operand a column, and the added axis is removed from the result. Two 1-d
     * operands give their inner product (0-d).
     */
    public Tensor matmul(Tensor other) {
        if (other == null) {
            throw new IllegalArgumentException("matmul: other operand is null");
        }
        int[] sa = shape;
        int[] sb = other.shape;
        if (sa.length == 0 || sb.length == 0 || sa.length > 2 || sb.length > 2) {
            throw new ShapeException("matmul: needs 1-d or 2-d operands, got shapes " + Shapes.str(sa) + " and "
                    + Shapes.str(sb));
        }
        int ka = sa[sa.length - 1];
        int kb = sb.length == 1 ? sb[0] : sb[0];
        if (ka != kb) {
            throw new ShapeException("matmul: shapes " + Shapes.str(sa) + " and " + Shapes.str(sb) + " do not align");
        }
        Tensor a = sa.length == 1 ? reshape(1, sa[0]) : this;
        Tensor b = sb.length == 1 ? other.reshape(sb[0], 1) : other;
        Shapes.size("matmul of " + Shapes.str(sa) + " and " + Shapes.str(sb), a.shape[0], b.shape[1]);
        Tensor c = Ops.MatMul.mm(a, b, false, false);
        if (sa.length == 1 && sb.length == 1) {
            return c.reshape();
        }
        if (sa.length == 1) {
            return c.reshape(c.shape[1]);
        }
        if (sb.length == 1) {
            return c.reshape(c.shape[0]);
        }
        return c;
    }

    /** Aᵀ·B without forming Aᵀ, for 2-d A (B 1-d or 2-d). */
    public Tensor transposeMatmul(Tensor other) {
        if (shape.length != 2 || other.shape.length == 0 || other.shape.length > 2 || shape[0] != other.shape[0]) {
            throw new ShapeException("transposeMatmul: shapes " + Shapes.str(shape) + " and " + Shapes.str(other.shape)
                    + " do not align (needs a 2-d left operand with as many rows as the right operand)");
        }
        Tensor b = other.shape.length == 1 ? other.reshape(other.shape[0], 1) : other;
        Shapes.size("transposeMatmul of " + Shapes.str(shape) + " and " + Shapes.str(other.shape),
                shape[1], b.shape[1]);
        Tensor c = Ops.MatMul.mm(this, b, true, false);
        return other.shape.length == 1 ? c.reshape(c.shape[0]) : c;
    }

    /** The inner product of two 1-d tensors, or {@link #matmul} otherwise. */
    public Tensor dot(Tensor other) {
        return matmul(other);
    }

    /** Σ xᵢyᵢ over all entries of two tensors of the same shape (a 0-d tensor). */
    public Tensor vdot(Tensor other) {
        if (!Arrays.equals(shape, other.shape)) {
            throw new ShapeException("vdot: shapes " + Shapes.str(shape) + " and " + Shapes.str(other.shape) + " differ");
        }
        if (shape.length == 1) {
            return matmul(other);
        }
        return flatten().matmul(other.flatten());
    }

    /** The outer product of two 1-d tensors. */
    public Tensor outer(Tensor other) {
        if (shape.length != 1 || other.shape.length != 1) {
            throw new ShapeException("outer: needs 1-d operands, got " + Shapes.str(shape) + " and "
                    + Shapes.str(other.shape));
        }
        return reshape(shape[0], 1).mul(other.reshape(1, other.shape[0]));
    }

    /** The transpose: reverses the axes (swaps them for a matrix). */
    public Tensor transpose() {
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = shape.length - 1 - i;
        }
        return transpose(perm);
    }

    /** Permutes the axes: axis i of the result is axis perm[i] of this tensor. */
    public Tensor transpose(int... perm) {
        if (perm.length != shape.length) {
            throw new ShapeException("transpose: permutation " + Arrays.toString(perm) + " for shape " + Shapes.str(shape));
        }
        boolean[] seen = new boolean[perm.length];
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) {
            int p = perm[i];
            if (p < 0 || p >= perm.length || seen[p]) {
                throw new ShapeException("transpose: " + Arrays.toString(perm) + " is not a permutation of the axes of "
                        + Shapes.str(shape));
            }
            seen[p] = true;
            identity &= p == i;
        }
        if (identity) {
            return this;
        }
        return Dispatch.bind(new Ops.Transpose(perm.clone()), this);
    }

    // ================================================================= shape

    /** The same values with another shape of the same size; one dimension may be −1 (inferred). */
    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new ShapeException("reshape: more than one -1 in " + Arrays.toString(newShape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new ShapeException("reshape: negative dimension in " + Arrays.toString(newShape));
            } else {
                known *= s[i];
            }
        }
        int n = size();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new ShapeException("reshape: cannot reshape " + Shapes.str(shape) + " to " + Arrays.toString(newShape));
            }
            s[infer] = (int) (n / known);
        }
        if (Shapes.size(s) != n) {
            throw new ShapeException("reshape: cannot reshape " + Shapes.str(shape) + " (" + n + " elements) to "
                    + Arrays.toString(newShape));
        }
        if (Arrays.equals(s, shape)) {
            return this;
        }
        return Dispatch.bind(new Ops.Reshape(s), this);
    }

    /** A 1-d view of all entries. */
    public Tensor flatten() {
        return reshape(size());
    }

    /** Inserts an axis of length 1. */
    public Tensor expandDims(int axis) {
        int a = axis < 0 ? axis + shape.length + 1 : axis;
        if (a < 0 || a > shape.length) {
            throw new ShapeException("expandDims: axis " + axis + " out of range for rank " + shape.length);
        }
        return reshape(Shapes.insertAxis(shape, a, 1));
    }

    /** Removes an axis of length 1. */
    public Tensor squeeze(int axis) {
        int a = Shapes.axis("squeeze", axis, shape.length);
        if (shape[a] != 1) {
            throw new ShapeException("squeeze: axis " + axis + " of shape " + Shapes.str(shape) + " has length " + shape[a]);
        }
        return reshape(Shapes.removeAxis(shape, a));
    }

    /** Broadcasts to a shape (numpy rules). */
    public Tensor broadcastTo(int... target) {
        if (!Shapes.broadcastsTo(shape, target)) {
            throw new ShapeException("broadcastTo: shape " + Shapes.str(shape) + " cannot be broadcast to "
                    + Arrays.toString(target));
        }
        if (Arrays.equals(shape, target)) {
            return this;
        }
        return Dispatch.bind(new Ops.BroadcastTo(target.clone()), this);
    }

    /** Entries start (inclusive) to end (exclusive) along an axis. */
    public Tensor slice(int axis, int start, int end) {
        int a = Shapes.axis("slice", axis, shape.length);
        if (start < 0 || end < start || end > shape[a]) {
            throw new ShapeException("slice: range [" + start + ", " + end + ") out of bounds for axis " + axis
                    + " of shape " + Shapes.str(shape));
        }
        if (start == 0 && end == shape[a]) {
            return this;
        }
        return Dispatch.bind(new Ops.Slice(a, start, end), this);
    }

    /** Rows (entries along axis 0) by index; indices may repeat. */
    public Tensor take(int... indices) {
        return take(indices, 0);
    }

    /** Entries along an axis by index; indices may repeat. */
    public Tensor take(int[] indices, int axis) {
        int a = Shapes.axis("take", axis, shape.length);
        for (int i : indices) {
            if (i < 0 || i >= shape[a]) {
                throw new IndexOutOfBoundsException("take: index " + i + " out of bounds for axis " + axis + " of shape "
                        + Shapes.str(shape));
            }
        }
        return Dispatch.bind(new Ops.Take(indices.clone(), a), this);
    }

    /** One row of a 2-d tensor (or entry of a 1-d one), without the taken axis. */
    public Tensor row(int i) {
        return slice(0, i, i + 1).squeeze(0);
    }

    /** Joins tensors along an existing axis. */
    public static Tensor concatenate(List<Tensor> parts, int axis) {
        if (parts == null || parts.isEmpty()) {
            throw new IllegalArgumentException("concatenate: needs at least one tensor");
        }
        int[] s0 = parts.get(0).shape;
        int a = Shapes.axis("concatenate", axis, s0.length);
        for (Tensor p : parts) {
            int[] s = p.shape;
            boolean ok = s.length == s0.length;
            for (int i = 0; ok && i < s.length; i++) {
                ok = i == a || s[i] == s0[i];
            }
            if (!ok) {
                throw new ShapeException("concatenate: shapes " + Shapes.str(s0) + " and " + Shapes.str(s)
                        + " differ outside axis " + axis);
            }
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return Dispatch.bind(new Ops.Concatenate(a), parts.toArray(new Tensor[0]));
    }

    /** Joins tensors of equal shape along a new axis. */
    public static Tensor stack(List<Tensor> parts, int axis) {
        if (parts == null || parts.isEmpty()) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        int[] s0 = parts.get(0).shape;
        Tensor[] expanded = new Tensor[parts.size()];
        for (int i = 0; i < expanded.length; i++) {
            if (!Arrays.equals(parts.get(i).shape, s0)) {
                throw new ShapeException("stack: shapes " + Shapes.str(s0) + " and " + Shapes.str(parts.get(i).shape)
                        + " differ");
            }
            expanded[i] = parts.get(i).expandDims(axis);
        }
        return concatenate(Arrays.asList(expanded), axis < 0 ? axis + s0.length + 1 : axis);
    }

    // ================================================================= value semantics

    /** Equal shapes and exactly equal concrete values (traced tensors compare by their values). */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Tensor)) {
            return false;
        }
        Tensor t = (Tensor) o;
        return Arrays.equals(shape, t.shape) && Arrays.equals(data(), t.data());
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data());
    }

    /** A readable rendering in numpy's style, abbreviated for large tensors. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("Tensor").append(Shapes.str(shape));
        if (tracer != null) {
            sb.append(" traced at level ").append(tracer.trace().level());
        }
        sb.append(' ');
        format(sb, data(), 0, 0);
        return sb.toString();
    }

    private void format(StringBuilder sb, double[] d, int axis, int offset) {
        if (axis == shape.length) {
            sb.append(formatNumber(d[offset]));
            return;
        }
        int n = shape[axis];
        int stride = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            stride *= shape[i];
        }
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (n > 10 && i == 3) {
                // Long axes show their first and last three entries, as numpy does.
                sb.append("..., ");
                i = n - 3;
            }
            format(sb, d, axis + 1, offset + i * stride);
        }
        sb.append(']');
    }

    private static String formatNumber(double v) {
        // Locale.ROOT: a decimal comma (German, French, ... default locales) would be ambiguous
        // with the separator between entries.
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        String s = String.format(Locale.ROOT, "%.6g", v);
        int e = s.indexOf('e');
        String mantissa = e < 0 ? s : s.substring(0, e);
        String exponent = e < 0 ? "" : s.substring(e);
        if (mantissa.contains(".")) {
            mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", ".0");
        }
        return mantissa + exponent;
    }
}
