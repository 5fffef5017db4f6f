package dev.argdiff.solvers;

/**
 * The line search of Hager and Zhang (CG_DESCENT): a step satisfying the Wolfe conditions
 * <pre>
 *   φ(t) ≤ φ(0) + δ·t·φ'(0)   and   φ'(t) ≥ σ·φ'(0)
 * </pre>
 * or the approximate Wolfe conditions, which are the Wolfe conditions for a quadratic φ and can
 * be decided where the values of f no longer can (near a minimizer, differences of f drown in
 * rounding while φ' does not):
 * <pre>
 *   (2δ − 1)·φ'(0) ≥ φ'(t) ≥ σ·φ'(0)   and   φ(t) ≤ φ(0) + ε·|φ(0)|
 * </pre>
 * found by the bracketing phase (expansion by ρ, steps L0–L3 and B0–B3 of the paper), then
 * double-secant steps (secant²) and bisection when the bracket shrinks by less than γ.
 *
 * <p>If the step reaches the maximal step while φ still decreases, that step is returned with
 * {@link Result#curvature()} false; if the evaluation budget runs out, the lowest point
 * satisfying the decrease condition is returned (curvature false), or the search fails (t = 0).
 *
 * <p>Defaults (JAXopt's {@code HagerZhangLineSearch}, and the paper's): δ = c1 = 0.1,
 * σ = c2 = 0.9, ε = 1e-6, θ = 0.5 (bisection point of the update), γ = 0.66 (shrinkage),
 * ρ = 5 (expansion), maximal step 1, at most 30 evaluations.
 *
 * <p>Reference: W. W. Hager, H. Zhang, "A new conjugate gradient method with guaranteed descent
 * and an efficient line search", SIAM J. Optim. 16 (2005) 170–192; "Algorithm 851: CG_DESCENT",
 * ACM TOMS 32 (2006).
 */
public final class HagerZhangLineSearch implements LineSearch {

    /**
     * The options of the search.
     *
     * @param c1              δ in (0, 0.5): sufficient decrease (default 0.1)
     * @param c2              σ in [c1, 1): curvature (default 0.9)
     * @param epsilon         ε ≥ 0: the relative increase of f the approximate conditions allow (default 1e-6)
     * @param theta           θ in (0, 1): where the update step bisects (default 0.5)
     * @param shrinkage       γ in (0, 1): a secant² step that shrinks the bracket less than this is followed by
     *                        a bisection (default 0.66)
     * @param expansion       ρ &gt; 1: the growth of the step while bracketing (default 5)
     * @param maxStepsize     the largest step (finite, > 0; default 1)
     * @param maxEvaluations  the largest number of evaluations of φ (≥ 1; default 30)
     */
    public record Options(double c1, double c2, double epsilon, double theta, double shrinkage, double expansion,
                          double maxStepsize, int maxEvaluations) {
        /** @throws IllegalArgumentException naming the option and its value when out of range */
        public Options {
            if (!(c1 > 0 && c1 < 0.5)) {
                throw new IllegalArgumentException("HagerZhangLineSearch.c1: must be in (0, 0.5), got " + c1);
            }
            if (!(c2 >= c1 && c2 < 1)) {
                throw new IllegalArgumentException("HagerZhangLineSearch.c2: must be in [c1, 1) = [" + c1
                        + ", 1), got " + c2);
            }
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("HagerZhangLineSearch.epsilon: must be finite and >= 0, got "
                        + epsilon);
            }
            if (!(theta > 0 && theta < 1)) {
                throw new IllegalArgumentException("HagerZhangLineSearch.theta: must be in (0, 1), got " + theta);
            }
            if (!(shrinkage > 0 && shrinkage < 1)) {
                throw new IllegalArgumentException("HagerZhangLineSearch.shrinkage: must be in (0, 1), got "
                        + shrinkage);
            }
            if (!(expansion > 1) || Double.isInfinite(expansion)) {
                throw new IllegalArgumentException("HagerZhangLineSearch.expansion: must be finite and > 1, got "
                        + expansion);
            }
            if (!(maxStepsize > 0) || Double.isInfinite(maxStepsize)) {
                throw new IllegalArgumentException("HagerZhangLineSearch.maxStepsize: must be finite and > 0, got "
                        + maxStepsize);
            }
            if (maxEvaluations < 1) {
                throw new IllegalArgumentException("HagerZhangLineSearch.maxEvaluations: must be >= 1, got "
                        + maxEvaluations);
            }
        }

        public static Options defaults() {
            return new Options(0.1, 0.9, 1e-6, 0.5, 0.66, 5.0, 1.0, 30);
        }

