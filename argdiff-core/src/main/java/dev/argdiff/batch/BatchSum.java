package dev.argdiff.batch;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The running sums of a batch: exact sums (see {@link BatchResult}) of the used tasks' losses
 * and gradients, their count, and the reports of the tasks that were not used. One is filled per
 * worker thread (or per Spark partition) and they are merged in any order — the result is the
 * same. {@link Batch} uses it in-process; the Spark module uses it as its aggregation value.
 */
public final class BatchSum implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Reports named in an exception message; the exception lists all of them. */
    private static final int NAMED_IN_MESSAGE = 10;

    private final BatchOptions options;
    /** Component 0: the loss; 1..n: the gradient, flattened like θ. */
    private final ExactSum sums;
    private long used;
    private long seen;
    private final ArrayList<TaskReport> reports = new ArrayList<>();
    /** The exception of the failed task with the lowest id (kept only in-process: not serialized). */
    private transient BatchException firstFailure;

    /**
     * Empty sums for a θ of this shape.
     *
     * @throws IllegalArgumentException if {@code theta} or {@code options} is null
     */
    public BatchSum(Object theta, BatchOptions options) {
        if (theta == null) {
            throw new IllegalArgumentException("BatchSum: theta is null");
        }
        if (options == null) {
            throw new IllegalArgumentException("BatchSum: options is null");
        }
        this.options = options;
        this.sums = new ExactSum(1 + Pytree.size(theta));
    }

    /**
     * Evaluates one task's loss and gradient at θ (on the calling thread, with its own
     * {@link Autodiff#valueAndGrad}) and adds them, or records why they were not added.
     *
     * @throws BatchException (status FAILED, naming the task) when the loss throws; the caller
     *                        decides whether to retry (Spark) or record it ({@link #addFailure})
     */
    public <P, T> void addTask(long taskId, P theta, T task, TaskLoss<P, T> loss) {
        TaskValue[] value = new TaskValue[1];
        Autodiff.ValueAndGrad<P> r;
        try {
            r = Autodiff.valueAndGrad((P th) -> {
                TaskValue v = loss.apply(th, task);
                if (v == null) {
                    throw new IllegalArgumentException("the task loss returned null instead of a TaskValue");
                }
                value[0] = v;
                return v.loss();
            }).apply(theta);
        } catch (RuntimeException e) {
            if (value[0] != null && recordKnownFailure(taskId, value[0])) {
                // The loss itself said why (a non-finite value, an unconverged solve): its derivative's
                // failure (e.g. the implicit certification refusing the solution) is the consequence.
                seen++;
                return;
            }
            throw new BatchException("task " + taskId + " threw " + e, List.of(new TaskReport(taskId,
                    TaskReport.Status.FAILED, Double.NaN, "threw " + e)), e);
        }
        seen++;
        double loss0 = r.value().item();
        double[] grad = Pytree.toArray(r.gradient());
        if (grad.length != sums.size() - 1) {
            throw new IllegalStateException("task " + taskId + ": gradient has " + grad.length + " entries, theta has "
                    + (sums.size() - 1));
        }
        String bad = nonFinite(loss0, grad);
        TaskValue v = value[0];
        if (bad != null) {
            reports.add(new TaskReport(taskId, TaskReport.Status.NON_FINITE, v.residual(), bad));
            return;
        }
        if (recordKnownFailure(taskId, v)) {
            return;
        }
        sums.add(0, loss0);
        for (int i = 0; i < grad.length; i++) {
            sums.add(i + 1, grad[i]);
        }
        used++;
    }

    /** Records a task whose loss is not finite or whose inner solve did not converge; false if neither. */
    private boolean recordKnownFailure(long taskId, TaskValue v) {
        double loss = v.loss().item();
        if (!Double.isFinite(loss)) {
            reports.add(new TaskReport(taskId, TaskReport.Status.NON_FINITE, v.residual(), nonFinite(loss, new double[0])));
            return true;
        }
        if (!v.converged() && !Double.isFinite(v.residual())) {
            // The inner solver stopped on non-finite values (NaN data): refused like a NaN loss, never skipped.
            reports.add(new TaskReport(taskId, TaskReport.Status.NON_FINITE, v.residual(), String.format(Locale.ROOT,
                    "inner solve ended on non-finite values (residual %s; NaN or infinite data?)", v.residual())));
            return true;
        }
        if (!v.converged()) {
            reports.add(new TaskReport(taskId, TaskReport.Status.NOT_CONVERGED, v.residual(),
                    String.format(Locale.ROOT, "inner solve did not converge (residual %.3e)", v.residual())));
            return true;
        }
        return false;
    }

    /** Records a task whose loss threw (in-process; Spark retries instead). */
    void addFailure(BatchException e) {
        seen++;
        reports.addAll(e.reports());
        if (firstFailure == null || e.reports().get(0).taskId() < firstFailure.reports().get(0).taskId()) {
            firstFailure = e;
        }
    }

    private static String nonFinite(double loss, double[] grad) {
        if (!Double.isFinite(loss)) {
            return "loss is " + loss + " (NaN or infinite data or solve?)";
        }
        for (int i = 0; i < grad.length; i++) {
            if (!Double.isFinite(grad[i])) {
                return "gradient entry " + i + " is " + grad[i] + " (NaN or infinite data or solve?)";
            }
        }
        return null;
    }

    /** Adds {@code other}'s sums, count and reports to these; returns this. Order does not matter. */
    public BatchSum merge(BatchSum other) {
        sums.merge(other.sums);
        used += other.used;
        seen += other.seen;
        reports.addAll(other.reports);
        if (other.firstFailure != null && (firstFailure == null
                || other.firstFailure.reports().get(0).taskId() < firstFailure.reports().get(0).taskId())) {
            firstFailure = other.firstFailure;
        }
        return this;
    }

    /** The number of tasks evaluated so far (used or reported). */
    public long tasksSeen() {
        return seen;
    }

    /**
     * The batch result: the sums rounded once, the gradient shaped like {@code theta}.
     *
     * @param call the operation, for messages
     * @throws BatchException if any task was refused: NaN/infinite values, an exception, or a
     *                        non-converged inner solve under {@link BatchOptions.NotConverged#FAIL};
     *                        the message names the tasks by id with their residuals
     */
    public <P> BatchResult<P> result(P theta, String call) {
        List<TaskReport> sorted = new ArrayList<>(reports);
        sorted.sort(Comparator.comparingLong(TaskReport::taskId));
        List<TaskReport> refused = new ArrayList<>();
        List<TaskReport> skipped = new ArrayList<>();
        for (TaskReport r : sorted) {
            if (r.status() == TaskReport.Status.NOT_CONVERGED && options.notConverged() == BatchOptions.NotConverged.SKIP) {
                skipped.add(r);
            } else {
                refused.add(r);
            }
        }
        if (!refused.isEmpty()) {
            StringBuilder m = new StringBuilder(call).append(": ").append(refused.size()).append(" of ").append(seen)
                    .append(" tasks refused");
            for (int i = 0; i < Math.min(NAMED_IN_MESSAGE, refused.size()); i++) {
                m.append(i == 0 ? ": " : "; ").append(refused.get(i));
            }
            if (refused.size() > NAMED_IN_MESSAGE) {
                m.append("; ...");
            }
            if (refused.stream().anyMatch(r -> r.status() == TaskReport.Status.NOT_CONVERGED)) {
                m.append(" (raise the inner solver's maxiter, or pass BatchOptions.skipNotConverged() to leave such "
                        + "tasks out explicitly)");
            }
            throw new BatchException(m.toString(), refused, firstFailure);
        }
        double[] total = sums.round();
        double[] grad = new double[total.length - 1];
        System.arraycopy(total, 1, grad, 0, grad.length);
        return new BatchResult<>(total[0], Pytree.fromArray(theta, grad), used, skipped);
    }
}
