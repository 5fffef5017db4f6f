package dev.argdiff.solvers;

/**
 * What {@code run} returns: the solution (differentiable with respect to the solver's
 * arguments), the final state, and whether the stopping tolerance was reached. Serializable when
 * its parameters are concrete (a traced tensor refuses to be serialized).
 */
public record SolverResult<X, S extends SolverState>(X params, S state, boolean converged)
        implements java.io.Serializable {

    public int iterations() {
        return state.iterations();
    }

    public double error() {
        return state.error();
    }
}
