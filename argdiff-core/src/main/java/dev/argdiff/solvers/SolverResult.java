package dev.argdiff.solvers;

import java.io.Serializable;

/**
 * What {@code run} returns: the solution (differentiable with respect to the solver's
 * arguments), the final state, and why the run stopped. Serializable when its parameters are
 * concrete (a traced tensor refuses to be serialized).
 */
public record SolverResult<X, S extends SolverState>(X params, S state, SolverStatus status)
        implements Serializable {

    /** @throws IllegalArgumentException if status is null */
    public SolverResult {
        if (status == null) {
            throw new IllegalArgumentException("SolverResult: status is null");
        }
    }

    /** Whether the stopping tolerance was reached ({@link SolverStatus#CONVERGED}). */
    public boolean converged() {
        return status == SolverStatus.CONVERGED;
    }

    /** The number of iterations done. */
    public int iterations() {
        return state.iterations();
    }

    /** The final error of the solver. */
    public double error() {
        return state.error();
    }
}
