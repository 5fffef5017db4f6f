package dev.argdiff.ad;

import dev.argdiff.backend.Blas;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.tensor.internal.Trace;
import dev.argdiff.tensor.internal.TracedTensors;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * Trees of tensors: the structure every transform and solver takes and returns.
 *
 * <p>A tree is a {@link Tensor} (a leaf), a {@link List}, a {@link Map} (flattened in sorted key
 * order), an array, a Java {@code record} whose components are trees, or an instance of a class
 * registered with {@link #register}. Anything else —
 * numbers (including boxed {@code Double}), strings, enums, null, configuration objects — is a
 * <em>static</em> leaf: carried through unchanged and never differentiated. Flattening lists the
 * tensor leaves depth-first; unflattening rebuilds the same structure with new leaves, so
 * {@code grad} of a function of a record returns a record of the same type. A transform refuses
 * an input whose static leaf is an object holding tensors in its fields (they would silently get
 * no derivative): make its class a record or register it.
 */
public final class Pytree {
    private Pytree() {
    }

    /** The tensor leaves of a tree and the structure to rebuild it. */
    public record Flat(List<Tensor> leaves, TreeDef def) {

        /**
         * Whether {@code other} has the same structure (static leaves included) and equal tensor
         * values; the same tensor is equal at once. Memos keyed by a tree's values use it.
         */
        public boolean sameValues(Flat other) {
            if (!def.sameStructure(other.def)) {
                return false;
            }
            for (int i = 0; i < leaves.size(); i++) {
                if (leaves.get(i) != other.leaves.get(i) && !leaves.get(i).equals(other.leaves.get(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Flattens a tree into its tensor leaves and its structure. */
    public static Flat flatten(Object tree) {
        List<Tensor> leaves = new ArrayList<>();
        TreeDef def = build(tree, leaves);
        return new Flat(Collections.unmodifiableList(leaves), def);
    }

    /** The tensor leaves of a tree, depth-first. */
    public static List<Tensor> leaves(Object tree) {
        return flatten(tree).leaves();
    }

    /** The same tree with every tensor leaf replaced by f(leaf). */
    @SuppressWarnings("unchecked")
    public static <T> T map(T tree, UnaryOperator<Tensor> f) {
        Flat flat = flatten(tree);
        List<Tensor> out = new ArrayList<>(flat.leaves().size());
        for (Tensor t : flat.leaves()) {
            out.add(f.apply(t));
        }
        return (T) flat.def().unflatten(out);
    }

    /** The tree with leaves f(a_leaf, b_leaf); both trees must have the same structure. */
    @SuppressWarnings("unchecked")
    public static <T> T map2(T a, T b, BinaryOperator<Tensor> f) {
        Flat fa = flatten(a);
        Flat fb = flatten(b);
        if (!fa.def().sameStructure(fb.def())) {
            throw new IllegalArgumentException("Pytree.map2: trees differ in structure: " + fa.def() + " vs " + fb.def());
        }
        List<Tensor> out = new ArrayList<>(fa.leaves().size());
        for (int i = 0; i < fa.leaves().size(); i++) {
            out.add(f.apply(fa.leaves().get(i), fb.leaves().get(i)));
        }
        return (T) fa.def().unflatten(out);
    }

    /** A tree of zeros shaped like {@code tree}. */
    public static <T> T zerosLike(T tree) {
        return map(tree, Tensor::zerosLike);
    }

    /** Σ over leaves of ⟨a, b⟩ (a 0-d tensor); trees of the same structure. */
    public static Tensor vdot(Object a, Object b) {
        Flat fa = flatten(a);
        Flat fb = flatten(b);
        if (fa.leaves().size() != fb.leaves().size()) {
            throw new IllegalArgumentException("Pytree.vdot: trees have " + fa.leaves().size() + " and "
                    + fb.leaves().size() + " leaves");
        }
        Tensor s = Tensor.scalar(0.0);
        for (int i = 0; i < fa.leaves().size(); i++) {
            s = s.add(fa.leaves().get(i).vdot(fb.leaves().get(i)));
        }
        return s;
    }

    /** Whether no tensor leaf of the tree is traced by an active transform. */
    public static boolean isConcrete(Object tree) {
        for (Tensor t : leaves(tree)) {
            if (t.isTraced()) {
                return false;
            }
        }
        return true;
    }

    /** The total number of entries of all tensor leaves. */
    public static int size(Object tree) {
        int n = 0;
        for (Tensor t : leaves(tree)) {
            n += t.size();
        }
        return n;
    }

    /** All leaf values concatenated (concrete values, row-major within each leaf). */
    public static double[] toArray(Object tree) {
        List<Tensor> leaves = leaves(tree);
        int n = 0;
        for (Tensor t : leaves) {
            n += t.size();
        }
        double[] out = new double[n];
        int k = 0;
        for (Tensor t : leaves) {
            double[] d = t.toArray();
            System.arraycopy(d, 0, out, k, d.length);
            k += d.length;
        }
        return out;
    }

    /** A tree shaped like {@code like} holding the values of a flat array (the inverse of {@link #toArray}). */
    @SuppressWarnings("unchecked")
    public static <T> T fromArray(T like, double[] values) {
        Flat flat = flatten(like);
        int n = 0;
        for (Tensor t : flat.leaves()) {
            n += t.size();
        }
        if (values.length != n) {
            throw new IllegalArgumentException("Pytree.fromArray: tree has " + n + " entries, array has " + values.length);
        }
        List<Tensor> out = new ArrayList<>();
        int k = 0;
        for (Tensor t : flat.leaves()) {
            out.add(Tensor.of(t.shape(), Arrays.copyOfRange(values, k, k + t.size())));
            k += t.size();
        }
        return (T) flat.def().unflatten(out);
    }

    // ------------------------------------------------------------------ registered node types

    /** How a registered class splits into children and is rebuilt from them. */
    private record Registration(Class<?> type, Function<Object, List<?>> flatten, Function<List<?>, ?> unflatten) {
    }

    /**
     * The registered node types. Process-wide, as the classes they describe: an entry is written
     * once (a second registration of a class is refused) and never changes, so a tree flattens
     * the same way on every thread.
     */
    private static final Map<Class<?>, Registration> REGISTRY = new ConcurrentHashMap<>();

    /**
     * Registers a class as a tree node, in the spirit of JAX's
     * {@code jax.tree_util.register_pytree_node}: {@code flatten} lists an instance's children
     * (each a tree: tensors, records, lists, … or static values), {@code unflatten} rebuilds an
     * instance from children of the same structure — with derivative values (a gradient, a
     * tangent) in place of the tensors, so it must not validate their values. Use it for argument
     * classes that are not records: plain final classes, Kotlin data classes, Scala case classes,
     * Lombok {@code @Value} classes. The exact class is matched (not subclasses).
     *
     * <pre>{@code
     * Pytree.register(Hyper.class, h -> List.of(h.l2reg(), h.name()),
     *         parts -> new Hyper((Tensor) parts.get(0), (String) parts.get(1)));
     * }</pre>
     *
     * @throws IllegalArgumentException if an argument is null, or the class is already a tree
     *                                  type (a tensor, list, map, array or record)
     * @throws IllegalStateException    if the class is already registered
     */
    @SuppressWarnings("unchecked")
    public static <T> void register(Class<T> type, Function<? super T, ? extends List<?>> flatten,
                                    Function<List<?>, ? extends T> unflatten) {
        if (type == null || flatten == null || unflatten == null) {
            throw new IllegalArgumentException("Pytree.register: type, flatten and unflatten must not be null");
        }
        if (Tensor.class.isAssignableFrom(type) || List.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type)
                || type.isArray() || type.isRecord() || type.isPrimitive()) {
            throw new IllegalArgumentException("Pytree.register: " + type.getName()
                    + " is already a tree type (tensor, list, map, array or record)");
        }
        Registration r = new Registration(type, (Function<Object, List<?>>) flatten, (Function<List<?>, ?>) unflatten);
        if (REGISTRY.putIfAbsent(type, r) != null) {
            throw new IllegalStateException("Pytree.register: " + type.getName() + " is already registered");
        }
    }

    /**
     * Refuses a tree whose static leaves hide tensors: an object of an unregistered, non-record
     * class holding a tensor in its fields is a static leaf, so a transform would silently give
     * that tensor no derivative. {@code tracedBy} null: any tensor counts (the input of a top-level
     * transform); otherwise only tensors traced by that trace (a transform's output).
     */
    static void requireNoHiddenTensors(String op, String what, Flat flat, Trace tracedBy) {
        checkHidden(op, what, flat.def(), tracedBy);
    }

    private static void checkHidden(String op, String what, TreeDef def, Trace tracedBy) {
        if (def instanceof NodeDef) {
            for (TreeDef c : ((NodeDef) def).children) {
                checkHidden(op, what, c, tracedBy);
            }
        } else if (def instanceof StaticDef) {
            Object v = ((StaticDef) def).value;
            if (v != null && !isPlainValue(v.getClass())
                    && HiddenTensors.find(v, t -> tracedBy == null || (t.isTraced() && TracedTensors.tracerOf(t).trace() == tracedBy))) {
                String name = v.getClass().getName();
                throw new IllegalArgumentException(op + ": the " + what + " holds a tensor inside an object of class "
                        + name + ", which is not a tree node (a record, List, Map, array, or a class registered with "
                        + "Pytree.register), so it would silently get no derivative. Make " + v.getClass().getSimpleName()
                        + " a record, or register it: Pytree.register(" + v.getClass().getSimpleName()
                        + ".class, flatten, unflatten)");
            }
        }
    }

    static boolean isPlainValue(Class<?> c) {
        return c.isPrimitive() || c.isEnum() || Number.class.isAssignableFrom(c) || c == String.class
                || c == Boolean.class || c == Character.class || c == Class.class
                || (c.isArray() && c.getComponentType().isPrimitive());
    }

    // ------------------------------------------------------------------ structure

    /** The structure of a tree: how to rebuild it from its leaves. Immutable. */
    public abstract static class TreeDef {
        private TreeDef() {
        }

        /** The number of tensor leaves. */
        public abstract int numLeaves();

        /** Rebuilds the tree from exactly {@link #numLeaves()} leaves. */
        public final Object unflatten(List<Tensor> leaves) {
            if (leaves.size() != numLeaves()) {
                throw new IllegalArgumentException("unflatten: structure " + this + " has " + numLeaves()
                        + " leaves, got " + leaves.size());
            }
            int[] pos = {0};
            return rebuild(leaves, pos);
        }

        abstract Object rebuild(List<Tensor> leaves, int[] pos);

        /** Equal structure (static leaves compared with equals). */
        public abstract boolean sameStructure(TreeDef other);
    }

    private static final class LeafDef extends TreeDef {
        static final LeafDef INSTANCE = new LeafDef();

        @Override
        public int numLeaves() {
            return 1;
        }

        @Override
        Object rebuild(List<Tensor> leaves, int[] pos) {
            return leaves.get(pos[0]++);
        }

        @Override
        public boolean sameStructure(TreeDef other) {
            return other instanceof LeafDef;
        }

        @Override
        public String toString() {
            return "*";
        }
    }

    private static final class StaticDef extends TreeDef {
        final Object value;

        StaticDef(Object value) {
            this.value = value;
        }

        @Override
        public int numLeaves() {
            return 0;
        }

        @Override
        Object rebuild(List<Tensor> leaves, int[] pos) {
            return value;
        }

        @Override
        public boolean sameStructure(TreeDef other) {
            return other instanceof StaticDef && Objects.equals(value, ((StaticDef) other).value);
        }

        @Override
        public String toString() {
            return "static(" + value + ")";
        }
    }

    private enum Kind { LIST, MAP, SORTED_MAP, ARRAY, RECORD, REGISTERED }

    private static final class NodeDef extends TreeDef {
        final Kind kind;
        final Class<?> type;
        final Object[] keys;
        final TreeDef[] children;
        final int numLeaves;
        final Registration registration;

        NodeDef(Kind kind, Class<?> type, Object[] keys, TreeDef[] children) {
            this(kind, type, keys, children, null);
        }

        NodeDef(Kind kind, Class<?> type, Object[] keys, TreeDef[] children, Registration registration) {
            this.registration = registration;
            this.kind = kind;
            this.type = type;
            this.keys = keys;
            this.children = children;
            int n = 0;
            for (TreeDef c : children) {
                n += c.numLeaves();
            }
            this.numLeaves = n;
        }

        @Override
        public int numLeaves() {
            return numLeaves;
        }

        @Override
        Object rebuild(List<Tensor> leaves, int[] pos) {
            Object[] parts = new Object[children.length];
            for (int i = 0; i < children.length; i++) {
                parts[i] = children[i].rebuild(leaves, pos);
            }
            switch (kind) {
                case LIST:
                    return Collections.unmodifiableList(new ArrayList<>(Arrays.asList(parts)));
                case MAP: {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < parts.length; i++) {
                        m.put(keys[i], parts[i]);
                    }
                    return Collections.unmodifiableMap(m);
                }
                case SORTED_MAP: {
                    SortedMap<Object, Object> m = new TreeMap<>();
                    for (int i = 0; i < parts.length; i++) {
                        m.put(keys[i], parts[i]);
                    }
                    return Collections.unmodifiableSortedMap(m);
                }
                case ARRAY: {
                    Object arr = Array.newInstance(type, parts.length);
                    for (int i = 0; i < parts.length; i++) {
                        Array.set(arr, i, parts[i]);
                    }
                    return arr;
                }
                case RECORD:
                    return newRecord(type, parts);
                case REGISTERED:
                    return registration.unflatten().apply(Collections.unmodifiableList(Arrays.asList(parts)));
                default:
                    throw new AssertionError(kind);
            }
        }

        @Override
        public boolean sameStructure(TreeDef other) {
            if (!(other instanceof NodeDef)) {
                return false;
            }
            NodeDef o = (NodeDef) other;
            if (o.kind != kind || o.type != type || !Arrays.equals(keys, o.keys) || o.children.length != children.length) {
                return false;
            }
            for (int i = 0; i < children.length; i++) {
                if (!children[i].sameStructure(o.children[i])) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(kind == Kind.RECORD || kind == Kind.ARRAY || kind == Kind.REGISTERED ? type.getSimpleName() : kind.name().toLowerCase());
            sb.append('(');
            for (int i = 0; i < children.length; i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                if (keys != null) {
                    sb.append(keys[i]).append('=');
                }
                sb.append(children[i]);
            }
            return sb.append(')').toString();
        }
    }

    private static TreeDef build(Object tree, List<Tensor> leaves) {
        if (tree instanceof Tensor) {
            leaves.add((Tensor) tree);
            return LeafDef.INSTANCE;
        }
        if (tree instanceof List) {
            List<?> list = (List<?>) tree;
            TreeDef[] children = new TreeDef[list.size()];
            for (int i = 0; i < children.length; i++) {
                children[i] = build(list.get(i), leaves);
            }
            return new NodeDef(Kind.LIST, List.class, null, children);
        }
        if (tree instanceof Map) {
            Map<?, ?> map = (Map<?, ?>) tree;
            Object[] keys = map.keySet().toArray();
            try {
                Arrays.sort(keys);
            } catch (ClassCastException e) {
                throw new IllegalArgumentException("Pytree: map keys must be mutually comparable, got " + map.keySet(), e);
            }
            TreeDef[] children = new TreeDef[keys.length];
            for (int i = 0; i < keys.length; i++) {
                children[i] = build(map.get(keys[i]), leaves);
            }
            return new NodeDef(tree instanceof SortedMap ? Kind.SORTED_MAP : Kind.MAP, Map.class, keys, children);
        }
        if (tree != null && tree.getClass().isArray() && !tree.getClass().getComponentType().isPrimitive()) {
            int n = Array.getLength(tree);
            TreeDef[] children = new TreeDef[n];
            for (int i = 0; i < n; i++) {
                children[i] = build(Array.get(tree, i), leaves);
            }
            return new NodeDef(Kind.ARRAY, tree.getClass().getComponentType(), null, children);
        }
        if (tree != null && !REGISTRY.isEmpty()) {
            Registration r = REGISTRY.get(tree.getClass());
            if (r != null) {
                List<?> parts = r.flatten().apply(tree);
                if (parts == null) {
                    throw new IllegalArgumentException("Pytree: the registered flatten of " + r.type().getName()
                            + " returned null");
                }
                TreeDef[] children = new TreeDef[parts.size()];
                for (int i = 0; i < children.length; i++) {
                    children[i] = build(parts.get(i), leaves);
                }
                return new NodeDef(Kind.REGISTERED, tree.getClass(), null, children, r);
            }
        }
        if (tree != null && tree.getClass().isRecord()) {
            RecordShape shape = RECORD_SHAPES.get(tree.getClass());
            TreeDef[] children = new TreeDef[shape.accessors.length];
            for (int i = 0; i < children.length; i++) {
                Object value;
                try {
                    if (shape.accessFailure != null) {
                        throw shape.accessFailure;
                    }
                    value = shape.accessors[i].invoke(tree);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalArgumentException("Pytree: cannot read component " + shape.names[i] + " of "
                            + tree.getClass().getName(), e);
                }
                children[i] = build(value, leaves);
            }
            return new NodeDef(Kind.RECORD, tree.getClass(), null, children);
        }
        return new StaticDef(tree);
    }

    /**
     * A record class's component accessors and canonical constructor, made accessible once. Looking
     * them up by reflection on every flatten and rebuild cost microseconds per record (more than a
     * 200×50 matrix-vector product), paid several times per solver iteration.
     */
    private static final class RecordShape {
        final String[] names;
        final Method[] accessors;
        final RuntimeException accessFailure;
        final Constructor<?> constructor;
        final ReflectiveOperationException constructorFailure;
        final RuntimeException constructorAccessFailure;

        RecordShape(Class<?> type) {
            RecordComponent[] comps = type.getRecordComponents();
            names = new String[comps.length];
            accessors = new Method[comps.length];
            Class<?>[] types = new Class<?>[comps.length];
            RuntimeException failure = null;
            for (int i = 0; i < comps.length; i++) {
                names[i] = comps[i].getName();
                types[i] = comps[i].getType();
                accessors[i] = comps[i].getAccessor();
                try {
                    accessors[i].setAccessible(true);
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
            accessFailure = failure;
            Constructor<?> c = null;
            ReflectiveOperationException missing = null;
            RuntimeException inaccessible = null;
            try {
                c = type.getDeclaredConstructor(types);
                c.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                missing = e;
            } catch (RuntimeException e) {
                inaccessible = e;
            }
            constructor = c;
            constructorFailure = missing;
            constructorAccessFailure = inaccessible;
        }
    }

    /** Per record class, computed once (class metadata only: no state of any tree). */
    private static final ClassValue<RecordShape> RECORD_SHAPES = new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
            return new RecordShape(type);
        }
    };

    private static Object newRecord(Class<?> type, Object[] parts) {
        RecordShape shape = RECORD_SHAPES.get(type);
        try {
            if (shape.constructorFailure != null) {
                throw shape.constructorFailure;
            }
            if (shape.constructorAccessFailure != null) {
                throw shape.constructorAccessFailure;
            }
            return shape.constructor.newInstance(parts);
        } catch (InvocationTargetException e) {
            // The record's own constructor refused the values: show the user's message first, and why it happened.
            Throwable cause = e.getCause();
            throw new IllegalArgumentException(cause.getMessage() + " — thrown by the constructor of record "
                    + type.getName() + " while argdiff rebuilt it with derivative values (a gradient, tangent or "
                    + "cotangent) or other computed values in place of its components. A constructor that validates "
                    + "its components rejects such values: validate where the record is first built (a factory "
                    + "method) instead of in the canonical constructor, or use a record without validation for the "
                    + "differentiated arguments.", cause);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("Pytree: cannot rebuild record " + type.getName() + ": " + e, e);
        }
    }

    // ------------------------------------------------------------------ tree arithmetic (JAXopt's tree_util)
    // Differentiable: written with tensor operations, so user code over records reads like the math.

    /** a + b, leaf by leaf (JAXopt {@code tree_add}); trees of the same structure. */
    public static <T> T add(T a, T b) {
        return map2(a, b, Tensor::add);
    }

    /** a − b, leaf by leaf (JAXopt {@code tree_sub}). */
    public static <T> T sub(T a, T b) {
        return map2(a, b, Tensor::sub);
    }

    /** s·a (JAXopt {@code tree_scalar_mul}); s is a 0-d tensor, differentiable. */
    public static <T> T scalarMul(Tensor s, T a) {
        requireScalar("scalarMul", s);
        return map(a, leaf -> leaf.mul(s));
    }

    public static <T> T scalarMul(double s, T a) {
        return map(a, leaf -> leaf.mul(s));
    }

    /** x + s·y (JAXopt {@code tree_add_scalar_mul}); s is a 0-d tensor, differentiable. */
    public static <T> T addScalarMul(T x, Tensor s, T y) {
        requireScalar("addScalarMul", s);
        return map2(x, y, (a, b) -> a.add(b.mul(s)));
    }

    public static <T> T addScalarMul(T x, double s, T y) {
        return map2(x, y, (a, b) -> a.add(b.mul(s)));
    }

    /** The sum of every entry of every leaf, 0-d (JAXopt {@code tree_sum}); 0 for a tree without tensors. */
    public static Tensor sum(Object tree) {
        Tensor s = Tensor.scalar(0.0);
        for (Tensor t : leaves(tree)) {
            s = s.add(t.sum());
        }
        return s;
    }

    /** ‖tree‖₂ over all entries (JAXopt {@code tree_l2_norm}); its derivative at 0 is taken as 0. */
    public static Tensor l2Norm(Object tree) {
        return l2Norm(tree, false);
    }

    /** ‖tree‖₂, or ‖tree‖₂² when {@code squared} (the smooth choice inside objectives). */
    public static Tensor l2Norm(Object tree, boolean squared) {
        Tensor sq = Tensor.scalar(0.0);
        for (Tensor t : leaves(tree)) {
            sq = sq.add(t.squaredNorm());
        }
        // sqrt has an infinite derivative at 0; route 0 through a safe branch with derivative 0.
        if (squared) {
            return sq;
        }
        Tensor positive = sq.gt(0.0);
        return Tensor.where(positive, Tensor.where(positive, sq, Tensor.scalar(1.0)).sqrt(), Tensor.scalar(0.0));
    }

    /**
     * ‖tree‖₂ of the concrete values of all leaves, as a number: the measure of solver errors,
     * divergence and optimality residuals (never differentiated; use {@link #l2Norm} inside a
     * differentiated function). Computed without overflow or underflow of the squares (BLAS
     * {@code nrm2}, rescaled outside [1e-140, ∞)); NaN if an entry is NaN, 0 for a tree without
     * entries.
     */
    public static double norm(Object tree) {
        double[] x = toArray(Autodiff.stopGradient(tree));
        return Blas.nrm2(x.length, x, 0);
    }

    /** max |entry| over all leaves (JAXopt {@code tree_inf_norm}); 0 for a tree without entries. */
    public static Tensor infNorm(Object tree) {
        Tensor m = Tensor.scalar(0.0);
        for (Tensor t : leaves(tree)) {
            if (t.size() > 0) {
                m = m.maximum(t.abs().max());
            }
        }
        return m;
    }

    /**
     * where(cond, a, b) leaf by leaf (JAXopt {@code tree_where}): {@code cond} is a tree of the
     * same structure whose nonzero entries pick a, or a single tensor broadcast against every leaf.
     */
    @SuppressWarnings("unchecked")
    public static <T> T where(Object cond, T a, T b) {
        if (cond instanceof Tensor c) {
            return map2(a, b, (x, y) -> Tensor.where(c, x, y));
        }
        Flat fc = flatten(cond);
        Flat fa = flatten(a);
        if (!fc.def().sameStructure(fa.def())) {
            throw new IllegalArgumentException("Pytree.where: cond differs in structure from the trees: " + fc.def()
                    + " vs " + fa.def() + " (pass a tree like a, or one tensor)");
        }
        List<Tensor> fb = flatten(b).leaves();
        if (fb.size() != fa.leaves().size()) {
            throw new IllegalArgumentException("Pytree.where: a and b differ in structure");
        }
        List<Tensor> out = new ArrayList<>(fa.leaves().size());
        for (int i = 0; i < fa.leaves().size(); i++) {
            out.add(Tensor.where(fc.leaves().get(i), fa.leaves().get(i), fb.get(i)));
        }
        return (T) fa.def().unflatten(out);
    }

    private static void requireScalar(String op, Tensor s) {
        if (s == null) {
            throw new IllegalArgumentException("Pytree." + op + ": the scalar is null");
        }
        if (s.rank() != 0) {
            throw new IllegalArgumentException("Pytree." + op + ": the scalar must be 0-d, got shape "
                    + Arrays.toString(s.shape()));
        }
    }
}
