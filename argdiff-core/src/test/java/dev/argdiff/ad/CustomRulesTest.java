package dev.argdiff.ad;

import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Custom derivative rules are used by every transform and never bypassed: a rule that is
 * deliberately wrong (f(x) = x³ claiming f'(x) = 5x, or 7x) shows which rule each transform saw.
 * A true rule written with tensor operations composes to any order.
 */
class CustomRulesTest {

    private static final Tensor X = Tensor.of(0.5, -1.5, 2.0);

    /** Counts of the function's and the rules' invocations. */
    private final AtomicInteger fCalls = new AtomicInteger();
    private final AtomicInteger jvpCalls = new AtomicInteger();
    private final AtomicInteger vjpCalls = new AtomicInteger();

    private Tensor cube(Tensor x) {
        fCalls.incrementAndGet();
        return x.mul(x).mul(x);
    }

    /** x³ with a forward rule claiming d(x³) = 5·x·t. */
    private Function<Tensor, Tensor> cubeJvp5() {
        return Autodiff.customJvp(this::cube, (x, out, t) -> {
            jvpCalls.incrementAndGet();
            return x.mul(t).mul(5.0);
        });
    }

    /** x³ with a reverse rule claiming the cotangent 7·x·ct. */
    private Function<Tensor, Tensor> cubeVjp7() {
        return Autodiff.customVjp(this::cube, (x, out, ct) -> {
            vjpCalls.incrementAndGet();
            return x.mul(ct).mul(7.0);
        });
    }

    /** x³ with both rules, deliberately different: 5·x·t forward, 7·x·ct reverse. */
    private Function<Tensor, Tensor> cubeBoth() {
        return Autodiff.customDerivatives(this::cube, (x, out, t) -> {
            jvpCalls.incrementAndGet();
            return x.mul(t).mul(5.0);
        }, (x, out, ct) -> {
            vjpCalls.incrementAndGet();
            return x.mul(ct).mul(7.0);
        });
    }

    private void resetCounts() {
        fCalls.set(0);
        jvpCalls.set(0);
        vjpCalls.set(0);
    }

    private static double[] times(double k, Tensor x) {
        return x.mul(k).toArray();
    }

    private static Tensor diag(double k, Tensor x) {
        int n = x.size();
        double[] d = new double[n * n];
        for (int i = 0; i < n; i++) {
            d[i * n + i] = k * x.get(i);
        }
        return Tensor.of(new int[] {n, n}, d);
    }

    private static void assertTensor(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toArray(), actual.toArray(), 1e-15);
    }

    // ------------------------------------------------------------------ which rule each transform sees

    @Test
    void customJvpIsUsedByEveryTransform() {
        Function<Tensor, Tensor> f = cubeJvp5();
        Function<Tensor, Tensor> s = x -> f.apply(x).sum();

        resetCounts();
        assertArrayEquals(new double[] {0.125, -3.375, 8}, f.apply(X).toArray(), 0.0);
        assertEquals(0, jvpCalls.get());
        assertEquals(1, fCalls.get());

        resetCounts();
        Tensor v = Tensor.of(1, 2, 3);
        assertArrayEquals(X.mul(v).mul(5).toArray(), Autodiff.jvp(f, X, v).tangent().toArray(), 1e-15);
        assertEquals(1, jvpCalls.get());
        assertEquals(1, fCalls.get());

        // Reverse mode by transposition of the forward rule.
        resetCounts();
        assertArrayEquals(times(5, X), Autodiff.grad(s).apply(X).toArray(), 1e-15);
        assertEquals(1, jvpCalls.get());

        assertTensor(diag(5, X), Autodiff.jacfwd(f).apply(X));
        assertTensor(diag(5, X), Autodiff.jacrev(f).apply(X));
        // The Hessian differentiates the rule: d/dx (5x) = 5.
        assertTensor(diag(5, Tensor.ones(3)), Autodiff.hessian(s).apply(X));
        Function<Tensor, Tensor> scalar = x -> f.apply(x.reshape(1)).sum();
        assertEquals(5.0, Autodiff.grad(Autodiff.grad(scalar)).apply(Tensor.scalar(2.0)).item(), 1e-15);
        assertEquals(5.0, Autodiff.jvp(Autodiff.grad(scalar), Tensor.scalar(2.0), Tensor.scalar(1.0)).tangent().item(),
                1e-15);
        assertEquals(5.0, Autodiff.grad((Tensor x) -> Autodiff.jvp(scalar, x, Tensor.scalar(1.0)).tangent())
                .apply(Tensor.scalar(2.0)).item(), 1e-15);
        assertEquals(0.0, Autodiff.grad(Autodiff.grad(Autodiff.grad(scalar))).apply(Tensor.scalar(2.0)).item(), 0.0);
    }

    @Test
    void customVjpIsUsedByEveryTransform() {
        Function<Tensor, Tensor> f = cubeVjp7();
        Function<Tensor, Tensor> s = x -> f.apply(x).sum();

        resetCounts();
        assertArrayEquals(times(7, X), Autodiff.grad(s).apply(X).toArray(), 1e-15);
        assertEquals(1, vjpCalls.get());
        assertEquals(1, fCalls.get());

        // Forward mode by transposition of the reverse rule (JAX's custom_vjp cannot do this).
        resetCounts();
        Tensor v = Tensor.of(1, 2, 3);
        assertArrayEquals(X.mul(v).mul(7).toArray(), Autodiff.jvp(f, X, v).tangent().toArray(), 1e-15);
        assertEquals(1, vjpCalls.get());
        assertEquals(1, fCalls.get());

        assertTensor(diag(7, X), Autodiff.jacfwd(f).apply(X));
        assertTensor(diag(7, X), Autodiff.jacrev(f).apply(X));
        assertTensor(diag(7, Tensor.ones(3)), Autodiff.hessian(s).apply(X));
        Function<Tensor, Tensor> scalar = x -> f.apply(x.reshape(1)).sum();
        assertEquals(7.0, Autodiff.grad(Autodiff.grad(scalar)).apply(Tensor.scalar(2.0)).item(), 1e-15);
        assertEquals(7.0, Autodiff.jvp(Autodiff.grad(scalar), Tensor.scalar(2.0), Tensor.scalar(1.0)).tangent().item(),
                1e-15);
        assertEquals(7.0, Autodiff.jvp((Tensor x) -> Autodiff.jvp(scalar, x, Tensor.scalar(1.0)).tangent(),
                Tensor.scalar(2.0), Tensor.scalar(1.0)).tangent().item(), 1e-15);
    }

    @Test
    void withBothRulesForwardModeUsesTheJvpRuleAndReverseModeTheVjpRule() {
        Function<Tensor, Tensor> f = cubeBoth();
        Function<Tensor, Tensor> s = x -> f.apply(x).sum();
        Tensor v = Tensor.of(1, 2, 3);

        resetCounts();
        assertArrayEquals(X.mul(v).mul(5).toArray(), Autodiff.jvp(f, X, v).tangent().toArray(), 1e-15);
        assertEquals(1, jvpCalls.get());
        assertEquals(0, vjpCalls.get());

        resetCounts();
        assertArrayEquals(times(7, X), Autodiff.grad(s).apply(X).toArray(), 1e-15);
        assertEquals(0, jvpCalls.get());
        assertEquals(1, vjpCalls.get());
        assertEquals(1, fCalls.get());

        resetCounts();
        assertTensor(diag(5, X), Autodiff.jacfwd(f).apply(X));
        assertEquals(3, jvpCalls.get());
        assertEquals(0, vjpCalls.get());

        resetCounts();
        assertTensor(diag(7, X), Autodiff.jacrev(f).apply(X));
        assertEquals(0, jvpCalls.get());
        assertEquals(3, vjpCalls.get());

        // hessian = jacfwd(jacrev): forward mode differentiates the (reverse) rule 7·x·ct.
        assertTensor(diag(7, Tensor.ones(3)), Autodiff.hessian(s).apply(X));
        Function<Tensor, Tensor> scalar = x -> f.apply(x.reshape(1)).sum();
        Tensor two = Tensor.scalar(2.0);
        Tensor one = Tensor.scalar(1.0);
        assertEquals(7.0, Autodiff.grad(Autodiff.grad(scalar)).apply(two).item(), 1e-15);
        assertEquals(7.0, Autodiff.jvp(Autodiff.grad(scalar), two, one).tangent().item(), 1e-15);
        assertEquals(5.0, Autodiff.grad((Tensor x) -> Autodiff.jvp(scalar, x, one).tangent()).apply(two).item(), 1e-15);
        assertEquals(5.0, Autodiff.jvp((Tensor x) -> Autodiff.jvp(scalar, x, one).tangent(), two, one).tangent().item(),
                1e-15);
    }

    /**
     * Reverse mode through a forward-only rule should evaluate the function once: for a solver
     * wrapped with customJvp, a second evaluation is a second full solve.
     */
    @Test
    void reverseModeThroughAForwardRuleEvaluatesTheFunctionOnce() {
        Function<Tensor, Tensor> f = cubeJvp5();
        resetCounts();
        Autodiff.grad((Tensor x) -> f.apply(x).sum()).apply(X);
        assertEquals(1, fCalls.get(), "evaluations of f under grad");
        resetCounts();
        Autodiff.jacrev(f).apply(X);
        assertEquals(1, fCalls.get(), "evaluations of f under jacrev (3 pullbacks)");
    }

    // ------------------------------------------------------------------ true rules compose to any order

    /** log(1 + eˣ) computed stably, with its true derivative σ(x) as a rule. */
    private static Tensor log1pexp(Tensor x) {
        return x.maximum(0.0).add(x.abs().neg().exp().log1p());
    }

    private static Tensor sigmoidRule(Tensor x) {
        return x.neg().exp().add(1.0).reciprocal();
    }

    static List<Function<Tensor, Tensor>> stableSoftplusVariants() {
        return List.of(
                Autodiff.customJvp(CustomRulesTest::log1pexp, (x, out, t) -> t.mul(sigmoidRule(x))),
                Autodiff.customVjp(CustomRulesTest::log1pexp, (x, out, ct) -> ct.mul(sigmoidRule(x))),
                Autodiff.customDerivatives(CustomRulesTest::log1pexp, (x, out, t) -> t.mul(sigmoidRule(x)),
                        (x, out, ct) -> ct.mul(sigmoidRule(x))));
    }

    @Test
    void trueRulesNestUnderOuterTransformsToHigherOrder() {
        Tensor x = Tensor.of(-2.0, -0.3, 0.4, 1.7);
        for (Function<Tensor, Tensor> f : stableSoftplusVariants()) {
            // Against finite differences at orders 1 to 3, forward and reverse.
            GradCheck.checkGrads(f, x, 3, new GradCheck.Options(1e-4, 1e-5, 1e-7, 3));
            // Inside an outer function, composed with other operations.
            Function<Tensor, Tensor> g = z -> f.apply(z.mul(z).sub(z.sin())).mul(z.cos()).sum();
            GradCheck.checkGrads(g, x, 2);
            // Closed forms: (log1pexp)'' = σ(1 − σ), (log1pexp)''' = σ(1 − σ)(1 − 2σ).
            Tensor s = Autodiff.grad((Tensor z) -> Autodiff.grad((Tensor y) -> f.apply(y).sum()).apply(z).sum()).apply(x);
            Tensor h = Autodiff.hessian((Tensor z) -> f.apply(z).sum()).apply(x);
            Tensor t3 = Autodiff.grad((Tensor z) -> Autodiff.jvp(
                    (Tensor y) -> Autodiff.grad((Tensor w) -> f.apply(w).sum()).apply(y), z, Tensor.ones(4)).tangent().sum())
                    .apply(x);
            for (int i = 0; i < 4; i++) {
                double sg = 1 / (1 + Math.exp(-x.get(i)));
                assertEquals(sg * (1 - sg), s.get(i), 1e-15);
                assertEquals(sg * (1 - sg), h.get(i, i), 1e-15);
                assertEquals(sg * (1 - sg) * (1 - 2 * sg), t3.get(i), 1e-15);
            }
            // Stable where the naive formula overflows.
            Tensor big = Tensor.of(800, -800);
            assertArrayEquals(new double[] {800, 0}, f.apply(big).toArray(), 0.0);
            assertArrayEquals(new double[] {1, 0}, Autodiff.grad((Tensor z) -> f.apply(z).sum()).apply(big).toArray(), 0.0);
        }
    }

    @Test
    void customRulesOverTreesWithSeveralInputsAndOutputs() {
        // f(a, b) = [a·b, a + b] with its true rules; a tangent given for one input only.
        Function<List<Tensor>, List<Tensor>> plain = l -> List.of(l.get(0).mul(l.get(1)), l.get(0).add(l.get(1)));
        Function<List<Tensor>, List<Tensor>> withJvp = Autodiff.customJvp(plain, (p, out, t) -> List.of(
                t.get(0).mul(p.get(1)).add(p.get(0).mul(t.get(1))), t.get(0).add(t.get(1))));
        Function<List<Tensor>, List<Tensor>> withVjp = Autodiff.customVjp(plain, (p, out, ct) -> List.of(
                ct.get(0).mul(p.get(1)).add(ct.get(1)), ct.get(0).mul(p.get(0)).add(ct.get(1))));
        List<Tensor> x = List.of(Tensor.of(1, 2), Tensor.of(3, -1));
        List<Tensor> v = List.of(Tensor.of(1, 0), Tensor.zeros(2));
        for (Function<List<Tensor>, List<Tensor>> f : List.of(withJvp, withVjp)) {
            List<Tensor> t = Autodiff.jvp(f, x, v).tangent();
            assertArrayEquals(new double[] {3, 0}, t.get(0).toArray(), 0.0);
            assertArrayEquals(new double[] {1, 0}, t.get(1).toArray(), 0.0);
            // Only the first output is used: the other gets a zero cotangent.
            List<Tensor> g = Autodiff.grad((List<Tensor> l) -> f.apply(l).get(0).sum()).apply(x);
            assertArrayEquals(new double[] {3, -1}, g.get(0).toArray(), 0.0);
            assertArrayEquals(new double[] {1, 2}, g.get(1).toArray(), 0.0);
            GradCheck.checkGrads(f, x, 2);
        }
    }

    @Test
    void gradCheckRejectsAWrongRule() {
        assertThrows(GradCheck.GradientMismatchException.class, () -> GradCheck.checkGrads(cubeJvp5(), X, 1));
        assertThrows(GradCheck.GradientMismatchException.class, () -> GradCheck.checkGrads(cubeVjp7(), X, 1,
                GradCheck.Mode.REVERSE));
        // A true first-order rule that is not differentiable as written (a concrete value) fails at order 2.
        Function<Tensor, Tensor> f = Autodiff.customJvp(Tensor::exp, (x, out, t) -> t.mul(out.concrete()));
        GradCheck.checkGrads(f, X, 1);
        assertThrows(GradCheck.GradientMismatchException.class, () -> GradCheck.checkGrads(f, X, 2));
    }

    @Test
    void customFunctionResultsAreNotTracedOutsideTransforms() {
        Tensor y = cubeBoth().apply(X);
        assertFalse(y.isTraced());
        assertArrayEquals(new double[] {0.125, -3.375, 8}, y.toArray(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> Autodiff.customDerivatives(this::cube, null, null));
    }
}
