package dev.argdiff.ad;

import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks a function's derivatives against central finite differences, in forward mode, reverse
 * mode, and recursively at higher order — for users' own functions and for argdiff's tests.
 *
 * <p>Along a seeded random direction v, the forward check compares jvp(f, x, v) with
 * (f(x + εv) − f(x − εv)) / 2ε; the reverse check compares ⟨vjp(u), v⟩ with ⟨u, the same
 * difference⟩ for a seeded random output cotangent u. Order 2 applies the order-1 checks to
 * x ↦ jvp(f, x, v) and x ↦ vjp(f, x)(u), which exercises the rules' own derivatives.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Which modes to check. */
    public enum Mode {
        /** Forward mode (jvp). */
        FORWARD,
        /** Reverse mode (vjp). */
        REVERSE
    }

    /** Thrown when a derivative disagrees with finite differences; the message is the report. */
    public static final class GradientMismatchException extends AssertionError {
        private static final long serialVersionUID = 1L;

        /** An exception with this message. */
        public GradientMismatchException(String message) {
            super(message);
        }
    }

    /** Options: finite-difference step and tolerances, and the seed of the random directions. */
    public record Options(double eps, double rtol, double atol, long seed) {
        /** Checks the options. */
        public Options {
            if (!(eps > 0) || !(rtol >= 0) || !(atol >= 0)) {
                throw new IllegalArgumentException("GradCheck.Options: eps must be > 0 and tolerances >= 0, got eps=" + eps
                        + " rtol=" + rtol + " atol=" + atol);
            }
        }

        /** eps 1e-5, rtol 1e-5, atol 1e-7, seed 0: suits smooth functions of O(1) inputs in double precision. */
        public static Options defaults() {
            return new Options(1e-5, 1e-5, 1e-7, 0L);
        }
    }

    /** Checks up to {@code order} in the given modes with default options. */
    public static <T, R> void checkGrads(Function<T, R> f, T x, int order, Mode... modes) {
        checkGrads(f, x, order, Options.defaults(), modes);
    }

    /**
     * Checks derivatives up to {@code order} (1 or more) in the given modes (both when none given).
     *
     * @throws IllegalArgumentException if x contains NaN or infinity, or order &lt; 1
     * @throws GradientMismatchException if a derivative disagrees with finite differences
     */
    public static <T, R> void checkGrads(Function<T, R> f, T x, int order, Options options, Mode... modes) {
        if (order < 1) {
            throw new IllegalArgumentException("checkGrads: order must be >= 1, got " + order);
        }
        List<Tensor> leaves = Pytree.leaves(x);
        for (int i = 0; i < leaves.size(); i++) {
            if (!leaves.get(i).isFinite()) {
                throw new IllegalArgumentException("checkGrads: input leaf " + i + " contains NaN or infinity: "
                        + leaves.get(i));
            }
        }
        boolean fwd = modes.length == 0;
        boolean rev = modes.length == 0;
        for (Mode m : modes) {
            fwd |= m == Mode.FORWARD;
            rev |= m == Mode.REVERSE;
        }
        check(f, x, order, options, fwd, rev, options.seed());
    }

    private static <T, R> void check(Function<T, R> f, T x, int order, Options o, boolean fwd, boolean rev, long seed) {
        T v = randomLike(x, seed);
        R y0 = f.apply(x);
        R u = randomLike(y0, seed + 1);
        R fd = centralDifference(f, x, v, o.eps());
        if (fwd) {
            R tangent = Autodiff.jvp(f, x, v).tangent();
            compare("forward (jvp)", order, Pytree.toArray(tangent), Pytree.toArray(fd), o);
        }
        if (rev) {
            T ct = Autodiff.vjp(f, x).pullback().apply(u);
            double lhs = Pytree.vdot(ct, v).item();
            double rhs = Pytree.vdot(u, fd).item();
            compare("reverse (vjp)", order, new double[] {lhs}, new double[] {rhs}, o);
        }
        if (order > 1) {
            if (fwd) {
                check((T z) -> Autodiff.jvp(f, z, v).tangent(), x, order - 1, o, true, rev, seed + 2);
            }
            if (rev) {
                check((T z) -> Autodiff.vjp(f, z).pullback().apply(u), x, order - 1, o, fwd, true, seed + 3);
            }
        }
    }

    private static <T, R> R centralDifference(Function<T, R> f, T x, T v, double eps) {
        T xp = Pytree.map2(x, v, (a, b) -> a.concrete().add(b.mul(eps)));
        T xm = Pytree.map2(x, v, (a, b) -> a.concrete().sub(b.mul(eps)));
        R fp = f.apply(xp);
        R fm = f.apply(xm);
        return Pytree.map2(fp, fm, (a, b) -> a.concrete().sub(b.concrete()).div(2 * eps));
    }

    private static <T> T randomLike(T tree, long seed) {
        long[] s = {seed};
        return Pytree.map(tree, t -> Tensor.randomNormal(31 * s[0]++ + 7, t.shape()));
    }

    private static void compare(String what, int order, double[] actual, double[] expected, Options o) {
        List<String> bad = new ArrayList<>();
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            if (!(diff <= o.atol() + o.rtol() * Math.max(Math.abs(expected[i]), scale))) {
                bad.add(String.format(Locale.ROOT, "  entry %d: autodiff %.10g, finite differences %.10g (|diff| %.3g)",
                        i, actual[i], expected[i], diff));
            }
        }
        if (!bad.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            sb.append("checkGrads: ").append(what).append(" derivative of order ").append(order)
                    .append(" disagrees with central finite differences (eps ").append(o.eps()).append(", rtol ")
                    .append(o.rtol()).append(", atol ").append(o.atol()).append(") at ").append(bad.size())
                    .append(" of ").append(actual.length).append(" entries:\n");
            for (int i = 0; i < Math.min(bad.size(), 10); i++) {
                sb.append(bad.get(i)).append('\n');
            }
            throw new GradientMismatchException(sb.toString());
        }
    }
}
