package dev.argdiff.solvers;

/** Called after every iteration of a solver's {@code run} with the iteration count and the error. */
@FunctionalInterface
public interface ProgressListener {
    void onIteration(int iteration, double error);
}