        public Options withC1(double value) {
            return new Options(value, c2, epsilon, theta, shrinkage, expansion, maxStepsize, maxEvaluations);
        }

        public Options withC2(double value) {
            return new Options(c1, value, epsilon, theta, shrinkage, expansion, maxStepsize, maxEvaluations);
        }

        public Options withEpsilon(double value) {
            return new Options(c1, c2, value, theta, shrinkage, expansion, maxStepsize, maxEvaluations);
        }

        public Options withMaxStepsize(double value) {
            return new Options(c1, c2, epsilon, theta, shrinkage, expansion, value, maxEvaluations);
        }

        public Options withMaxEvaluations(int value) {
            return new Options(c1, c2, epsilon, theta, shrinkage, expansion, maxStepsize, value);
        }
    }

    private final Options options;

    private HagerZhangLineSearch(Options options) {
        if (options == null) {
            throw new IllegalArgumentException("HagerZhangLineSearch: options is null");
        }
        this.options = options;
    }

    /** The search with {@link Options#defaults()}. */
    public static HagerZhangLineSearch defaults() {
        return new HagerZhangLineSearch(Options.defaults());
    }

    public Options options() {
        return options;
    }

    public HagerZhangLineSearch with(Options value) {
        return new HagerZhangLineSearch(value);
    }

    public HagerZhangLineSearch withC1(double value) {
        return with(options.withC1(value));
    }

    public HagerZhangLineSearch withC2(double value) {
        return with(options.withC2(value));
    }

    public HagerZhangLineSearch withEpsilon(double value) {
        return with(options.withEpsilon(value));
    }

    @Override
    public HagerZhangLineSearch withMaxStepsize(double value) {
        return with(options.withMaxStepsize(value));
    }

    @Override
    public HagerZhangLineSearch withMaxEvaluations(int value) {
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
    public HagerZhangLineSearch withWolfe(double c1, double c2) {
        return with(new Options(c1, c2, options.epsilon(), options.theta(), options.shrinkage(), options.expansion(), options.maxStepsize(),
                options.maxEvaluations()));
    }

    /** Equal when the options are (a search is a value). */
    @Override
    public boolean equals(Object o) {
        return o instanceof HagerZhangLineSearch other && options.equals(other.options);
    }

    @Override
    public int hashCode() {
        return options.hashCode();
    }

    @Override
    public String toString() {
        return "HagerZhangLineSearch" + options.toString().substring("Options".length());
    }

    @Override
    public Result search(Line line, double value0, double slope0, double initStepsize) {
        if (!(slope0 < 0)) {
            throw new IllegalArgumentException("HagerZhangLineSearch.search: not a descent direction, slope " + slope0);
        }
        if (!(initStepsize > 0)) {
            throw new IllegalArgumentException("HagerZhangLineSearch.search: initial step must be > 0, got "
                    + initStepsize);
        }
        if (line == null) {
            throw new IllegalArgumentException("HagerZhangLineSearch.search: line is null");
        }
        return new Search(line, new Point(0.0, value0, slope0)).run(Math.min(initStepsize, options.maxStepsize()));
    }

    /** Thrown inside a search when a point satisfies the conditions or the budget is spent. */
    private static final class Done extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Result result;

        Done(Result result) {
            super(null, null, false, false);
            this.result = result;
        }
    }

    /** The state of one search. */
    private final class Search {
        private final Line line;
        private final Point origin;
        private final double bound;  // φ(0) + ε|φ(0)|
        private int evaluations;
        private Point best;

        Search(Line line, Point origin) {
            this.line = line;
            this.origin = origin;
            this.bound = origin.value() + options.epsilon() * Math.abs(origin.value());
        }

        Result run(double c) {
            try {
                Point[] ab = bracket(evaluate(c));
                Point a = ab[0];
                Point b = ab[1];
                while (true) {
                    double width = b.stepsize() - a.stepsize();
                    if (!(width > 1e-14 * Math.max(1.0, b.stepsize()))) {
                        return fallback();
                    }
                    Point[] s = secant2(a, b);
                    a = s[0];
                    b = s[1];
                    if (b.stepsize() - a.stepsize() > options.shrinkage() * width) {
                        Point mid = evaluate(0.5 * (a.stepsize() + b.stepsize()));
                        Point[] u = update(a, b, mid);
                        a = u[0];
                        b = u[1];
                    }
                }
            } catch (Done d) {
                return d.result;
            }
        }

        /** B0–B3 with expansion: a bracket [a, b] with φ'(a) < 0, φ(a) ≤ bound, φ'(b) ≥ 0. */
        private Point[] bracket(Point c) {
            Point lastLow = origin;
            while (true) {
                if (c.slope() >= 0) {
                    return new Point[] {lastLow, c};
                }
                if (c.value() > bound) {
                    return bisect(origin, c);
                }
                lastLow = c;
                if (c.stepsize() >= options.maxStepsize()) {
                    throw new Done(new Result(c, decrease(c), false, evaluations));
                }
                c = evaluate(Math.min(options.expansion() * c.stepsize(), options.maxStepsize()));
            }
        }

        /** The update of the bracket [a, b] by a point c (U0–U3). */
        private Point[] update(Point a, Point b, Point c) {
            if (!(c.stepsize() > a.stepsize() && c.stepsize() < b.stepsize())) {
                return new Point[] {a, b};
            }
            if (c.slope() >= 0) {
                return new Point[] {a, c};
            }
            if (c.value() <= bound) {
                return new Point[] {c, b};
            }
            return bisect(a, c);
        }

        /** U3: φ'(b) < 0 but φ(b) above the bound; shrink [a, b] by θ-steps until φ' ≥ 0 at its right end. */
        private Point[] bisect(Point a, Point b) {
            while (true) {
                if (!(b.stepsize() - a.stepsize() > 1e-14 * Math.max(1.0, b.stepsize()))) {
                    throw new Done(fallback());
                }
                Point d = evaluate((1 - options.theta()) * a.stepsize() + options.theta() * b.stepsize());
                if (d.slope() >= 0) {
                    return new Point[] {a, d};
                }
                if (d.value() <= bound) {
                    a = d;
                } else {
                    b = d;
                }
            }
        }

        /**
         * S1–S4: two secant steps, from each end of the bracket. A secant step outside the bracket
         * (the second one extrapolates through two slopes of one sign; rounding can push the first
         * out) is not evaluated: update U0 would discard it, and evaluating it could end the search
         * at a point outside [a, b], even at a negative step.
         */
        private Point[] secant2(Point a, Point b) {
            double c = secant(a, b);
            if (!inside(c, a, b)) {
                c = 0.5 * (a.stepsize() + b.stepsize());
            }
            Point pc = evaluate(c);
            Point[] ab = update(a, b, pc);
            Point[] out = ab;
            Point cBar = null;
            if (pc == ab[1]) {
                cBar = secantPoint(b, ab[1], ab);
            } else if (pc == ab[0]) {
                cBar = secantPoint(a, ab[0], ab);
            }
            if (cBar != null) {
                out = update(ab[0], ab[1], cBar);
            }
            return out;
        }

        /** The secant point of p and q if it lies strictly inside the bracket, else null. */
        private Point secantPoint(Point p, Point q, Point[] bracket) {
            double t = secant(p, q);
            if (!inside(t, bracket[0], bracket[1])) {
                return null;
            }
            return evaluate(t);
        }

        private boolean inside(double t, Point a, Point b) {
            return t > a.stepsize() && t < b.stepsize();
        }

        private double secant(Point a, Point b) {
            return (a.stepsize() * b.slope() - b.stepsize() * a.slope()) / (b.slope() - a.slope());
        }

        private Point evaluate(double t) {
            if (evaluations >= options.maxEvaluations()) {
                throw new Done(fallback());
            }
            Point p = line.at(t);
            evaluations++;
            if (p == null || p.stepsize() != t) {
                throw new IllegalStateException("HagerZhangLineSearch: the line returned " + p + " for step " + t);
            }
            if (Double.isNaN(p.value()) || Double.isNaN(p.slope())) {
                // Outside the domain of f: treated as a step that is far too long.
                p = new Point(t, Double.POSITIVE_INFINITY, Double.NaN);
            }
            boolean dec = decrease(p);
            if (dec && curvature(p)) {
                throw new Done(new Result(p, true, true, evaluations));
            }
            if (dec && (best == null || p.value() < best.value())) {
                best = p;
            }
            if (Double.isNaN(p.slope())) {
                // Too long: behaves like a point past the minimizer with a value above the bound.
                p = new Point(t, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
            }
            return p;
        }

        private Result fallback() {
            if (best != null) {
                return new Result(best, true, false, evaluations);
            }
            return new Result(origin, false, false, evaluations);
        }

        /** Armijo, or the approximate Armijo condition with the bound on φ. */
        private boolean decrease(Point p) {
            if (!(p.value() < Double.POSITIVE_INFINITY)) {
                return false;
            }
            double d = options.c1();
            boolean armijo = p.value() <= origin.value() + d * p.stepsize() * origin.slope();
            boolean approximate = p.slope() <= (2 * d - 1) * origin.slope() && p.value() <= bound;
            return armijo || approximate;
        }

        private boolean curvature(Point p) {
            return p.slope() >= options.c2() * origin.slope();
        }
    }
}
