package dev.argdiff.solvers;

/**
 * The state every iterative solver keeps: the number of iterations done and the current error
 * (the solver's own stopping measure, e.g. ‖∇f(x)‖ or ‖T(x) − x‖; +∞ before the first update).
 * Solver states are records: their tensor components are trees, their numbers static leaves.
 * They are serializable when their parameters are (concrete tensors and their pytrees are).
 */
public interface SolverState extends java.io.Serializable {
    int iterations();

    double error();
}
