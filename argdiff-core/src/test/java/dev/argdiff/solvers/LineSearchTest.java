package dev.argdiff.solvers;

import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The line searches against the conditions they promise, checked with a hand-written Rosenbrock
 * value and gradient (independent of autodiff), and their edge cases: steps in the rounding
 * noise of f, a direction that is not a descent direction, NaN beyond a point, the maximal step.
 */
class LineSearchTest {

    /** Rosenbrock in n dimensions, value and gradient by hand. */
    static double rosenbrock(double[] x) {
        double f = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            f += 100 * Math.pow(x[i + 1] - x[i] * x[i], 2) + Math.pow(1 - x[i], 2);
        }
        return f;
    }

    static double[] rosenbrockGrad(double[] x) {
        double[] g = new double[x.length];
        for (int i = 0; i + 1 < x.length; i++) {
            double r = x[i + 1] - x[i] * x[i];
            g[i] += -400 * x[i] * r - 2 * (1 - x[i]);
            g[i + 1] += 200 * r;
        }
        return g;
    }

    static Tensor rosenbrockTensor(Tensor x, Object args) {
        int n = x.size();
        Tensor a = x.slice(0, 0, n - 1);
        Tensor b = x.slice(0, 1, n);
        return b.sub(a.square()).square().mul(100).add(a.rsub(1).square()).sum();
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[] axpy(double[] x, double t, double[] d) {
        double[] out = x.clone();
        for (int i = 0; i < x.length; i++) {
            out[i] += t * d[i];
        }
        return out;
    }

    /** A line of Rosenbrock along d from x. */
    private static LineSearch.Line line(double[] x, double[] d, AtomicInteger count) {
        return t -> {
            count.incrementAndGet();
            double[] p = axpy(x, t, d);
            return new LineSearch.Point(t, rosenbrock(p), dot(rosenbrockGrad(p), d));
        };
    }

    static List<LineSearch> searches() {
        return List.of(ZoomLineSearch.defaults(), BacktrackingLineSearch.defaults(),
                BacktrackingLineSearch.defaults().withCondition(BacktrackingLineSearch.Condition.WOLFE),
                BacktrackingLineSearch.defaults().withCondition(BacktrackingLineSearch.Condition.STRONG_WOLFE),
                HagerZhangLineSearch.defaults());
    }

    /** Whether the step satisfies what the search promises, evaluated independently. */
    private static void assertPromise(LineSearch ls, double[] x, double[] d, LineSearch.Result r, String where) {
        double t = r.stepsize();
        assertTrue(t > 0, where + ": step " + t);
        double f0 = rosenbrock(x);
        double g0 = dot(rosenbrockGrad(x), d);
        double[] p = axpy(x, t, d);
        double ft = rosenbrock(p);
        double gt = dot(rosenbrockGrad(p), d);
        assertEquals(ft, r.point().value(), 1e-12 * Math.max(1, Math.abs(ft)), where + ": reported value");
        if (ls instanceof ZoomLineSearch z) {
            boolean armijo = ft <= f0 + z.c1() * t * g0;
            boolean approx = gt <= (2 * z.c1() - 1) * g0 && ft <= f0 + 1e-6 * Math.abs(f0);
            assertTrue(armijo || approx, where + ": sufficient decrease");
            assertTrue(Math.abs(gt) <= z.c2() * Math.abs(g0), where + ": strong Wolfe curvature");
        } else if (ls instanceof BacktrackingLineSearch b) {
            BacktrackingLineSearch.Options o = b.options();
            assertTrue(ft <= f0 + o.c1() * t * g0, where + ": Armijo " + ft + " vs " + f0);
            if (o.condition() == BacktrackingLineSearch.Condition.WOLFE) {
                assertTrue(gt >= o.c2() * g0, where + ": Wolfe curvature");
            } else if (o.condition() == BacktrackingLineSearch.Condition.STRONG_WOLFE) {
                assertTrue(Math.abs(gt) <= o.c2() * Math.abs(g0), where + ": strong Wolfe curvature");
            }
        } else {
            HagerZhangLineSearch.Options o = ((HagerZhangLineSearch) ls).options();
            boolean wolfe = ft <= f0 + o.c1() * t * g0 && gt >= o.c2() * g0;
            boolean approx = (2 * o.c1() - 1) * g0 >= gt && gt >= o.c2() * g0 && ft <= f0 + o.epsilon() * Math.abs(f0);
            assertTrue(wolfe || approx, where + ": (approximate) Wolfe");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searches")
    void satisfiesItsConditionsOnRosenbrock(LineSearch ls) {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 40; trial++) {
            double[] x = new double[5];
            for (int i = 0; i < x.length; i++) {
                x[i] = -1.5 + 3 * rnd.nextDouble();
            }
            double[] g = rosenbrockGrad(x);
            // Unit-length steepest descent and a short one: long and short first steps (backtracking's
            // 30 evaluations reach 0.8^29 ≈ 1.5e-3 of the first step, so the direction must be of a sensible length).
            double scale = trial % 2 == 0 ? 1.0 / Math.sqrt(dot(g, g)) : 1e-3;
            double[] d = new double[g.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = -scale * g[i];
            }
            AtomicInteger count = new AtomicInteger();
            LineSearch.Result r = ls.withMaxStepsize(10).search(line(x, d, count), rosenbrock(x), dot(g, d), 1.0);
            String where = ls.getClass().getSimpleName() + " trial " + trial;
            assertFalse(r.failed(), where);
            assertTrue(r.curvature(), where + ": all conditions");
            assertEquals(count.get(), r.evaluations(), where + ": evaluation count");
            assertPromise(ls, x, d, r, where);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searches")
    void pytreeRunReturnsThePointItsValueAndGradient(LineSearch ls) {
        double[] x = {-1.2, 1.0, 0.5};
        double[] g = rosenbrockGrad(x);
        Tensor d = Tensor.of(g).neg().mul(1e-3);
        LineSearch.Step<Tensor> step = ls.run(LineSearchTest::rosenbrockTensor, Tensor.of(x), null, rosenbrock(x),
                Tensor.of(g), d, 1.0);
        double[] p = axpy(x, step.stepsize(), d.toArray());
        assertArrayClose(p, step.params().toArray(), 1e-15);
        assertEquals(rosenbrock(p), step.value(), 1e-12);
        assertArrayClose(rosenbrockGrad(p), step.grad().toArray(), 1e-10);
        assertTrue(step.value() < rosenbrock(x));
    }

    /**
     * f = 1e6 + ½‖x‖² at x = 1e-6·1: the decrease of any step (≤ 1e-12) is far below ulp(1e6) ≈ 1e-10,
     * so values cannot decide; the gradient form of the condition accepts the exact minimizer t = 1.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("searches")
    void stepsInTheRoundingNoiseOfFAreDecidedByTheSlope(LineSearch ls) {
        Tensor x = Tensor.full(1e-6, 4);
        Tensor grad = x;
        double value = 1e6 + 0.5 * 4e-12;
        LineSearch.Step<Tensor> step = ls.run((Tensor z, Object a) -> z.square().sum().mul(0.5).add(1e6), x, null,
                value, grad, x.neg(), 1.0);
        assertFalse(step.failed(), ls.getClass().getSimpleName());
        assertEquals(1.0, step.stepsize(), 1e-12);
        assertEquals(0.0, SolverFixtures.maxAbs(step.params().toArray()), 1e-20);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("searches")
    void refusesAnAscentDirection(LineSearch ls) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ls.search(t -> new LineSearch.Point(t, 0, 0), 0, 0.5, 1.0));
        assertTrue(e.getMessage().contains("not a descent direction, slope 0.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ls.search(t -> new LineSearch.Point(t, 0, 0), 0, -1, 0));
    }

    /** φ is NaN for every t > 0: every search fails, returning t = 0. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("searches")
    void failsWhereEveryStepIsOutsideTheDomain(LineSearch ls) {
        LineSearch.Result r = ls.search(t -> new LineSearch.Point(t, Double.NaN, Double.NaN), 1.0, -1.0, 1.0);
        assertTrue(r.failed());
        assertEquals(0.0, r.stepsize());
        assertTrue(r.evaluations() >= 1 && r.evaluations() <= 30, "evaluations " + r.evaluations());
    }

    /** φ(t) = −t: no curvature anywhere; zoom and Hager–Zhang stop at the maximal step with decrease only. */
    @Test
    void aLinearFunctionStopsAtTheMaximalStep() {
        for (LineSearch ls : List.of(ZoomLineSearch.defaults(), HagerZhangLineSearch.defaults())) {
            LineSearch.Result r = ls.withMaxStepsize(8).search(t -> new LineSearch.Point(t, -t, -1), 0, -1, 1.0);
            assertEquals(8.0, r.stepsize(), ls.getClass().getSimpleName());
            assertTrue(r.decrease());
            assertFalse(r.curvature());
        }
    }

    /** Backtracking on a quadratic φ(t) = (t − 1)² − 1 from t₀ = 4: 4·0.8^k, first with Armijo is k = 3 (t = 2.048 > 2 fails). */
    @Test
    void backtrackingTakesTheFirstArmijoStepOfTheGeometricSequence() {
        BacktrackingLineSearch ls = BacktrackingLineSearch.defaults().withMaxStepsize(4);
        LineSearch.Result r = ls.search(t -> new LineSearch.Point(t, (t - 1) * (t - 1) - 1, 2 * (t - 1)), 0, -2, 4);
        // Armijo: (t−1)² − 1 ≤ −2e-4·t ⇔ t ≤ 2 − 2e-4; 4·0.8³ = 2.048, 4·0.8⁴ = 1.6384.
        assertEquals(4 * Math.pow(0.8, 4), r.stepsize(), 1e-15);
        assertEquals(5, r.evaluations());
    }

    @Test
    void optionsAreValidatedWithTheirNames() {
        assertRefused("c1", () -> BacktrackingLineSearch.defaults().withC1(0));
        assertRefused("c2", () -> BacktrackingLineSearch.defaults().withC2(1e-5));
        assertRefused("decreaseFactor", () -> BacktrackingLineSearch.defaults().withDecreaseFactor(1));
        assertRefused("maxStepsize", () -> BacktrackingLineSearch.defaults().withMaxStepsize(Double.POSITIVE_INFINITY));
        assertRefused("maxEvaluations", () -> BacktrackingLineSearch.defaults().withMaxEvaluations(0));
        assertRefused("condition", () -> BacktrackingLineSearch.defaults().withCondition(null));
        assertRefused("c1", () -> HagerZhangLineSearch.defaults().withC1(0.5));
        assertRefused("c2", () -> HagerZhangLineSearch.defaults().withC2(1));
        assertRefused("epsilon", () -> HagerZhangLineSearch.defaults().withEpsilon(-1));
        assertRefused("maxStepsize", () -> HagerZhangLineSearch.defaults().withMaxStepsize(0));
        assertRefused("maxEvaluations", () -> HagerZhangLineSearch.defaults().withMaxEvaluations(0));
        assertRefused("maxStepsize", () -> ZoomLineSearch.defaults().withMaxStepsize(-1));
        assertRefused("direction", () -> BacktrackingLineSearch.defaults().run(LineSearchTest::rosenbrockTensor,
                Tensor.of(1, 2), null, 0, Tensor.of(1, 2), null, 1));
    }

    private static void assertRefused(String option, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(option), "message should name " + option + ": " + e.getMessage());
    }

    private static void assertArrayClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), "entry " + i);
        }
    }
}
