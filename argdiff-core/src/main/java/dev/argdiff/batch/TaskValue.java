package dev.argdiff.batch;

import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

/**
 * What a {@link TaskLoss} returns for one task: its scalar loss (differentiable in θ) and the
 * outcome of the task's inner solve, so that a batch can report a task whose solve did not
 * converge instead of adding its loss and gradient silently.
 *
 * @param loss      the task's loss, a 0-d tensor (traced in θ when the batch differentiates it)
 * @param converged whether the task's inner solve reached its tolerance (true when there is none)
 * @param residual  the inner solve's final error (its stopping measure, e.g. ‖∇f‖), NaN when there is none
 */
public record TaskValue(Tensor loss, boolean converged, double residual) {

    /**
     * @throws IllegalArgumentException if {@code loss} is null or not 0-d
     */
    public TaskValue {
        if (loss == null) {
            throw new IllegalArgumentException("TaskValue: loss is null");
        }
        if (loss.shape().length != 0) {
            throw new IllegalArgumentException("TaskValue: loss must be a 0-d tensor, got shape "
                    + java.util.Arrays.toString(loss.shape()));
        }
    }

    /** A loss without an inner solve to report. */
    public static TaskValue of(Tensor loss) {
        return new TaskValue(loss, true, Double.NaN);
    }

    /** A loss computed from an inner solve: its {@code converged()} and {@code error()} are reported. */
    public static TaskValue of(Tensor loss, SolverResult<?, ?> inner) {
        if (inner == null) {
            throw new IllegalArgumentException("TaskValue.of: inner solver result is null");
        }
        return new TaskValue(loss, inner.converged(), inner.error());
    }
}
