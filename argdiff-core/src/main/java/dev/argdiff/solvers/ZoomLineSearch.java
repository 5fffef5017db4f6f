package dev.argdiff.solvers;

/**
 * A line search for a step t along a descent direction d satisfying the strong Wolfe
 * conditions on φ(t) = f(x + t·d):
 * <pre>
 *   sufficient decrease (Armijo):  φ(t) ≤ φ(0) + c1·t·φ'(0)
 *   curvature (strong Wolfe):      |φ'(t)| ≤ c2·|φ'(0)|
 * </pre>
 * by bracketing (the step grows by {@code increaseFactor} up to {@code maxStepsize}) and then
 * zooming into the bracket with safeguarded cubic interpolation (bisection when the cubic step
 * falls outside the middle 80 % of the bracket): Algorithms 3.5 and 3.6 of Nocedal and Wright.
 *
 * <p>Close to a minimizer the Armijo test can fail through rounding alone; as in JAXopt's zoom
 * line search, the approximate Wolfe decrease condition of Hager and Zhang is then accepted in
 * its place: φ'(t) ≤ (2c1 − 1)·φ'(0) and φ(t) ≤ φ(0) + c3·|φ(0)|.
 *
 * <p>The search works on plain numbers: it is a discrete choice of the step, never
 * differentiated (a solver unrolled through it treats the chosen step as a constant).
 * If no step satisfies both conditions within {@code maxEvaluations} evaluations of φ, the
 * result is the step with the lowest value among those satisfying sufficient decrease
 * ({@link Result#curvature()} false), or a failure ({@link Result#failed()}) when there is none.
 *
 * <p>Defaults (JAXopt's {@code ZoomLineSearch}): c1 = 1e-4, c2 = 0.9, c3 = 1e-6, increase factor
 * 2, at most 30 evaluations; maximal step 1 (what JAXopt's LBFGS passes).
 *
 * <p>References: J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006,
 * §3.5; W. W. Hager, H. Zhang, "Algorithm 851: CG_DESCENT", ACM TOMS 2006.
 *
 * @param c1             the sufficient-decrease constant, in (0, 1)
 * @param c2             the curvature constant, in (c1, 1)
 * @param c3             the tolerance of the approximate decrease condition, finite and ≥ 0
 * @param increaseFactor the bracketing growth factor, finite and &gt; 1
 * @param maxStepsize    the largest step tried, finite and &gt; 0
 * @param maxEvaluations the largest number of evaluations of φ, ≥ 1
 */
