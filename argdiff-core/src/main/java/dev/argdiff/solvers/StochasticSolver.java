package dev.argdiff.solvers;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The protocol of a stochastic solver (JAXopt's {@code StochasticSolver}): {@link #init} and
 * {@link #update} take a mini-batch — the arguments of the objective for one step — and
 * {@link #runIterator} feeds one batch per update from an iterator.
 *
 * <p>{@code runIterator} makes exactly min({@code maxiter}, batches available) updates and does
 * not stop at a tolerance: a mini-batch gradient's norm is noise, not a convergence measure (as in
 * JAXopt's {@code run_iterator}). It is a plain loop, so a traced batch or initial point is
 * differentiated by unrolling. Everything is deterministic given the batches; with
 * {@link MiniBatches} the batches are deterministic given a seed.
 *
 * <p>Implementations: {@link ArmijoSGD}, {@link PolyakSGD} (which are also
 * {@link IterativeSolver}s: their {@code run(init, args)} is the full-batch solver, with implicit
 * differentiation), and {@link OptimizerSolver}.
 *
 * @param <X> the parameter tree type
 * @param <B> the batch type (usually a record of tensors, hyperparameters included)
 * @param <S> the solver's state
 */
public interface StochasticSolver<X, B, S> {

    /** The initial state; {@code firstBatch} is the batch of the first update. */
    S init(X initParams, B firstBatch);

    /** One update on one mini-batch. */
    OptStep<X, S> update(X params, S state, B batch);

    /** The number of updates {@link #runIterator} makes at most. */
    int maxiter();

    /** Called after every update of {@link #runIterator}, or null (the default). */
    default ProgressListener listener() {
        return null;
    }

    /**
     * Runs {@link #update} once per batch, for at most {@link #maxiter()} batches.
     *
     * @throws IllegalArgumentException if initParams or batches is null, or batches is empty
     */
    default OptStep<X, S> runIterator(X initParams, Iterator<? extends B> batches) {
        String name = getClass().getSimpleName();
        String op = (name.isEmpty() ? "StochasticSolver" : name) + ".runIterator";
        if (initParams == null) {
            throw new IllegalArgumentException(op + ": initParams is null");
        }
        if (batches == null) {
            throw new IllegalArgumentException(op + ": batches is null");
        }
        B batch;
        try {
            batch = batches.next();
        } catch (NoSuchElementException e) {
            throw new IllegalArgumentException(op + ": the iterator has no batch", e);
        }
        X params = initParams;
        S state = init(initParams, batch);
        ProgressListener listener = listener();
        for (int k = 0; k < maxiter(); k++) {
            if (k > 0) {
                if (!batches.hasNext()) {
                    break;
                }
                batch = batches.next();
            }
            if (batch == null) {
                throw new IllegalArgumentException(op + ": batch " + k + " is null");
            }
            OptStep<X, S> step = update(params, state, batch);
            params = step.params();
            state = step.state();
            if (listener != null && state instanceof SolverState) {
                listener.onStep(params, (SolverState) state);
            }
        }
        return new OptStep<>(params, state);
    }
}
