package dev.argdiff.solvers;

import dev.argdiff.ad.Pytree;

/**
 * The stopping decision of the shared solver loop, and what it remembers between iterations.
 *
 * <p>A run stops with the first status that applies after an iteration:
 * <ol>
 *   <li>{@link SolverStatus#NON_FINITE}: the error or an entry of the iterate is NaN or ±∞ —
 *       nothing useful can follow;</li>
 *   <li>the solver's own {@link SolverState#verdict()}, if any (an infeasibility certificate);</li>
 *   <li>{@link SolverStatus#CONVERGED}: error ≤ tol;</li>
 *   <li>{@link SolverStatus#LINE_SEARCH_FAILED}: the solver's state asks to stop after a failed
 *       line search ({@link SolverState#lineSearchFailedStop()});</li>
 *   <li>{@link SolverStatus#DIVERGED}: ‖x_k‖ > {@value #GROWTH}·‖x₁‖ and ε·‖x_k‖ > e₁ and
 *       e_k ≥ e₁/2, with x₁, e₁ the iterate and error after the first iteration and ε the
 *       machine epsilon. At that size a step of the length of the first error rounds away
 *       against x_k, so the iteration can no longer make progress at the problem's own scale,
 *       and the error has not fallen: the iterates run off to infinity (an objective unbounded
 *       below stops here, instead of "converging" once its steps round to zero). The growth
 *       condition spares warm starts whose first error is already at rounding level, the error
 *       condition spares solutions that are merely large;</li>
 *   <li>{@link SolverStatus#STAGNATED} (only when tol &gt; 0): the best error has not improved
 *       by a factor (1 − {@value #IMPROVEMENT}) for max({@value #WINDOW}, b) iterations, b being
 *       the iteration that reached it — tol is below what rounding allows. If over that window
 *       the iterates grew more than {@value #WINDOW_GROWTH}-fold (‖x_k‖ against ‖x‖ when the best
 *       error was reached, or ‖x₁‖ if larger), the run is {@link SolverStatus#DIVERGED} instead:
 *       a still error with running-off iterates is an objective unbounded below taking steps too
 *       small to round away (a stagnated run sits still);</li>
 *   <li>{@link SolverStatus#MAX_ITERATIONS}.</li>
 * </ol>
 * The decision reads only concrete values and this record, so the unrolled, checkpointed
 * (recomputed) and forward-mode evaluations of one run stop at the same iteration. Its numbers
 * are static leaves of a tree (never differentiated).
 *
 * @param firstError    e₁, or NaN before the first iteration
 * @param firstNorm     ‖x₁‖, or NaN before the first iteration
 * @param bestError     the best error so far (improvements smaller than the factor above ignored)
 * @param bestIteration the iteration that reached {@code bestError}
 * @param normAtBest    ‖x‖ at {@code bestIteration}
 * @param status        null while the run goes on
 */
record Progress(double firstError, double firstNorm, double bestError, int bestIteration, double normAtBest,
                SolverStatus status) {

    static final double GROWTH = 1e4;
    static final double WINDOW_GROWTH = 10;
    static final double IMPROVEMENT = 1e-3;
    static final int WINDOW = 100;

    static Progress start() {
        return new Progress(Double.NaN, Double.NaN, Double.POSITIVE_INFINITY, 0, 0.0, null);
    }

    boolean done() {
        return status != null;
    }

    /** The progress after an iteration that produced {@code params} and {@code state}. */
    Progress after(Object params, SolverState state, SolverOptions options) {
        int k = state.iterations();
        double e = state.error();
        double norm = Pytree.norm(params);   // finite exactly when every entry is (it never overflows)
        double e1 = Double.isNaN(firstError) ? e : firstError;
        double n1 = Double.isNaN(firstNorm) ? norm : firstNorm;
        double best = bestError;
        int bestAt = bestIteration;
        double bestNorm = normAtBest;
        if (e < best * (1 - IMPROVEMENT)) {
            best = e;
            bestAt = k;
            bestNorm = norm;
        }
        SolverStatus s = null;
        if (!Double.isFinite(e) || !Double.isFinite(norm)) {
            s = SolverStatus.NON_FINITE;
        } else if (state.verdict() != null) {
            s = state.verdict();
        } else if (e <= options.tol()) {
            s = SolverStatus.CONVERGED;
        } else if (state.lineSearchFailedStop()) {
            s = SolverStatus.LINE_SEARCH_FAILED;
        } else if (norm > GROWTH * n1 && Math.ulp(1.0) * norm > e1 && e >= 0.5 * e1) {
            s = SolverStatus.DIVERGED;
        } else if (options.tol() > 0 && k - bestAt >= Math.max(WINDOW, bestAt)) {
            s = norm > WINDOW_GROWTH * Math.max(bestNorm, n1) ? SolverStatus.DIVERGED : SolverStatus.STAGNATED;
        } else if (k >= options.maxiter()) {
            s = SolverStatus.MAX_ITERATIONS;
        }
        return new Progress(e1, n1, best, bestAt, bestNorm, s);
    }
}
