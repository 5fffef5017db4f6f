package dev.argdiff.ad;

import dev.argdiff.tensor.internal.CustomRule;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Primitive;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.tensor.internal.Trace;
import dev.argdiff.tensor.internal.TracedTensors;
import dev.argdiff.tensor.internal.Tracer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.SplittableRandom;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every primitive and public tensor operation: its JVP and VJP rules agree with central finite
 * differences at first and second order (and third order for a few), forward and reverse, on
 * seeded random inputs chosen away from kinks and ties. Non-differentiable operations have an
 * exactly zero derivative.
 *
 * <p>Coverage is mechanical: the primitives are read from {@link Primitive}'s {@code permits}
 * clause (every constant of an element-wise family, every value of a parameterized primitive's
 * kind), must equal {@link #PRIMITIVES}, and each must be applied by at least one case below —
 * observed by a recording trace, forward or inside a VJP rule — so a new primitive without a
 * case fails here.
 */
class PrimitiveRulesTest {

    /** A named function of a tree and the point where it is checked. */
    record Case(Function<Object, Object> f, Object x) {
    }

    private static long seed = 1000;

    // ------------------------------------------------------------------ inputs

    static Tensor normal(int... shape) {
        return Tensor.randomNormal(seed++, shape);
    }

    /** Uniform in [0.5, 2]: a positive base for log, sqrt, pow. */
    static Tensor positive(int... shape) {
        return Tensor.randomUniform(seed++, shape).mul(1.5).add(0.5);
    }

    /** Normal values resampled until none is within 0.15 of any of the given points (kinks). */
    static Tensor avoiding(int[] shape, double... points) {
        SplittableRandom rng = new SplittableRandom(seed++);
        double[] d = new double[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < d.length; i++) {
            double v;
            boolean ok;
            do {
                v = 1.5 * gaussian(rng);
                ok = true;
                for (double p : points) {
                    ok &= Math.abs(v - p) > 0.15;
                }
            } while (!ok);
            d[i] = v;
        }
        return Tensor.of(shape, d);
    }

    /** Entries that are pairwise at least 0.2 apart (no ties along any axis), in random order. */
    static Tensor distinct(int... shape) {
        SplittableRandom rng = new SplittableRandom(seed++);
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = (i - n / 2.0) * 0.25 + 0.02 * rng.nextDouble();
        }
        shuffle(d, rng);
        return Tensor.of(shape, d);
    }

    /** Entries whose absolute values are pairwise distinct and at least 0.3 (for abs, norm(inf)). */
    static Tensor distinctAbs(int... shape) {
        SplittableRandom rng = new SplittableRandom(seed++);
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = (0.3 + 0.25 * i) * (rng.nextBoolean() ? 1 : -1);
        }
        shuffle(d, rng);
        return Tensor.of(shape, d);
    }

    /** b such that a − b is everywhere at least 0.3 in absolute value (no ties for max/min). */
    static Tensor apart(Tensor a, int... shape) {
        Tensor gap = distinctAbs(shape);
        return a.broadcastTo(shape).add(gap);
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static void shuffle(double[] d, SplittableRandom rng) {
        for (int i = d.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            double t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
    }

    // ------------------------------------------------------------------ case builders

    static Named<Case> unary(String name, UnaryOperator<Tensor> op, Tensor x) {
        return Named.of(name + " " + Arrays.toString(x.shape()), new Case(t -> op.apply((Tensor) t), x));
    }

    @SuppressWarnings("unchecked")
    static Named<Case> binary(String name, BinaryOperator<Tensor> op, Tensor a, Tensor b) {
        return Named.of(name + " " + Arrays.toString(a.shape()) + " with " + Arrays.toString(b.shape()),
                new Case(t -> {
                    List<Tensor> l = (List<Tensor>) t;
                    return op.apply(l.get(0), l.get(1));
                }, List.of(a, b)));
    }

    @SuppressWarnings("unchecked")
    static Named<Case> nary(String name, Function<List<Tensor>, Tensor> op, Tensor... xs) {
        return Named.of(name, new Case(t -> op.apply((List<Tensor>) t), List.of(xs)));
    }

    /** The broadcasting shape pairs every binary operation is checked on. */
    static final int[][][] SHAPE_PAIRS = {
            {{3, 4}, {3, 4}},
            {{3, 4}, {4}},
            {{4}, {3, 4}},
            {{3, 1}, {1, 4}},
            {{}, {3, 4}},
            {{3, 4}, {}},
            {{2, 1, 3}, {4, 1}},
    };

    static Stream<Named<Case>> cases() {
        seed = 1000;
        List<Named<Case>> c = new ArrayList<>();

        // ---- elementwise binary, on every broadcasting pattern
        for (int[][] s : SHAPE_PAIRS) {
            c.add(binary("add", Tensor::add, normal(s[0]), normal(s[1])));
            c.add(binary("sub", Tensor::sub, normal(s[0]), normal(s[1])));
            c.add(binary("mul", Tensor::mul, normal(s[0]), normal(s[1])));
            c.add(binary("div", Tensor::div, normal(s[0]), positive(s[1])));
            c.add(binary("pow", Tensor::pow, positive(s[0]), normal(s[1])));
            Tensor a = normal(s[0]);
            int[] out = broadcastShape(s[0], s[1]);
            // b differs from a by at least 0.3 everywhere; b has shape s[1] only when it broadcasts back.
            Tensor b = Arrays.equals(out, s[1]) ? apart(a, s[1]) : avoidTies(a, s[1]);
            c.add(binary("maximum", Tensor::maximum, a, b));
            c.add(binary("minimum", Tensor::minimum, a, b));
        }
        c.add(unary("add(double)", x -> x.add(2.5), normal(3, 4)));
        c.add(unary("sub(double)", x -> x.sub(2.5), normal(3, 4)));
        c.add(unary("rsub(double)", x -> x.rsub(2.5), normal(3, 4)));
        c.add(unary("mul(double)", x -> x.mul(-1.5), normal(3, 4)));
        c.add(unary("div(double)", x -> x.div(-1.5), normal(3, 4)));
        c.add(unary("pow(2.5)", x -> x.pow(2.5), positive(3, 4)));
        c.add(unary("pow(-1.5)", x -> x.pow(-1.5), positive(3, 4)));
        c.add(unary("pow(2)", x -> x.pow(2.0), normal(3, 4)));
        c.add(unary("pow(3) of a negative base", x -> x.pow(3.0), positive(3, 4).neg()));
        c.add(unary("pow(1)", x -> x.pow(1.0), normal(3, 4)));
        c.add(unary("scalar base pow tensor", x -> Tensor.scalar(1.7).pow(x), normal(3, 4)));
        c.add(unary("maximum(double)", x -> x.maximum(0.1), avoiding(new int[] {3, 4}, 0.1)));
        c.add(unary("minimum(double)", x -> x.minimum(0.1), avoiding(new int[] {3, 4}, 0.1)));

        // ---- elementwise unary
        c.add(unary("neg", Tensor::neg, normal(3, 4)));
        c.add(unary("exp", Tensor::exp, normal(3, 4)));
        c.add(unary("log", Tensor::log, positive(3, 4)));
        c.add(unary("log1p", Tensor::log1p, positive(3, 4).sub(0.4)));
        c.add(unary("expm1", Tensor::expm1, normal(3, 4)));
        c.add(unary("sqrt", Tensor::sqrt, positive(3, 4)));
        c.add(unary("abs", Tensor::abs, avoiding(new int[] {3, 4}, 0.0)));
        c.add(unary("tanh", Tensor::tanh, normal(3, 4)));
        c.add(unary("sigmoid", Tensor::sigmoid, normal(3, 4).mul(3)));
        c.add(unary("softplus", Tensor::softplus, normal(3, 4).mul(3)));
        c.add(unary("sin", Tensor::sin, normal(3, 4)));
        c.add(unary("cos", Tensor::cos, normal(3, 4)));
        c.add(unary("relu", Tensor::relu, avoiding(new int[] {3, 4}, 0.0)));
        c.add(unary("square", Tensor::square, normal(3, 4)));
        c.add(unary("reciprocal", Tensor::reciprocal, positive(3, 4)));
        c.add(unary("clip", x -> x.clip(-0.5, 0.7), avoiding(new int[] {4, 5}, -0.5, 0.7)));
        c.add(unary("exp of 0-d", Tensor::exp, Tensor.scalar(0.3)));

        // ---- where
        Tensor mask = Tensor.randomUniform(seed++, 3, 4).gt(0.5);
        c.add(binary("where(mask)", (x, y) -> Tensor.where(mask, x, y), normal(3, 4), normal(3, 4)));
        c.add(binary("where(mask) broadcasting", (x, y) -> Tensor.where(mask, x, y), normal(4), normal(3, 1)));
        c.add(unary("where(x > 0, x², −x)", x -> Tensor.where(x.gt(0.0), x.square(), x.neg()),
                avoiding(new int[] {3, 4}, 0.0)));
        c.add(unary("where(row mask, x, 0-d)", x -> Tensor.where(Tensor.of(1, 0, 1, 0), x, Tensor.scalar(2.0)),
                normal(3, 4)));

        // ---- reductions
        c.add(unary("sum", Tensor::sum, normal(3, 4)));
        c.add(unary("sum of 0-d", Tensor::sum, Tensor.scalar(1.5)));
        c.add(unary("sum(0)", x -> x.sum(0), normal(3, 4)));
        c.add(unary("sum(1)", x -> x.sum(1), normal(3, 4)));
        c.add(unary("sum(-1, keepdims)", x -> x.sum(-1, true), normal(3, 4)));
        c.add(unary("sum(1) 3-d", x -> x.sum(1), normal(2, 3, 4)));
        c.add(unary("sum(0, keepdims) 3-d", x -> x.sum(0, true), normal(2, 3, 4)));
        c.add(unary("mean", Tensor::mean, normal(3, 4)));
        c.add(unary("mean(0)", x -> x.mean(0), normal(3, 4)));
        c.add(unary("mean(1, keepdims)", x -> x.mean(1, true), normal(3, 4)));
        c.add(unary("max", Tensor::max, distinct(3, 4)));
        c.add(unary("min", Tensor::min, distinct(3, 4)));
        c.add(unary("max(0)", x -> x.max(0), distinct(3, 4)));
        c.add(unary("max(1)", x -> x.max(1), distinct(3, 4)));
        c.add(unary("max(1, keepdims) 3-d", x -> x.max(1, true), distinct(2, 3, 4)));
        c.add(unary("min(0)", x -> x.min(0), distinct(3, 4)));
        c.add(unary("min(-1, keepdims)", x -> x.min(-1, true), distinct(3, 4)));
        c.add(unary("logsumexp", Tensor::logsumexp, normal(3, 4)));
        c.add(unary("logsumexp(0)", x -> x.logsumexp(0), normal(3, 4)));
        c.add(unary("logsumexp(1)", x -> x.logsumexp(1), normal(3, 4).mul(10)));
        c.add(unary("logsumexp(1, keepdims)", x -> x.logsumexp(1, true), normal(3, 4)));
        c.add(unary("norm", Tensor::norm, normal(3, 4)));
        c.add(unary("norm(1)", x -> x.norm(1), avoiding(new int[] {3, 4}, 0.0)));
        c.add(unary("norm(2)", x -> x.norm(2), normal(5)));
        c.add(unary("norm(inf)", x -> x.norm(Double.POSITIVE_INFINITY), distinctAbs(3, 4)));
        c.add(unary("squaredNorm", Tensor::squaredNorm, normal(3, 4)));

        // ---- linear algebra
        c.add(binary("matmul", Tensor::matmul, normal(3, 4), normal(4, 5)));
        c.add(binary("matmul", Tensor::matmul, normal(3, 4), normal(4)));
        c.add(binary("matmul", Tensor::matmul, normal(4), normal(4, 5)));
        c.add(binary("matmul", Tensor::matmul, normal(4), normal(4)));
        c.add(binary("matmul", Tensor::matmul, normal(1, 4), normal(4, 1)));
        c.add(binary("matmul", Tensor::matmul, normal(3, 1), normal(1, 5)));
        Tensor constA = normal(3, 4);
        c.add(unary("constant A matmul x", constA::matmul, normal(4, 2)));
        c.add(unary("x matmul constant A", x -> x.matmul(constA), normal(2, 3)));
        c.add(binary("dot", Tensor::dot, normal(4), normal(4)));
        c.add(binary("transposeMatmul", Tensor::transposeMatmul, normal(4, 3), normal(4, 5)));
        c.add(binary("transposeMatmul", Tensor::transposeMatmul, normal(4, 3), normal(4)));
        c.add(binary("vdot", Tensor::vdot, normal(3, 4), normal(3, 4)));
        c.add(binary("vdot", Tensor::vdot, normal(4), normal(4)));
        c.add(binary("vdot", Tensor::vdot, Tensor.scalar(0.7), Tensor.scalar(-1.3)));
        c.add(binary("outer", Tensor::outer, normal(3), normal(4)));

        // ---- shape operations
        c.add(unary("transpose", Tensor::transpose, normal(3, 4)));
        c.add(unary("transpose 3-d reversed", Tensor::transpose, normal(2, 3, 4)));
        c.add(unary("transpose(1, 2, 0)", x -> x.transpose(1, 2, 0), normal(2, 3, 4)));
        c.add(unary("transpose(2, 0, 1)", x -> x.transpose(2, 0, 1), normal(2, 3, 4)));
        c.add(unary("reshape", x -> x.reshape(2, 6), normal(3, 4)));
        c.add(unary("reshape(-1, 3)", x -> x.reshape(-1, 3), normal(3, 4)));
        c.add(unary("reshape to 0-d", x -> x.reshape(), normal(1, 1)));
        c.add(unary("flatten", Tensor::flatten, normal(2, 3, 2)));
        c.add(unary("expandDims(0)", x -> x.expandDims(0), normal(3, 4)));
        c.add(unary("expandDims(-1)", x -> x.expandDims(-1), normal(3, 4)));
        c.add(unary("squeeze(1)", x -> x.squeeze(1), normal(3, 1, 4)));
        c.add(unary("broadcastTo [4]→[3,4]", x -> x.broadcastTo(3, 4), normal(4)));
        c.add(unary("broadcastTo [3,1]→[3,4]", x -> x.broadcastTo(3, 4), normal(3, 1)));
        c.add(unary("broadcastTo []→[2,3]", x -> x.broadcastTo(2, 3), Tensor.scalar(0.4)));
        c.add(unary("broadcastTo [2,1,3]→[4,2,5,3]", x -> x.broadcastTo(4, 2, 5, 3), normal(2, 1, 3)));
        c.add(unary("slice(0, 1, 3)", x -> x.slice(0, 1, 3), normal(4, 3)));
        c.add(unary("slice(1, 0, 2)", x -> x.slice(1, 0, 2), normal(4, 3)));
        c.add(unary("slice(-1, 1, 2) 3-d", x -> x.slice(-1, 1, 2), normal(2, 3, 4)));
        c.add(unary("take repeated", x -> x.take(2, 0, 2, 2), normal(4, 3)));
        c.add(unary("take repeated axis 1", x -> x.take(new int[] {1, 1, 0}, 1), normal(4, 3)));
        c.add(unary("take 1-d", x -> x.take(3, 3, 1), normal(4)));
        c.add(unary("row", x -> x.row(2), normal(4, 3)));
        c.add(unary("row of 1-d", x -> x.row(1), normal(4)));
        c.add(nary("concatenate axis 0", l -> Tensor.concatenate(l, 0), normal(2, 3), normal(4, 3), normal(1, 3)));
        c.add(nary("concatenate axis 1", l -> Tensor.concatenate(l, 1), normal(2, 3), normal(2, 1)));
        c.add(nary("concatenate with a constant part",
                l -> Tensor.concatenate(List.of(l.get(0), Tensor.ones(2, 2), l.get(1)), -1), normal(2, 3), normal(2, 1)));
        c.add(nary("stack axis 0", l -> Tensor.stack(l, 0), normal(2, 3), normal(2, 3), normal(2, 3)));
        c.add(nary("stack axis -1", l -> Tensor.stack(l, -1), normal(2, 3), normal(2, 3)));

        // ---- compositions that exercise rules inside rules
        c.add(unary("softmax cross-entropy", x -> x.logsumexp(1).sub(x.take(new int[] {0}, 1).squeeze(1)).mean(),
                normal(5, 3)));
        c.add(binary("tanh(A·B)·1", (a, b) -> a.matmul(b).tanh().sum(), normal(3, 4), normal(4, 2)));
        return c.stream();
    }

    /** A tensor of shape s broadcasting with a, differing from a everywhere the two are compared. */
    private static Tensor avoidTies(Tensor a, int[] s) {
        // Pairs like [3,1] vs [1,4]: the comparison pairs every entry of a with every entry of b;
        // keeping a within (-4, 4) and b's entries away from a's values is ensured by distinct grids.
        double[] av = a.toArray();
        SplittableRandom rng = new SplittableRandom(seed++);
        int n = Arrays.stream(s).reduce(1, (x, y) -> x * y);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            double v;
            boolean ok;
            do {
                v = 1.5 * gaussian(rng);
                ok = true;
                for (double x : av) {
                    ok &= Math.abs(v - x) > 0.1;
                }
            } while (!ok);
            d[i] = v;
        }
        return Tensor.of(s, d);
    }

    private static int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            out[i] = Math.max(da, db);
        }
        return out;
    }

    // ------------------------------------------------------------------ tests

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void firstAndSecondOrderForwardAndReverse(Case c) {
        GradCheck.checkGrads(c.f(), c.x(), 2);
    }

    /**
     * The same function between two nonlinear maps: x ↦ g(f(m(x))) with m(x) = x + x³/100 (monotone
     * and sign-preserving, so the inputs stay away from kinks and ties) and g(y) = y². Alone, a linear
     * primitive's derivative does not depend on x, so the rules of its rules (the VJP of a VJP, the
     * JVP of a JVP, e.g. the transpose of scatter-add) would never run at second order; here the
     * tangents and cotangents reaching f are themselves traced by the outer level.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void firstAndSecondOrderInsideAComposition(Case c) {
        Function<Object, Object> composed = x -> {
            Object mapped = Pytree.map(x, t -> t.add(t.mul(t).mul(t).mul(0.01)));
            return Pytree.map(c.f().apply(mapped), y -> y.mul(y));
        };
        GradCheck.checkGrads(composed, c.x(), 2);
    }

    static Stream<Named<Case>> thirdOrderCases() {
        seed = 5000;
        return Stream.of(
                unary("exp", Tensor::exp, normal(3)),
                unary("tanh", Tensor::tanh, normal(2, 3)),
                binary("matmul∘tanh", (a, b) -> a.matmul(b).tanh(), normal(2, 3), normal(3, 2)),
                unary("logsumexp(1)", x -> x.logsumexp(1), normal(2, 3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("thirdOrderCases")
    void thirdOrder(Case c) {
        GradCheck.checkGrads(c.f(), c.x(), 3, new GradCheck.Options(1e-4, 1e-5, 1e-7, 7));
    }

    // ------------------------------------------------------------------ zero derivatives

    static Stream<Named<BinaryOperator<Tensor>>> nonDifferentiable() {
        return Stream.of(
                Named.of("lt", Tensor::lt), Named.of("le", Tensor::le), Named.of("gt", Tensor::gt),
                Named.of("ge", Tensor::ge), Named.of("eq", Tensor::eq), Named.of("ne", Tensor::ne),
                Named.of("sign", (x, y) -> x.sub(y).sign()),
                Named.of("concrete", (x, y) -> x.concrete().mul(y.concrete())),
                Named.of("stopGradient", (x, y) -> Autodiff.stopGradient(x).add(Autodiff.stopGradient(y))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonDifferentiable")
    void nonDifferentiableOperationsHaveExactlyZeroDerivative(BinaryOperator<Tensor> op) {
        Tensor x = Tensor.of(new int[] {2, 3}, new double[] {-1, 0, 2, 3, 0.5, -4});
        Tensor y = Tensor.of(new double[] {0, 0, 2});
        // ∂/∂(x, y) of Σ op(x, y) is exactly zero: in reverse mode...
        Function<List<Tensor>, Tensor> s = l -> op.apply(l.get(0), l.get(1)).sum();
        List<Tensor> g = Autodiff.grad(s).apply(List.of(x, y));
        assertArrayEquals(new double[6], g.get(0).toArray(), 0.0);
        assertArrayEquals(new double[3], g.get(1).toArray(), 0.0);
        assertArrayEquals(new int[] {2, 3}, g.get(0).shape());
        assertArrayEquals(new int[] {3}, g.get(1).shape());
        // ...in forward mode...
        Tensor t = Autodiff.jvp((List<Tensor> l) -> op.apply(l.get(0), l.get(1)), List.of(x, y),
                List.of(Tensor.ones(2, 3), Tensor.ones(3))).tangent();
        assertArrayEquals(new double[6], t.toArray(), 0.0);
        // ...and at second order: the Hessian of Σ op(x, y) is zero.
        Tensor h = Autodiff.hessian((Tensor z) -> op.apply(z, y).sum()).apply(x);
        assertArrayEquals(new double[36], h.toArray(), 0.0);
        // Multiplying by x: the derivative is op(x, y) itself (op contributes nothing).
        Tensor gx = Autodiff.grad((Tensor z) -> op.apply(z, y).mul(z).sum()).apply(x);
        assertArrayEquals(op.apply(x, y).broadcastTo(2, 3).toArray(), gx.toArray(), 0.0);
    }

    // ------------------------------------------------------------------ coverage of the primitives

    /** The full list of primitives: a family's constant as "Family.CONSTANT", a parameterized one by class and kind. */
    static final List<String> PRIMITIVES = List.of(
            "Unary.NEG", "Unary.EXP", "Unary.LOG", "Unary.LOG1P", "Unary.EXPM1", "Unary.SQRT", "Unary.ABS",
            "Unary.SIGN", "Unary.TANH", "Unary.SIGMOID", "Unary.SOFTPLUS", "Unary.SIN", "Unary.COS",
            "Binary.ADD", "Binary.SUB", "Binary.MUL", "Binary.DIV", "Binary.POW", "Binary.MAX", "Binary.MIN",
            "Compare.LT", "Compare.LE", "Compare.GT", "Compare.GE", "Compare.EQ", "Compare.NE",
            "Where.WHERE", "Reduce.SUM", "Reduce.MAX", "Reduce.MIN",
            "Reshape", "BroadcastTo", "Transpose", "Slice", "Pad", "Take", "ScatterAdd", "Concatenate", "MatMul");

    /** Every primitive the compiler knows of, from the permits clause of the sealed {@link Primitive}. */
    static Set<String> declaredPrimitives() throws ReflectiveOperationException {
        Set<String> ids = new TreeSet<>();
        for (Class<?> c : Primitive.class.getPermittedSubclasses()) {
            if (c.isEnum()) {
                for (Object k : c.getEnumConstants()) {
                    ids.add(c.getSimpleName() + "." + ((Enum<?>) k).name());
                }
                continue;
            }
            List<Field> kinds = kindFields(c);
            if (kinds.isEmpty()) {
                ids.add(c.getSimpleName());
            } else {
                assertEquals(1, kinds.size(), c.getSimpleName() + ": one kind field at most");
                for (Object k : kinds.get(0).getType().getEnumConstants()) {
                    ids.add(c.getSimpleName() + "." + ((Enum<?>) k).name());
                }
            }
        }
        return ids;
    }

    private static List<Field> kindFields(Class<?> c) {
        List<Field> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && f.getType().isEnum()) {
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    /** The identifier of an applied primitive, in the form of {@link #PRIMITIVES}. */
    static String id(Primitive p) {
        if (p instanceof Enum<?> e) {
            return e.getDeclaringClass().getSimpleName() + "." + e.name();
        }
        StringBuilder id = new StringBuilder(p.getClass().getSimpleName());
        try {
            for (Field f : kindFields(p.getClass())) {
                id.append('.').append(((Enum<?>) f.get(p)).name());
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        return id.toString();
    }

    /**
     * A trace that differentiates nothing and records which primitives are applied to its values:
     * the outermost level, under which a case's gradient is taken, so both the forward pass and the
     * operations of the VJP rules (slice's pad, take's scatter-add) are seen.
     */
    static final class RecordingTrace extends Trace {
        final Set<String> seen = new TreeSet<>();

        Tensor wrap(Tensor primal) {
            return TracedTensors.traced(new Tracer(this, primal) {
            });
        }

        @Override
        public Tensor process(Primitive primitive, Tensor[] inputs) {
            seen.add(id(primitive));
            Tensor[] primals = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                primals[i] = primalOf(inputs[i]);
            }
            return wrap(Dispatch.bind(primitive, primals));
        }

        @Override
        public Tensor[] processCustom(CustomRule rule, Tensor[] inputs) {
            Tensor[] primals = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                primals[i] = primalOf(inputs[i]);
            }
            Tensor[] out = Dispatch.bindCustom(rule, primals);
            for (int i = 0; i < out.length; i++) {
                out[i] = wrap(out[i]);
            }
            return out;
        }
    }

    @Test
    void thePrimitiveListIsTheCompilersList() throws ReflectiveOperationException {
        assertEquals(new TreeSet<>(PRIMITIVES), declaredPrimitives(),
                "a primitive was added or removed: update PRIMITIVES and give it a case in cases()");
        assertEquals(PRIMITIVES.size(), new TreeSet<>(PRIMITIVES).size(), "PRIMITIVES lists one twice");
    }

    @Test
    void everyPrimitiveIsAppliedByACheckedCase() throws ReflectiveOperationException {
        Set<String> seen = new TreeSet<>();
        cases().forEach(named -> {
            Case c = named.getPayload();
            try (RecordingTrace trace = new RecordingTrace()) {
                Object x = Pytree.map(c.x(), trace::wrap);
                // The gradient of the composition of the second-order test: its cotangents depend on x,
                // so the primitives the VJP rules apply are applied to recorded values too.
                Function<Object, Tensor> composed = y -> {
                    Object mapped = Pytree.map(y, t -> t.add(t.mul(t).mul(t).mul(0.01)));
                    List<Tensor> leaves = Pytree.leaves(c.f().apply(mapped));
                    Tensor s = Tensor.scalar(0.0);
                    for (Tensor l : leaves) {
                        s = s.add(l.mul(l).sum());
                    }
                    return s;
                };
                Autodiff.grad(composed).apply(x);
                seen.addAll(trace.seen);
            }
        });
        // The comparisons are checked by nonDifferentiableOperationsHaveExactlyZeroDerivative.
        nonDifferentiable().forEach(named -> {
            try (RecordingTrace trace = new RecordingTrace()) {
                Tensor x = trace.wrap(Tensor.of(new int[] {2, 3}, new double[] {-1, 0, 2, 3, 0.5, -4}));
                Tensor y = trace.wrap(Tensor.of(new double[] {0, 0, 2}));
                named.getPayload().apply(x, y);
                seen.addAll(trace.seen);
            }
        });
        Set<String> missing = declaredPrimitives();
        missing.removeAll(seen);
        assertEquals(Set.of(), missing, "primitives that no case of this test applies");
    }
}
