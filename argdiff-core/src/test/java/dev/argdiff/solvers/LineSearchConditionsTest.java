package dev.argdiff.solvers;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every line search against the conditions it promises (Armijo, weak or strong Wolfe, Hager–Zhang's
 * approximate Wolfe) on several functions with hand-written values and gradients (independent of
 * autodiff): an ill-conditioned quadratic, Beale's function, Powell's singular function and
 * Freudenstein–Roth, from random points along steepest descent and along random descent directions,
 * long and short.
 */
class LineSearchConditionsTest {

    /** A test function: value and gradient by hand, and the box its random points are drawn from. */
    record Fn(String name, int dim, double lo, double hi, Function<double[], Double> value,
              Function<double[], double[]> grad) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** ½·Σ cᵢxᵢ² with cᵢ from 1 to 100 (condition number 100). */
    static final Fn QUADRATIC = new Fn("quadratic", 5, -2, 2, x -> {
        double f = 0;
        for (int i = 0; i < x.length; i++) {
            f += 0.5 * coefficient(i, x.length) * x[i] * x[i];
        }
        return f;
    }, x -> {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            g[i] = coefficient(i, x.length) * x[i];
        }
        return g;
    });

    private static double coefficient(int i, int n) {
        return Math.pow(100, (double) i / (n - 1));
    }

    /** Beale: Σₖ (cₖ − x(1 − yᵏ))² with c = (1.5, 2.25, 2.625). */
    static final Fn BEALE = new Fn("Beale", 2, -2, 2, v -> {
        double[] r = bealeResiduals(v);
        return r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    }, v -> {
        double x = v[0];
        double y = v[1];
        double[] r = bealeResiduals(v);
        double gx = 0;
        double gy = 0;
        for (int k = 1; k <= 3; k++) {
            // rₖ = cₖ − x + x·yᵏ: ∂x = yᵏ − 1, ∂y = k·x·yᵏ⁻¹
            gx += 2 * r[k - 1] * (Math.pow(y, k) - 1);
            gy += 2 * r[k - 1] * k * x * Math.pow(y, k - 1);
        }
        return new double[] {gx, gy};
    });

    private static double[] bealeResiduals(double[] v) {
        double[] c = {1.5, 2.25, 2.625};
        double[] r = new double[3];
        for (int k = 1; k <= 3; k++) {
            r[k - 1] = c[k - 1] - v[0] + v[0] * Math.pow(v[1], k);
        }
        return r;
    }

    /** Powell's singular function (a + 10b)² + 5(c − d)² + (b − 2c)⁴ + 10(a − d)⁴. */
    static final Fn POWELL = new Fn("Powell singular", 4, -2, 2, v -> {
        double a = v[0];
        double b = v[1];
        double c = v[2];
        double d = v[3];
        return Math.pow(a + 10 * b, 2) + 5 * Math.pow(c - d, 2) + Math.pow(b - 2 * c, 4) + 10 * Math.pow(a - d, 4);
    }, v -> {
        double a = v[0];
        double b = v[1];
        double c = v[2];
        double d = v[3];
        double p = 2 * (a + 10 * b);
        double q = 10 * (c - d);
        double r = 4 * Math.pow(b - 2 * c, 3);
        double s = 40 * Math.pow(a - d, 3);
        return new double[] {p + s, 10 * p + r, q - 2 * r, -q - s};
    });

    /** Freudenstein–Roth: r₁ = −13 + x + ((5 − y)y − 2)y, r₂ = −29 + x + ((y + 1)y − 14)y; f = r₁² + r₂². */
    static final Fn FREUDENSTEIN_ROTH = new Fn("Freudenstein-Roth", 2, -3, 3, v -> {
        double r1 = -13 + v[0] + ((5 - v[1]) * v[1] - 2) * v[1];
        double r2 = -29 + v[0] + ((v[1] + 1) * v[1] - 14) * v[1];
        return r1 * r1 + r2 * r2;
    }, v -> {
        double y = v[1];
        double r1 = -13 + v[0] + ((5 - y) * y - 2) * y;
        double r2 = -29 + v[0] + ((y + 1) * y - 14) * y;
        double dr1 = -3 * y * y + 10 * y - 2;
        double dr2 = 3 * y * y + 2 * y - 14;
        return new double[] {2 * r1 + 2 * r2, 2 * r1 * dr1 + 2 * r2 * dr2};
    });

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Fn f : List.of(QUADRATIC, BEALE, POWELL, FREUDENSTEIN_ROTH)) {
            for (LineSearch ls : List.of(ZoomLineSearch.defaults(), HagerZhangLineSearch.defaults(),
                    BacktrackingLineSearch.defaults(),
                    BacktrackingLineSearch.defaults().withCondition(BacktrackingLineSearch.Condition.WOLFE),
                    BacktrackingLineSearch.defaults().withCondition(BacktrackingLineSearch.Condition.STRONG_WOLFE))) {
                out.add(Arguments.of(f, ls));
            }
        }
        return out;
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

    /**
     * Zoom and Hager–Zhang, which bracket, always end with all their conditions; a backtracking
     * search only shrinks the step, so a curvature condition it cannot reach from the first step is
     * reported as not met ({@link LineSearch.Result#curvature()} false) — then only what it reports
     * is checked. Every reported condition is verified here from the function itself.
     */
    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void reportedConditionsHold(Fn fn, LineSearch ls) {
        Random rnd = new Random(11);
        int curvatureMet = 0;
        int trials = 40;
        for (int trial = 0; trial < trials; trial++) {
            double[] x = new double[fn.dim()];
            for (int i = 0; i < x.length; i++) {
                x[i] = fn.lo() + (fn.hi() - fn.lo()) * rnd.nextDouble();
            }
            double[] g = fn.grad().apply(x);
            double[] d = new double[g.length];
            if (trial % 4 < 2) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = -g[i];
                }
            } else {
                // A random direction, turned downhill.
                for (int i = 0; i < d.length; i++) {
                    d[i] = rnd.nextGaussian();
                }
                if (dot(d, g) > 0) {
                    for (int i = 0; i < d.length; i++) {
                        d[i] = -d[i];
                    }
                }
            }
            // Unit length (long first steps) or 1e-3 (short ones, which zoom and Hager–Zhang must grow).
            double scale = (trial % 2 == 0 ? 1.0 : 1e-3) / Math.sqrt(dot(d, d));
            for (int i = 0; i < d.length; i++) {
                d[i] *= scale;
            }
            double f0 = fn.value().apply(x);
            double g0 = dot(g, d);
            LineSearch.Result r = ls.withMaxStepsize(1e4).search(t -> {
                double[] p = axpy(x, t, d);
                return new LineSearch.Point(t, fn.value().apply(p), dot(fn.grad().apply(p), d));
            }, f0, g0, 1.0);
            String where = fn + " / " + ls + " trial " + trial;
            if (r.failed() && ls instanceof BacktrackingLineSearch b
                    && b.options().condition() != BacktrackingLineSearch.Condition.ARMIJO) {
                // Backtracking cannot grow a step: a failure must mean no step of its sequence
                // 1, 0.8, 0.8², … (30 of them) meets both conditions.
                for (int k = 0; k < b.maxEvaluations(); k++) {
                    double tk = Math.pow(b.options().decreaseFactor(), k);
                    double[] pk = axpy(x, tk, d);
                    double fk = fn.value().apply(pk);
                    double gk = dot(fn.grad().apply(pk), d);
                    assertFalse(decrease(ls, f0, g0, tk, fk, gk) && curvature(ls, f0, g0, fk, gk),
                            where + ": failed although step " + tk + " meets both conditions");
                }
                continue;
            }
            assertFalse(r.failed(), where + ": no step with sufficient decrease");
            double t = r.stepsize();
            assertTrue(t > 0, where + ": step " + t);
            double[] p = axpy(x, t, d);
            double ft = fn.value().apply(p);
            double gt = dot(fn.grad().apply(p), d);
            assertEquals(ft, r.point().value(), 1e-12 * Math.max(1, Math.abs(ft)), where + ": reported value");
            assertTrue(decrease(ls, f0, g0, t, ft, gt), where + ": sufficient decrease, f(t) = " + ft + ", f(0) = " + f0);
            if (r.curvature()) {
                curvatureMet++;
                assertTrue(curvature(ls, f0, g0, ft, gt), where + ": curvature, φ'(t) = " + gt + ", φ'(0) = " + g0);
            } else {
                assertFalse(ls instanceof ZoomLineSearch || ls instanceof HagerZhangLineSearch,
                        where + ": a bracketing search ended without its curvature condition");
            }
        }
        if (!(ls instanceof BacktrackingLineSearch b) || b.options().condition() == BacktrackingLineSearch.Condition.ARMIJO) {
            assertEquals(trials, curvatureMet, fn + " / " + ls);
        } else {
            assertTrue(curvatureMet >= trials / 4, fn + " / " + ls + ": only " + curvatureMet + " successes");
        }
    }

    /** The sufficient-decrease condition each search promises (with its documented approximate form). */
    private static boolean decrease(LineSearch ls, double f0, double g0, double t, double ft, double gt) {
        if (ls instanceof ZoomLineSearch z) {
            return ft <= f0 + z.c1() * t * g0
                    || (gt <= (2 * z.c1() - 1) * g0 && ft <= f0 + z.c3() * Math.abs(f0));
        }
        if (ls instanceof HagerZhangLineSearch h) {
            return ft <= f0 + h.c1() * t * g0
                    || ((2 * h.c1() - 1) * g0 >= gt && ft <= f0 + h.options().epsilon() * Math.abs(f0));
        }
        // Backtracking: its approximate form is used only where c1·t·|φ'(0)| is within 100 ulp(f(0)).
        double noise = 100 * Math.ulp(Math.abs(f0));
        if (-ls.c1() * t * g0 > noise) {
            return ft <= f0 + ls.c1() * t * g0;
        }
        return gt <= (2 * ls.c1() - 1) * g0 && ft <= f0 + noise;
    }

    private static boolean curvature(LineSearch ls, double f0, double g0, double ft, double gt) {
        if (ls instanceof ZoomLineSearch z) {
            return Math.abs(gt) <= z.c2() * Math.abs(g0);
        }
        if (ls instanceof HagerZhangLineSearch h) {
            return gt >= h.c2() * g0;
        }
        switch (((BacktrackingLineSearch) ls).options().condition()) {
            case WOLFE:
                return gt >= ls.c2() * g0;
            case STRONG_WOLFE:
                return Math.abs(gt) <= ls.c2() * Math.abs(g0);
            default:
                return true;
        }
    }
}
