package dev.argdiff.solvers;

/**
 * What {@code run} returns: the solution (differentiable with respect to the solver's
 * arguments), the final state, and whether the stopping tolerance was reached.
 */
public record SolverResult<X, S extends SolverState>(X params, S state, boolean converged) {

    public int iterations() {
        return state.iterations();
    }

    public double error() {
        return state.error();
    }
}
