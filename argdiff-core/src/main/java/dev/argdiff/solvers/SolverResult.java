package dev.argdiff.solvers;

/**
 * What {@code run} returns: the solution (differentiable with respect to the solver's
 * arguments), the final state, and whether the stopping tolerance was reached.
 */
public record SolverResult<X, S extends SolverState>(X params, S state, boolean converged) {

    /** The number of iterations done. */
    public int iterations() {
        return state.iterations();
    }

    /** The final error of the solver. */
    public double error() {
        return state.error();
    }
}
