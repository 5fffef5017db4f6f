package dev.argdiff.solvers;

/**
 * The state every iterative solver keeps: the number of iterations done and the current error
 * (the solver's own stopping measure, e.g. ‖∇f(x)‖ or ‖T(x) − x‖; +∞ before the first update).
 * Solver states are records: their tensor components are trees, their numbers static leaves.
 */
public interface SolverState {
    /** The number of iterations done. */
    int iterations();

    /** The error the solver measured at this iterate (its stopping criterion). */
    double error();
}
