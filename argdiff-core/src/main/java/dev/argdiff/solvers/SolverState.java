package dev.argdiff.solvers;

import java.io.Serializable;

/**
 * The state every iterative solver keeps: the number of iterations done and the current error
 * (the solver's own stopping measure, e.g. ‖∇f(x)‖ or ‖T(x) − x‖; +∞ before the first update).
 * Solver states are records: their tensor components are trees, their numbers static leaves.
 * They are serializable when their parameters are (concrete tensors and their pytrees are).
 */
public interface SolverState extends Serializable {
    /** The number of iterations done. */
    int iterations();

    /** The error the solver measured at this iterate (its stopping criterion). */
    double error();

    /**
     * A final status the solver itself has established (e.g. a certificate of infeasibility), or
     * null (the default) to let the shared loop decide from the error.
     */
    default SolverStatus verdict() {
        return null;
    }

    /**
     * Whether the last line search found no acceptable step and the solver was told to stop then
     * (JAXopt's {@code stop_if_linesearch_fails}); the loop stops with
     * {@link SolverStatus#LINE_SEARCH_FAILED}. False unless a solver says otherwise.
     */
    default boolean lineSearchFailedStop() {
        return false;
    }
}
