package dev.argdiff.solvers;

/**
 * The state every iterative solver keeps: the number of iterations done and the current error
 * (the solver's own stopping measure, e.g. ‖∇f(x)‖ or ‖T(x) − x‖; +∞ before the first update).
 * Solver states are records: their tensor components are trees, their numbers static leaves.
 */
public interface SolverState {
    int iterations();

    double error();

    /**
     * Whether the last line search found no acceptable step and the solver was told to stop then
     * (JAXopt's {@code stop_if_linesearch_fails}); the loop stops with
     * {@link SolverStatus#LINE_SEARCH_FAILED}. False unless a solver says otherwise.
     */
    default boolean lineSearchFailedStop() {
        return false;
    }
}
