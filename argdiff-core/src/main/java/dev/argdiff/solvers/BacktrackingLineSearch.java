package dev.argdiff.solvers;

/**
 * Backtracking line search: t = t₀, t₀·β, t₀·β², … until the chosen condition holds on
 * φ(t) = f(x + t·d):
 * <pre>
 *   ARMIJO:        φ(t) ≤ φ(0) + c1·t·φ'(0)
 *   WOLFE:         ARMIJO and φ'(t) ≥ c2·φ'(0)
 *   STRONG_WOLFE:  ARMIJO and |φ'(t)| ≤ c2·|φ'(0)|
 * </pre>
 *
 * <p>Departure from JAXopt (the same as {@link ProximalGradient}'s, see the design notes): where
 * the decrease c1·t·|φ'(0)| asked for is not well above the rounding noise of f (near a
 * minimizer), the Armijo test on values cannot decide; there the gradient form of the same
 * condition, exact for a quadratic φ, is used: φ'(t) ≤ (2·c1 − 1)·φ'(0) (Hager and Zhang's
 * approximate Armijo condition). A NaN value or slope is a step that is too long.
 *
 * <p>When {@code maxEvaluations} steps all fail, the search fails ({@link Result#failed()}, t = 0).
 *
 * <p>Defaults (JAXopt's {@code BacktrackingLineSearch}, with its Armijo condition): c1 = 1e-4,
 * c2 = 0.9, decrease factor β = 0.8, maximal step 1, at most 30 evaluations.
 *
 * <p>Reference: J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006,
 * Algorithm 3.1; W. W. Hager, H. Zhang, "A new conjugate gradient method with guaranteed descent
 * and an efficient line search", SIAM J. Optim. 16 (2005).
 */
public final class BacktrackingLineSearch implements LineSearch {

    /** The condition the accepted step satisfies. */
    public enum Condition { ARMIJO, WOLFE, STRONG_WOLFE }

    /** Multiples of ulp(|φ(0)|) taken as the rounding error of a difference of two values of f. */
    private static final double ROUNDOFF_FACTOR = 100;