public record ZoomLineSearch(double c1, double c2, double c3, double increaseFactor, double maxStepsize,
                             int maxEvaluations) implements LineSearch {

    /** @throws IllegalArgumentException naming the option and its value when one is out of range */
    public ZoomLineSearch {
        if (!(c1 > 0 && c1 < 1)) {
            throw new IllegalArgumentException("ZoomLineSearch.c1: must be in (0, 1), got " + c1);
        }
        if (!(c2 > c1 && c2 < 1)) {
            throw new IllegalArgumentException("ZoomLineSearch.c2: must be in (c1, 1) = (" + c1 + ", 1), got " + c2);
        }
        if (!(c3 >= 0) || Double.isInfinite(c3)) {
            throw new IllegalArgumentException("ZoomLineSearch.c3: must be finite and >= 0, got " + c3);
        }
        if (!(increaseFactor > 1) || Double.isInfinite(increaseFactor)) {
            throw new IllegalArgumentException("ZoomLineSearch.increaseFactor: must be finite and > 1, got "
                    + increaseFactor);
        }
        if (!(maxStepsize > 0) || Double.isInfinite(maxStepsize)) {
            throw new IllegalArgumentException("ZoomLineSearch.maxStepsize: must be finite and > 0, got " + maxStepsize);
        }
        if (maxEvaluations < 1) {
            throw new IllegalArgumentException("ZoomLineSearch.maxEvaluations: must be >= 1, got " + maxEvaluations);
        }
    }

    /** The defaults: c1 = 1e-4, c2 = 0.9, c3 = 1e-6, increase factor 2, maximal step 1, 30 evaluations. */
    public static ZoomLineSearch defaults() {
        return new ZoomLineSearch(1e-4, 0.9, 1e-6, 2.0, 1.0, 30);
    }

    /**
     * The Wolfe constants 0 &lt; c1 &lt; c2 &lt; 1.
     *
     * @throws IllegalArgumentException naming c1 or c2 if out of range
     */
    public ZoomLineSearch wolfe(double c1, double c2) {
        return new ZoomLineSearch(c1, c2, c3, increaseFactor, maxStepsize, maxEvaluations);
    }

    /** The largest step tried (finite, > 0). */
    public ZoomLineSearch maxStepsize(double value) {
        return new ZoomLineSearch(c1, c2, c3, increaseFactor, value, maxEvaluations);
    }

    /** The largest number of evaluations of φ (≥ 1). */
    public ZoomLineSearch maxEvaluations(int value) {
        return new ZoomLineSearch(c1, c2, c3, increaseFactor, maxStepsize, value);
    }

    /** A copy with this maximal step (finite, &gt; 0). */
    @Override
    public ZoomLineSearch withMaxStepsize(double value) {
        return maxStepsize(value);
    }

    /** A copy with at most this many evaluations of φ (≥ 1). */
    @Override
    public ZoomLineSearch withMaxEvaluations(int value) {
        return maxEvaluations(value);
    }

    /** The Wolfe constants 0 &lt; c1 &lt; c2 &lt; 1, as {@link #wolfe}. */
    @Override
    public ZoomLineSearch withWolfe(double c1, double c2) {
        return wolfe(c1, c2);
    }

    /**
     * Searches from t = {@code initStepsize} (clipped to the maximal step).
     *
     * @param line   φ
     * @param value0 φ(0)
     * @param slope0 φ'(0), negative for a descent direction
     * @throws IllegalArgumentException if slope0 is not negative or the initial step not positive
     */
    @Override
    public Result search(Line line, double value0, double slope0, double initStepsize) {
        if (!(slope0 < 0)) {
            throw new IllegalArgumentException("ZoomLineSearch.search: not a descent direction, slope " + slope0);
        }
        if (!(initStepsize > 0)) {
            throw new IllegalArgumentException("ZoomLineSearch.search: initial step must be > 0, got " + initStepsize);
        }
        Search s = new Search(line, new Point(0.0, value0, slope0));
        return s.run(Math.min(initStepsize, maxStepsize));
    }

    /** The state of one search. */
    private final class Search {
        private final Line line;
        private final Point origin;
        private int evaluations;
        private Point best;  // the lowest value among the points with sufficient decrease

        Search(Line line, Point origin) {
            this.line = line;
            this.origin = origin;
        }

        Result run(double t0) {
            Point prev = origin;
            double t = t0;
            while (evaluations < maxEvaluations) {
                Point p = evaluate(t);
                boolean dec = decrease(p);
                if (dec && curvature(p)) {
                    return new Result(p, true, true, evaluations);
                }
                if (!dec || (prev != origin && p.value() >= prev.value())) {
                    return zoom(prev, p);
                }
                if (p.slope() >= 0) {
                    return zoom(p, prev);
                }
                if (t >= maxStepsize) {
                    // Decrease but no curvature up to the largest step allowed: take it.
                    return new Result(p, true, false, evaluations);
                }
                prev = p;
                t = Math.min(t * increaseFactor, maxStepsize);
            }
            return fallback();
        }

        /** Algorithm 3.6: lo has sufficient decrease and the lowest value so far; φ'(lo)·(hi − lo) < 0. */
        private Result zoom(Point lo, Point hi) {
            while (evaluations < maxEvaluations) {
                double a = Math.min(lo.stepsize(), hi.stepsize());
                double b = Math.max(lo.stepsize(), hi.stepsize());
                double delta = b - a;
                if (!(delta > 1e-12 * Math.max(1.0, b))) {
                    break;
                }
                double t = cubicMinimizer(lo, hi);
                if (!(t >= a + 0.1 * delta && t <= b - 0.1 * delta)) {
                    t = 0.5 * (a + b);
                }
                Point p = evaluate(t);
                boolean dec = decrease(p);
                if (dec && curvature(p)) {
                    return new Result(p, true, true, evaluations);
                }
                if (!dec || p.value() >= lo.value()) {
                    hi = p;
                } else {
                    if (p.slope() * (hi.stepsize() - lo.stepsize()) >= 0) {
                        hi = lo;
                    }
                    lo = p;
                }
            }
            return fallback();
        }

        private Result fallback() {
            if (best != null) {
                return new Result(best, true, false, evaluations);
            }
            return new Result(origin, false, false, evaluations);
        }

        private Point evaluate(double t) {
            Point p = line.at(t);
            evaluations++;
            if (p == null || p.stepsize() != t) {
                throw new IllegalStateException("ZoomLineSearch: the line returned " + p + " for step " + t);
            }
            if (Double.isNaN(p.value()) || Double.isNaN(p.slope())) {
                // Outside the domain of f: treated as a step that is far too long.
                p = new Point(t, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
            }
            if (decrease(p) && (best == null || p.value() < best.value())) {
                best = p;
            }
            return p;
        }

        private boolean decrease(Point p) {
            if (!(p.value() < Double.POSITIVE_INFINITY)) {
                return false;
            }
            double v0 = origin.value();
            double g0 = origin.slope();
            boolean armijo = p.value() <= v0 + c1 * p.stepsize() * g0;
            boolean approximate = p.slope() <= (2 * c1 - 1) * g0 && p.value() <= v0 + c3 * Math.abs(v0);
            return armijo || approximate;
        }

        private boolean curvature(Point p) {
            return Math.abs(p.slope()) <= c2 * Math.abs(origin.slope());
        }
    }

    /** The minimizer of the cubic interpolating values and slopes at two points (NaN if none). */
    private static double cubicMinimizer(Point p, Point q) {
        double d1 = p.slope() + q.slope() - 3 * (p.value() - q.value()) / (p.stepsize() - q.stepsize());
        double rad = d1 * d1 - p.slope() * q.slope();
        if (!(rad >= 0) || !Double.isFinite(rad)) {
            return Double.NaN;
        }
        double d2 = Math.signum(q.stepsize() - p.stepsize()) * Math.sqrt(rad);
        return q.stepsize() - (q.stepsize() - p.stepsize()) * (q.slope() + d2 - d1) / (q.slope() - p.slope() + 2 * d2);
    }
}
