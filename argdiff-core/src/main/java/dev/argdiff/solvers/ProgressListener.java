package dev.argdiff.solvers;

/** Called after every iteration of a solver's {@code run} with the iteration count and the error. */
@FunctionalInterface
public interface ProgressListener {
    /** Called after iteration {@code iteration} (from 1) with the solver's error there. */
    void onIteration(int iteration, double error);
}
