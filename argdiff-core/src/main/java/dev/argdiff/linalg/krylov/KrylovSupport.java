package dev.argdiff.linalg.krylov;

/** Level-1 kernels, input checks and the checked operator wrapper shared by the solvers. */
final class KrylovSupport {

    /** Unit roundoff of double: 2⁻⁵². */
    static final double EPS = Math.ulp(1.0);

    private KrylovSupport() {
    }

    /**
     * Internal signal that a matvec, the preconditioner or the arithmetic produced a NaN or an
     * infinity; caught by the solver, which then returns {@link KrylovResult.Status#NON_FINITE}.
     * It never escapes this package.
     */
    static final class NonFiniteException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NonFiniteException(String message) {
            super(message, null, false, false);
        }
    }

    /** Throws a {@link NonFiniteException} naming {@code what} if {@code value} is NaN or infinite. */
    static double checkFinite(double value, String what) {
        if (!Double.isFinite(value)) {
            throw new NonFiniteException(what + " is " + value);
        }
        return value;
    }

    /** Refuses a vector with a NaN or infinite entry, naming the argument and the index. */
    static void requireFinite(double[] v, String name, String caller) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(caller + ": " + name + "[" + i + "] is " + v[i]
                        + "; " + name + " must be finite");
            }
        }
    }

    static <T> T requireNonNull(T value, String name, String caller) {
        if (value == null) {
            throw new NullPointerException(caller + ": " + name + " is null");
        }
        return value;
    }

    static double dot(double[] x, double[] y) {
        double s = 0.0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    /** y ← y + alpha·x. */
    static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    /**
     * The Euclidean norm. The plain sum of squares is used when it is safely inside the normal
     * range; otherwise (entries beyond ~1e154 or below ~1e-135) the vector is rescaled by its
     * largest magnitude first, so neither overflow nor underflow corrupts the result.
     */
    static double norm(double[] x) {
        double s = 0.0;
        for (double v : x) {
            s += v * v;
        }
        if (s > 0x1p-900 && s < Double.POSITIVE_INFINITY) {
            return Math.sqrt(s);
        }
        if (Double.isNaN(s)) {
            return Double.NaN;
        }
        double scale = 0.0;
        for (double v : x) {
            double a = Math.abs(v);
            if (!(a <= scale)) {
                scale = a;
            }
        }
        if (scale == 0.0 || !Double.isFinite(scale)) {
            return scale;
        }
        s = 0.0;
        for (double v : x) {
            double t = v / scale;
            s += t * t;
        }
        return scale * Math.sqrt(s);
    }

    /**
     * A user {@link MatVec} behind the checks every call needs: output length, aliasing of the
     * input, finiteness, plus the optional ridge term {@code + ridge·x}.
     */
    static final class Operator {
        private final MatVec f;
        private final String caller;
        private final String name;
        private final int outLength;
        private final String outLengthMeaning;
        private final double ridge;

        /**
         * @param f                the user's map
         * @param caller           the solver, for messages
         * @param name             the argument's name, for messages ("matvec a", "preconditioner")
         * @param outLength        the required output length
         * @param outLengthMeaning what that length is, for messages ("the length of b")
         * @param ridge            added times the input to the output; 0 for none
         */
        Operator(MatVec f, String caller, String name, int outLength, String outLengthMeaning,
                 double ridge) {
            this.f = f;
            this.caller = caller;
            this.name = name;
            this.outLength = outLength;
            this.outLengthMeaning = outLengthMeaning;
            this.ridge = ridge;
        }

        double[] apply(double[] x) {
            double[] y = f.apply(x);
            if (y == null) {
                throw new IllegalArgumentException(caller + ": " + name + " returned null");
            }
            if (y.length != outLength) {
                throw new IllegalArgumentException(caller + ": " + name + " returned a vector of length "
                        + y.length + ", expected " + outLength + " (" + outLengthMeaning + ")");
            }
            if (y == x) {
                // An identity-like map returning its argument: the solvers update outputs in place.
                y = y.clone();
            }
            for (int i = 0; i < y.length; i++) {
                double v = ridge == 0.0 ? y[i] : y[i] + ridge * x[i];
                if (!Double.isFinite(v)) {
                    throw new NonFiniteException(name + " returned " + y[i] + " at index " + i);
                }
                y[i] = v;
            }
            return y;
        }
    }
}
