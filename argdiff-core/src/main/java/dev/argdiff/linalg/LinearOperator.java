package dev.argdiff.linalg;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.ClosureConversion;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A square linear map v ↦ A·v on trees of tensors of a fixed structure (a vector, a matrix, a
 * record of several tensors), given by its matrix-vector product.
 *
 * <p>An operator has explicit <em>parameters</em>: a tree of tensors on which A depends and with
 * respect to which {@link LinearSolve#solve} is differentiable (d x = A⁻¹(db − dA·x)). Traced
 * tensors a matvec captures from its enclosing scope are differentiated too: the solve lifts
 * them into the parameters (closure conversion) before solving.
 *
 * <p>The transpose product is given, or derived by reverse-mode differentiation of the matvec
 * (which is linear in v). Structure {@link Tag tags} let {@link LinearSolver#auto()} choose a
 * method. Immutable.
 *
 * @param <V> the tree type of the vectors
 */
public final class LinearOperator<V> {

    private enum Kind { MATRIX, MATRIX_TRANSPOSED, MATVEC }

    private final Kind kind;
    private final Object params;
    private final BiFunction<Object, V, V> matvec;
    private final BiFunction<Object, V, V> rmatvec;
    private final V like;
    private final Set<Tag> tags;
    private final double shift;
    private final int size;

    private LinearOperator(Kind kind, Object params, BiFunction<Object, V, V> matvec, BiFunction<Object, V, V> rmatvec,
                           V like, Set<Tag> tags, double shift) {
        this.kind = kind;
        this.params = params;
        this.matvec = matvec;
        this.rmatvec = rmatvec;
        this.like = like;
        this.tags = Collections.unmodifiableSet(tags.isEmpty() ? EnumSet.noneOf(Tag.class) : EnumSet.copyOf(tags));
        this.shift = shift;
        this.size = Pytree.size(like);
    }

    // ------------------------------------------------------------------ construction

    /** The operator of a square matrix; the matrix is its parameter. */
    public static LinearOperator<Tensor> fromMatrix(Tensor matrix) {
        if (matrix == null) {
            throw new IllegalArgumentException("LinearOperator.fromMatrix: matrix is null");
        }
        int[] s = matrix.shape();
        if (s.length != 2 || s[0] != s[1]) {
            throw new IllegalArgumentException("LinearOperator.fromMatrix: needs a square matrix, got shape "
                    + Arrays.toString(s));
        }
        return new LinearOperator<>(Kind.MATRIX, matrix, (p, v) -> ((Tensor) p).matmul(v),
                (p, w) -> ((Tensor) p).transposeMatmul(w), Tensor.zeros(s[0]), EnumSet.noneOf(Tag.class), 0.0);
    }

    /**
     * An operator given by a matvec with no differentiable parameters; {@code like} fixes the
     * structure and shapes of the vectors.
     */
    public static <V> LinearOperator<V> fromMatvec(Function<V, V> matvec, V like) {
        if (matvec == null) {
            throw new IllegalArgumentException("LinearOperator.fromMatvec: matvec is null");
        }
        return fromMatvec(List.of(), (List<Tensor> p, V v) -> matvec.apply(v), like);
    }

    /**
     * An operator whose matvec depends differentiably on {@code params} (any tree of tensors);
     * {@code like} fixes the structure and shapes of the vectors.
     */
    @SuppressWarnings("unchecked")
    public static <P, V> LinearOperator<V> fromMatvec(P params, BiFunction<P, V, V> matvec, V like) {
        if (matvec == null) {
            throw new IllegalArgumentException("LinearOperator.fromMatvec: matvec is null");
        }
        if (like == null || Pytree.leaves(like).isEmpty()) {
            throw new IllegalArgumentException("LinearOperator.fromMatvec: like must be a tree with at least one tensor, got "
                    + like);
        }
        return new LinearOperator<>(Kind.MATVEC, params, (p, v) -> matvec.apply((P) p, v), null, like,
                EnumSet.noneOf(Tag.class), 0.0);
    }

    /** This operator with a known transpose product (same parameters). */
    @SuppressWarnings("unchecked")
    public <P> LinearOperator<V> withTranspose(BiFunction<P, V, V> transposeMatvec) {
        return new LinearOperator<>(kind, params, matvec, (p, w) -> transposeMatvec.apply((P) p, w), like, tags, shift);
    }

    /** This operator declaring structure tags (a dense matrix declared symmetric is checked). */
    public LinearOperator<V> withTags(Tag... newTags) {
        EnumSet<Tag> t = tags.isEmpty() ? EnumSet.noneOf(Tag.class) : EnumSet.copyOf(tags);
        t.addAll(Arrays.asList(newTags));
        if (t.contains(Tag.SYMMETRIC) && (kind == Kind.MATRIX || kind == Kind.MATRIX_TRANSPOSED)) {
            checkSymmetric((Tensor) params);
        }
        return new LinearOperator<>(kind, params, matvec, rmatvec, like, t, shift);
    }

    private static void checkSymmetric(Tensor m) {
        double[] a = m.toArray();
        int n = m.shape()[0];
        double scale = 0;
        for (double v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (Math.abs(a[i * n + j] - a[j * n + i]) > 1e-12 * scale) {
                    throw new IllegalArgumentException("LinearOperator.withTags: matrix declared SYMMETRIC is not: entry ("
                            + i + ", " + j + ") = " + a[i * n + j] + " but (" + j + ", " + i + ") = " + a[j * n + i]);
                }
            }
        }
    }

    /**
     * A + ridge·I. Keeps the tags, except that a negative ridge drops {@link Tag#POSITIVE_DEFINITE}
     * (it can make the operator indefinite, and a stale tag would send {@link LinearSolver#auto()}
     * to Cholesky or CG).
     */
    public LinearOperator<V> plusIdentity(double ridge) {
        if (!Double.isFinite(ridge)) {
            throw new IllegalArgumentException("LinearOperator.plusIdentity: ridge must be finite, got " + ridge);
        }
        EnumSet<Tag> t = tags.isEmpty() ? EnumSet.noneOf(Tag.class) : EnumSet.copyOf(tags);
        if (ridge < 0) {
            t.remove(Tag.POSITIVE_DEFINITE);
        }
        return new LinearOperator<>(kind, params, matvec, rmatvec, like, t, shift + ridge);
    }

    /** Aᵀ: the transpose product (given or derived) becomes the product. */
    public LinearOperator<V> transpose() {
        BiFunction<Object, V, V> forward = matvec;
        BiFunction<Object, V, V> backward = rmatvec != null ? rmatvec : derivedTranspose(matvec, like);
        Kind k = kind == Kind.MATRIX ? Kind.MATRIX_TRANSPOSED : kind == Kind.MATRIX_TRANSPOSED ? Kind.MATRIX : kind;
        return new LinearOperator<>(k, params, backward, forward, like, tags, shift);
    }

    /** (Aᵀ·w) = ∇_v ⟨w, A·v⟩, by reverse mode; A·v is linear in v so any v will do. */
    private static <V> BiFunction<Object, V, V> derivedTranspose(BiFunction<Object, V, V> matvec, V like) {
        return (p, w) -> Autodiff.vjp((V v) -> matvec.apply(p, v), Pytree.zerosLike(like)).pullback().apply(w);
    }

    /** The composition this·inner (apply inner first); parameters of both are kept. */
    @SuppressWarnings("unchecked")
    public LinearOperator<V> compose(LinearOperator<V> inner) {
        if (inner.size != size) {
            throw new IllegalArgumentException("LinearOperator.compose: sizes " + size + " and " + inner.size + " differ");
        }
        LinearOperator<V> outer = this;
        BiFunction<Object, V, V> mv = (p, v) -> {
            List<Object> ps = (List<Object>) p;
            return outer.apply(ps.get(0), inner.apply(ps.get(1), v));
        };
        LinearOperator<V> outerT = outer.transpose();
        LinearOperator<V> innerT = inner.transpose();
        BiFunction<Object, V, V> rmv = (p, w) -> {
            List<Object> ps = (List<Object>) p;
            return innerT.apply(ps.get(1), outerT.apply(ps.get(0), w));
        };
        return new LinearOperator<>(Kind.MATVEC, List.of(params, inner.params), mv, rmv, like,
                EnumSet.noneOf(Tag.class), 0.0);
    }

    /**
     * Whether {@code other} computes the same map at equal parameter values: the same product
     * functions (not merely equal ones), kind, ridge, tags and vector structure. True for
     * {@link #withParams} copies of one operator; used to reuse a prepared solver.
     */
    boolean sameMap(LinearOperator<?> other) {
        return kind == other.kind && matvec == other.matvec && rmatvec == other.rmatvec && like == other.like
                && shift == other.shift && tags.equals(other.tags);
    }

    /** Whether this is {@code other.transpose()} up to parameters (only when the transpose product was given). */
    boolean isTransposeOf(LinearOperator<?> other) {
        return other.rmatvec != null && matvec == other.rmatvec && rmatvec == other.matvec && like == other.like
                && shift == other.shift && tags.equals(other.tags) && isMatrix() == other.isMatrix()
                && (kind == Kind.MATVEC || kind != other.kind);
    }

    // ------------------------------------------------------------------ use

    /** A·v (differentiable in v and in the parameters). */
    public V apply(V v) {
        return apply(params, v);
    }

    /** A·v with other parameter values (of the same structure). */
    public V apply(Object withParams, V v) {
        V out = matvec.apply(withParams, v);
        if (shift != 0.0) {
            double s = shift;
            out = Pytree.map2(out, v, (a, b) -> a.add(b.mul(s)));
        }
        return out;
    }

    /**
     * This operator with the traced values of enclosing transforms that its products capture
     * (through closures: a matvec {@code v -> A(t).matmul(v)} reading a traced t) lifted into its
     * parameters, which become {@code [params, captured]}; the products run with the captured
     * values replaced by those parameters (closure conversion), so {@link LinearSolve} gives them
     * their derivative. Found by one product (and one transpose product, if given) at the concrete
     * parameters. Returns this operator when nothing is captured or no transform is active.
     */
    @SuppressWarnings("unchecked")
    LinearOperator<V> withCapturesLifted() {
        if (kind != Kind.MATVEC || Dispatch.depth() == 0) {
            return this;
        }
        double[] ones = new double[size];
        Arrays.fill(ones, 1.0);
        V probe = Pytree.fromArray(like, ones);
        Object concreteParams = Autodiff.stopGradient(params);
        ClosureConversion.Discovered<Object> d = ClosureConversion.discover(() -> {
            matvec.apply(concreteParams, probe);
            if (rmatvec != null) {
                rmatvec.apply(concreteParams, probe);
            }
            return null;
        });
        if (d.captured().isEmpty()) {
            return this;
        }
        ClosureConversion.Closure closure = d.closure();
        BiFunction<Object, V, V> mv = (p, v) -> closure.run((List<Tensor>) ((List<Object>) p).get(1),
                () -> matvec.apply(((List<Object>) p).get(0), v));
        BiFunction<Object, V, V> rmv = rmatvec == null ? null : (p, w) -> closure.run(
                (List<Tensor>) ((List<Object>) p).get(1), () -> rmatvec.apply(((List<Object>) p).get(0), w));
        return new LinearOperator<>(kind, Arrays.asList(params, d.captured()), mv, rmv, like, tags, shift);
    }

    /** The same operator with other parameter values (of the same structure). */
    public LinearOperator<V> withParams(Object newParams) {
        return new LinearOperator<>(kind, newParams, matvec, rmatvec, like, tags, shift);
    }

    /** The parameters (a tree of tensors). */
    public Object params() {
        return params;
    }

    /** A zero vector of the operator's structure. */
    public V zeroVector() {
        return Pytree.zerosLike(like);
    }

    /** The number of scalar unknowns. */
    public int size() {
        return size;
    }

    /** The structural properties declared for this operator. */
    public Set<Tag> tags() {
        return tags;
    }

    /** Whether this operator was declared to have {@code tag}. */
    public boolean has(Tag tag) {
        return tags.contains(tag);
    }

    /** Whether the operator is an explicit matrix (or its transpose), read without products. */
    public boolean isMatrix() {
        return kind == Kind.MATRIX || kind == Kind.MATRIX_TRANSPOSED;
    }

    /** The ridge added to the diagonal by {@link #plusIdentity}. */
    public double shift() {
        return shift;
    }

    /**
     * The dense row-major matrix of this operator at its concrete parameter values: read
     * directly for a matrix operator, otherwise built column by column with n products.
     */
    public double[] toDenseArray() {
        int n = size;
        double[] a;
        if (kind == Kind.MATRIX || kind == Kind.MATRIX_TRANSPOSED) {
            Tensor m = ((Tensor) params).concrete();
            a = (kind == Kind.MATRIX ? m : m.transpose()).toArray();
        } else {
            a = new double[n * n];
            Object concreteParams = Autodiff.stopGradient(params);
            double[] e = new double[n];
            for (int j = 0; j < n; j++) {
                e[j] = 1.0;
                double[] col = Pytree.toArray(matvec.apply(concreteParams, Pytree.fromArray(like, e)));
                e[j] = 0.0;
                for (int i = 0; i < n; i++) {
                    a[i * n + j] = col[i];
                }
            }
        }
        if (shift != 0.0) {
            for (int i = 0; i < n; i++) {
                a[i * n + i] += shift;
            }
        }
        return a;
    }

    /** The diagonal at the concrete parameter values (read directly for a matrix, else n products). */
    public double[] diagonal() {
        int n = size;
        double[] d = new double[n];
        if (kind == Kind.MATRIX || kind == Kind.MATRIX_TRANSPOSED) {
            double[] a = ((Tensor) params).toArray();
            for (int i = 0; i < n; i++) {
                d[i] = a[i * n + i] + shift;
            }
            return d;
        }
        Object concreteParams = Autodiff.stopGradient(params);
        double[] e = new double[n];
        for (int j = 0; j < n; j++) {
            e[j] = 1.0;
            d[j] = Pytree.toArray(matvec.apply(concreteParams, Pytree.fromArray(like, e)))[j] + shift;
            e[j] = 0.0;
        }
        return d;
    }

    @Override
    public String toString() {
        return "LinearOperator(" + kind.name().toLowerCase() + ", n=" + size + ", tags=" + tags
                + (shift != 0 ? ", ridge=" + shift : "") + ")";
    }
}
