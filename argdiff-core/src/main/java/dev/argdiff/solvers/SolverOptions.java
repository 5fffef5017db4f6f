package dev.argdiff.solvers;

import dev.argdiff.implicit.ImplicitOptions;

/**
 * The options every iterative solver understands.
 *
 * @param maxiter         the iteration limit (≥ 1); default 500, as in JAXopt
 * @param tol             stop when the solver's error ≤ tol; default 1e-6. (JAXopt's default is
 *                        1e-3; the error of an implicit derivative is linear in the solution's
 *                        error, so argdiff defaults to a tighter value.)
 * @param implicitDiff    differentiate {@code run} implicitly (default true) or by unrolling the iterations
 * @param implicitOptions the linear solver and certification policy of implicit differentiation;
 *                        its optimality tolerance defaults to this solver's {@code tol}
 * @param listener        called after every iteration, or null
 * @param checkpointEvery when unrolling, group the iterations in blocks of this many and keep only
 *                        each block's input on the reverse tape, recomputing the block in the
 *                        backward pass (memory ~ iterations/k blocks plus one block's tape, for
 *                        about one more forward pass); 0 (the default) keeps every iteration
 */
public record SolverOptions(int maxiter, double tol, boolean implicitDiff, ImplicitOptions implicitOptions,
                            ProgressListener listener, int checkpointEvery) {

    /** Checks the options. */
    public SolverOptions {
        if (maxiter < 1) {
            throw new IllegalArgumentException("maxiter must be >= 1, got " + maxiter);
        }
        if (!(tol >= 0) || Double.isInfinite(tol)) {
            throw new IllegalArgumentException("tol must be finite and >= 0, got " + tol);
        }
        if (implicitOptions == null) {
            throw new IllegalArgumentException("implicitOptions must not be null");
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpointEvery must be >= 0, got " + checkpointEvery);
        }
    }

    /** The default options. */
    public static SolverOptions defaults() {
        return new SolverOptions(500, 1e-6, true, ImplicitOptions.defaults(), null, 0);
    }

    /** These options with this iteration limit. */
    public SolverOptions withMaxiter(int value) {
        return new SolverOptions(value, tol, implicitDiff, implicitOptions, listener, checkpointEvery);
    }

    /** These options with this stopping tolerance. */
    public SolverOptions withTol(double value) {
        return new SolverOptions(maxiter, value, implicitDiff, implicitOptions, listener, checkpointEvery);
    }

    /** These options with implicit differentiation on or off. */
    public SolverOptions withImplicitDiff(boolean value) {
        return new SolverOptions(maxiter, tol, value, implicitOptions, listener, checkpointEvery);
    }

    /** These options with these implicit-differentiation options. */
    public SolverOptions withImplicitOptions(ImplicitOptions value) {
        return new SolverOptions(maxiter, tol, implicitDiff, value, listener, checkpointEvery);
    }

    /** These options with this checkpoint block length for unrolling (see the class comment). */
    public SolverOptions withCheckpointEvery(int value) {
        return new SolverOptions(maxiter, tol, implicitDiff, implicitOptions, listener, value);
    }

    /** These options with this progress listener. */
    public SolverOptions withListener(ProgressListener value) {
        return new SolverOptions(maxiter, tol, implicitDiff, implicitOptions, value, checkpointEvery);
    }
}
