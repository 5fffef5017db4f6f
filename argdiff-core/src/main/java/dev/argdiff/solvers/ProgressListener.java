package dev.argdiff.solvers;

import java.util.function.BiConsumer;

/**
 * The one progress listener of every solver: {@link IterativeSolver#run} (every solver, unrolled,
 * checkpointed or implicit) and {@link StochasticSolver#runIterator} call it after every
 * iteration. A lambda {@code (iteration, error) -> …} hears the iteration count (from 1) and the
 * solver's error; {@link #onSteps} builds one that also sees the new iterate and the whole state
 * (the objective value, step size, auxiliary output… of the solver's state record).
 *
 * <p>A checkpointed run's recomputations in the backward pass are not reported. The listener
 * runs on the solver's thread; what it records is its own business (the solvers stay immutable).
 */
@FunctionalInterface
public interface ProgressListener {

    /** After iteration {@code iteration} (1 for the first), with the solver's error. */
    void onIteration(int iteration, double error);

    /**
     * After an iteration, with its result; by default {@code onIteration(state.iterations(),
     * state.error())}.
     */
    default void onStep(Object params, SolverState state) {
        onIteration(state.iterations(), state.error());
    }

    /**
     * A listener that sees each new iterate and state. The types are the solver's: a listener
     * declared for other ones fails with a {@link ClassCastException} at its first call.
     *
     * @throws IllegalArgumentException if listener is null
     */
    static <X, S extends SolverState> ProgressListener onSteps(BiConsumer<? super X, ? super S> listener) {
        if (listener == null) {
            throw new IllegalArgumentException("ProgressListener.onSteps: listener is null");
        }
        return new ProgressListener() {
            @Override
            public void onIteration(int iteration, double error) {
                throw new UnsupportedOperationException("ProgressListener.onSteps: this listener hears onStep only");
            }

            // The caller declares the solver's types; a mismatch fails loudly at the first cast.
            @SuppressWarnings("unchecked")
            @Override
            public void onStep(Object params, SolverState state) {
                listener.accept((X) params, (S) state);
            }
        };
    }
}