    /**
     * The options of the search.
     *
     * @param condition      the condition of an accepted step (default ARMIJO)
     * @param c1             sufficient-decrease constant in (0, 1) (default 1e-4)
     * @param c2             curvature constant in (c1, 1) (default 0.9; unused by ARMIJO)
     * @param decreaseFactor β in (0, 1), the factor of each backtracking step (default 0.8)
     * @param maxStepsize    the largest step (finite, > 0; default 1)
     * @param maxEvaluations the largest number of evaluations of φ (≥ 1; default 30)
     */
    public record Options(Condition condition, double c1, double c2, double decreaseFactor, double maxStepsize,
                          int maxEvaluations) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            if (condition == null) {
                throw new IllegalArgumentException("BacktrackingLineSearch.condition: must not be null");
            }
            if (!(c1 > 0 && c1 < 1)) {
                throw new IllegalArgumentException("BacktrackingLineSearch.c1: must be in (0, 1), got " + c1);
            }
            if (!(c2 > c1 && c2 < 1)) {
                throw new IllegalArgumentException("BacktrackingLineSearch.c2: must be in (c1, 1) = (" + c1
                        + ", 1), got " + c2);
            }
            if (!(decreaseFactor > 0 && decreaseFactor < 1)) {
                throw new IllegalArgumentException("BacktrackingLineSearch.decreaseFactor: must be in (0, 1), got "
                        + decreaseFactor);
            }
            if (!(maxStepsize > 0) || Double.isInfinite(maxStepsize)) {
                throw new IllegalArgumentException("BacktrackingLineSearch.maxStepsize: must be finite and > 0, got "
                        + maxStepsize);
            }
            if (maxEvaluations < 1) {
                throw new IllegalArgumentException("BacktrackingLineSearch.maxEvaluations: must be >= 1, got "
                        + maxEvaluations);
            }
        }

        public static Options defaults() {
            return new Options(Condition.ARMIJO, 1e-4, 0.9, 0.8, 1.0, 30);
        }

        public Options withCondition(Condition value) {
            return new Options(value, c1, c2, decreaseFactor, maxStepsize, maxEvaluations);
        }

        public Options withC1(double value) {
            return new Options(condition, value, c2, decreaseFactor, maxStepsize, maxEvaluations);
        }

        public Options withC2(double value) {
            return new Options(condition, c1, value, decreaseFactor, maxStepsize, maxEvaluations);
        }

        public Options withDecreaseFactor(double value) {
            return new Options(condition, c1, c2, value, maxStepsize, maxEvaluations);
        }

        public Options withMaxStepsize(double value) {
            return new Options(condition, c1, c2, decreaseFactor, value, maxEvaluations);
        }

        public Options withMaxEvaluations(int value) {
            return new Options(condition, c1, c2, decreaseFactor, maxStepsize, value);
        }
    }

    private final Options options;

    private BacktrackingLineSearch(Options options) {
        if (options == null) {
            throw new IllegalArgumentException("BacktrackingLineSearch: options is null");
        }
        this.options = options;
    }

    /** The search with {@link Options#defaults()}. */
    public static BacktrackingLineSearch defaults() {
        return new BacktrackingLineSearch(Options.defaults());
    }

    public Options options() {
        return options;
    }

    public BacktrackingLineSearch with(Options value) {
        return new BacktrackingLineSearch(value);
    }

    public BacktrackingLineSearch withCondition(Condition value) {
        return with(options.withCondition(value));
    }

    public BacktrackingLineSearch withC1(double value) {
        return with(options.withC1(value));
    }

    public BacktrackingLineSearch withC2(double value) {
        return with(options.withC2(value));
    }

    public BacktrackingLineSearch withDecreaseFactor(double value) {
        return with(options.withDecreaseFactor(value));
    }

    @Override
    public BacktrackingLineSearch withMaxStepsize(double value) {
        return with(options.withMaxStepsize(value));
    }

    @Override
    public BacktrackingLineSearch withMaxEvaluations(int value) {
        return with(options.withMaxEvaluations(value));
    }

    @Override
    public double maxStepsize() {
        return options.maxStepsize();
    }

    @Override
    public int maxEvaluations() {
        return options.maxEvaluations();
    }

    @Override
    public double c1() {
        return options.c1();
    }

    @Override
    public double c2() {
        return options.c2();
    }

    /** A copy with these constants (both validated together, so c1 &lt; c2 may move either way). */
    @Override
    public BacktrackingLineSearch withWolfe(double c1, double c2) {
        return with(new Options(options.condition(), c1, c2, options.decreaseFactor(), options.maxStepsize(), options.maxEvaluations()));
    }

    /** Equal when the options are (a search is a value). */
    @Override
    public boolean equals(Object o) {
        return o instanceof BacktrackingLineSearch other && options.equals(other.options);
    }

    @Override
    public int hashCode() {
        return options.hashCode();
    }

    @Override
    public String toString() {
        return "BacktrackingLineSearch" + options.toString().substring("Options".length());
    }

    @Override
    public Result search(Line line, double value0, double slope0, double initStepsize) {
        if (!(slope0 < 0)) {
            throw new IllegalArgumentException("BacktrackingLineSearch.search: not a descent direction, slope " + slope0);
        }
        if (!(initStepsize > 0)) {
            throw new IllegalArgumentException("BacktrackingLineSearch.search: initial step must be > 0, got "
                    + initStepsize);
        }
        if (line == null) {
            throw new IllegalArgumentException("BacktrackingLineSearch.search: line is null");
        }
        double noise = ROUNDOFF_FACTOR * Math.ulp(Math.abs(value0));
        double t = Math.min(initStepsize, options.maxStepsize());
        for (int k = 1; k <= options.maxEvaluations(); k++) {
            Point p = line.at(t);
            if (p == null || p.stepsize() != t) {
                throw new IllegalStateException("BacktrackingLineSearch: the line returned " + p + " for step " + t);
            }
            if (armijo(p, value0, slope0, noise) && curvature(p, slope0)) {
                return new Result(p, true, true, k);
            }
            t *= options.decreaseFactor();
        }
        return new Result(new Point(0.0, value0, slope0), false, false, options.maxEvaluations());
    }

    private boolean armijo(Point p, double value0, double slope0, double noise) {
        if (Double.isNaN(p.value()) || Double.isNaN(p.slope()) || p.value() == Double.POSITIVE_INFINITY) {
            return false;
        }
        double c1 = options.c1();
        if (-c1 * p.stepsize() * slope0 > noise) {
            return p.value() <= value0 + c1 * p.stepsize() * slope0;
        }
        // The decrease asked for is within the rounding noise of f: the gradient form of the test.
        return p.slope() <= (2 * c1 - 1) * slope0 && p.value() <= value0 + noise;
    }

    private boolean curvature(Point p, double slope0) {
        switch (options.condition()) {
            case WOLFE:
                return p.slope() >= options.c2() * slope0;
            case STRONG_WOLFE:
                return Math.abs(p.slope()) <= options.c2() * Math.abs(slope0);
            default:
                return true;
        }
    }
}
