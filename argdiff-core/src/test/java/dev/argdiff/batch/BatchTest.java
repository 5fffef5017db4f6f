package dev.argdiff.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.RidgeTasks;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchTest {
    private static final double THETA = Math.log(0.3);
    private static final List<RidgeTasks.Task> TASKS = RidgeTasks.generate(13, 30, 5, 7L);
    private static final TaskLoss<Tensor, RidgeTasks.Task> LOSS = RidgeTasks.hypergradientLoss(200, 1e-10);

    private static Batch one;
    private static Batch two;
    private static Batch three;

    @BeforeAll
    static void pools() {
        one = Batch.withThreads(1);
        two = Batch.withThreads(2);
        three = Batch.withThreads(3);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
        three.close();
    }

    /** A task with its own inner iteration limit (to make one task stop early on purpose). */
    record Limited(RidgeTasks.Task task, int maxiter) {
    }

    private static final TaskLoss<Tensor, Limited> LIMITED = (th, t) -> RidgeTasks.loss(th, t.task(), t.maxiter(), 1e-10);

    @Test
    void sumsMatchTheClosedFormAndAreBitIdenticalForOneTwoThreeThreads() {
        BatchResult<Tensor> r1 = one.sumValueAndGrad(Tensor.scalar(THETA), TASKS, LOSS, BatchOptions.defaults());
        BatchResult<Tensor> r2 = two.sumValueAndGrad(Tensor.scalar(THETA), TASKS, LOSS, BatchOptions.defaults());
        BatchResult<Tensor> r3 = three.sumValueAndGrad(Tensor.scalar(THETA), TASKS, LOSS, BatchOptions.defaults());
        double loss = 0;
        double grad = 0;
        for (RidgeTasks.Task t : TASKS) {
            double[] ref = RidgeClosedForm.lossAndDerivative(t, THETA);
            loss += ref[0];
            grad += ref[1];
        }
        assertEquals(loss, r1.value(), 1e-9 * Math.abs(loss));
        assertEquals(grad, r1.gradient().item(), 1e-7 * Math.abs(grad));
        assertEquals(13, r1.tasksUsed());
        assertEquals(loss / 13, r1.meanValue(), 1e-9 * Math.abs(loss / 13));
        for (BatchResult<Tensor> r : List.of(r2, r3)) {
            assertEquals(Double.doubleToRawLongBits(r1.value()), Double.doubleToRawLongBits(r.value()));
            assertEquals(Double.doubleToRawLongBits(r1.gradient().item()), Double.doubleToRawLongBits(r.gradient().item()));
        }
    }

    @Test
    void theSumIsTheExactSumOfThePerTaskValuesRoundedOnce() {
        BatchResult<Tensor> r = two.sumValueAndGrad(Tensor.scalar(THETA), TASKS, LOSS, BatchOptions.defaults());
        java.math.BigDecimal exact = java.math.BigDecimal.ZERO;
        for (RidgeTasks.Task t : TASKS) {
            TaskValue v = RidgeTasks.loss(Tensor.scalar(THETA), t, 200, 1e-10);
            exact = exact.add(new java.math.BigDecimal(v.loss().item()));
        }
        double err = exact.subtract(new java.math.BigDecimal(r.value())).abs().doubleValue();
        assertTrue(err <= 0.5 * Math.ulp(r.value()), "not correctly rounded: error " + err);
    }

    @Test
    void aPytreeThetaGetsAGradientOfTheSameShape() {
        // θ = {log λ, shift}: L = loss(log λ) + shift²·(task index + 1); d/dshift = 2·shift·Σ(i+1).
        List<Integer> ids = List.of(0, 1, 2, 3);
        TaskLoss<Map<String, Tensor>, Integer> loss = (th, i) -> {
            TaskValue v = RidgeTasks.loss(th.get("logLambda"), TASKS.get(i), 200, 1e-10);
            return TaskValue.of(v.loss().add(th.get("shift").square().sum().mul(i + 1)));
        };
        Map<String, Tensor> theta = Map.of("logLambda", Tensor.scalar(THETA), "shift", Tensor.of(0.5, -1.0));
        BatchResult<Map<String, Tensor>> r = three.sumValueAndGrad(theta, ids, loss, BatchOptions.defaults());
        assertEquals(2 * 0.5 * 10, r.gradient().get("shift").toArray()[0], 1e-12);
        assertEquals(2 * -1.0 * 10, r.gradient().get("shift").toArray()[1], 1e-12);
        double grad = 0;
        for (int i : ids) {
            grad += RidgeClosedForm.lossAndDerivative(TASKS.get(i), THETA)[1];
        }
        assertEquals(grad, r.gradient().get("logLambda").item(), 1e-7 * Math.abs(grad));
    }

    @Test
    void aNonConvergedTaskFailsTheBatchWithItsIdAndResidual() {
        List<Limited> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(new Limited(TASKS.get(i), i == 4 ? 2 : 200));
        }
        BatchException e = assertThrows(BatchException.class,
                () -> two.sumValueAndGrad(Tensor.scalar(THETA), tasks, LIMITED, BatchOptions.defaults()));
        assertEquals(1, e.reports().size());
        TaskReport report = e.reports().get(0);
        assertEquals(4, report.taskId());
        assertEquals(TaskReport.Status.NOT_CONVERGED, report.status());
        double residual = RidgeTasks.loss(Tensor.scalar(THETA), TASKS.get(4), 2, 1e-10).residual();
        assertTrue(residual > 1e-10);
        assertEquals(residual, report.residual());
        assertTrue(e.getMessage().startsWith("Batch.sumValueAndGrad: 1 of 6 tasks refused: task 4: inner solve did "
                + "not converge (residual "), e.getMessage());
        assertTrue(e.getMessage().contains("skipNotConverged"), e.getMessage());
    }

    @Test
    void skippingANonConvergedTaskGivesTheSumOfTheOthersAndListsIt() {
        List<Limited> tasks = new ArrayList<>();
        List<Limited> others = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(new Limited(TASKS.get(i), i == 4 ? 2 : 200));
            if (i != 4) {
                others.add(tasks.get(i));
            }
        }
        BatchResult<Tensor> r = three.sumValueAndGrad(Tensor.scalar(THETA), tasks, LIMITED, BatchOptions.skipNotConverged());
        BatchResult<Tensor> ref = one.sumValueAndGrad(Tensor.scalar(THETA), others, LIMITED, BatchOptions.defaults());
        assertEquals(5, r.tasksUsed());
        assertEquals(1, r.skipped().size());
        assertEquals(4, r.skipped().get(0).taskId());
        assertEquals(ref.value(), r.value());
        assertEquals(ref.gradient().item(), r.gradient().item());
    }

    @Test
    void aTaskWithNaNDataIsRefusedWithItsId() {
        List<RidgeTasks.Task> tasks = new ArrayList<>(TASKS.subList(0, 5));
        RidgeTasks.Task t = tasks.get(2);
        double[] bVal = t.bVal().clone();
        bVal[3] = Double.NaN;
        tasks.set(2, new RidgeTasks.Task(t.rows(), t.cols(), t.a(), t.b(), t.aVal(), bVal));
        for (BatchOptions options : List.of(BatchOptions.defaults(), BatchOptions.skipNotConverged())) {
            BatchException e = assertThrows(BatchException.class,
                    () -> two.sumValueAndGrad(Tensor.scalar(THETA), tasks, LOSS, options));
            assertEquals(1, e.reports().size());
            assertEquals(2, e.reports().get(0).taskId());
            assertEquals(TaskReport.Status.NON_FINITE, e.reports().get(0).status());
            assertEquals("Batch.sumValueAndGrad: 1 of 5 tasks refused: task 2: loss is NaN (NaN or infinite data or "
                    + "solve?)", e.getMessage());
        }
    }

    @Test
    void aTaskWithNaNInItsDesignMatrixIsRefusedWithItsIdAndTheSolversError() {
        List<RidgeTasks.Task> tasks = new ArrayList<>(TASKS.subList(0, 5));
        RidgeTasks.Task t = tasks.get(3);
        double[] a = t.a().clone();
        a[7] = Double.NaN;
        tasks.set(3, new RidgeTasks.Task(t.rows(), t.cols(), a, t.b(), t.aVal(), t.bVal()));
        // The inner L-BFGS ends with status NON_FINITE (its search used to throw on the NaN gradient); the
        // task is refused as non-finite even when non-converged tasks may be skipped.
        BatchException e = assertThrows(BatchException.class,
                () -> two.sumValueAndGrad(Tensor.scalar(THETA), tasks, LOSS, BatchOptions.skipNotConverged()));
        assertEquals(1, e.reports().size());
        assertEquals(3, e.reports().get(0).taskId());
        assertEquals(TaskReport.Status.NON_FINITE, e.reports().get(0).status());
        assertEquals("Batch.sumValueAndGrad: 1 of 5 tasks refused: task 3: inner solve ended on non-finite values "
                + "(residual NaN; NaN or infinite data?)", e.getMessage());
    }

    @Test
    void aThrowingTaskIsRefusedWithTheLowestIdAndItsCause() {
        IllegalStateException boom = new IllegalStateException("boom");
        TaskLoss<Tensor, Integer> loss = (th, i) -> {
            if (i % 4 == 3) {
                throw boom;
            }
            return TaskValue.of(th.mul(i));
        };
        BatchException e = assertThrows(BatchException.class, () -> three.sumValueAndGrad(Tensor.scalar(1.0),
                List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), loss, BatchOptions.skipNotConverged()));
        assertEquals(List.of(3L, 7L), e.reports().stream().map(TaskReport::taskId).toList());
        assertEquals(TaskReport.Status.FAILED, e.reports().get(0).status());
        assertInstanceOf(BatchException.class, e.getCause());
        assertSame(boom, e.getCause().getCause());
    }

    @Test
    void aTracedThetaIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autodiff.grad((Tensor th) ->
                Tensor.scalar(one.sumValueAndGrad(th, TASKS, LOSS, BatchOptions.defaults()).value())).apply(Tensor.scalar(0.0)));
        assertTrue(e.getMessage().startsWith("Batch.sumValueAndGrad: theta is traced by an active transform"), e.getMessage());
    }

    @Test
    void aLossCapturingATracedValueIsRefusedWithTheTaskId() {
        BatchException e = assertThrows(BatchException.class, () -> Autodiff.grad((Tensor outer) -> {
            TaskLoss<Tensor, Integer> loss = (th, i) -> TaskValue.of(th.mul(outer));
            one.sumValueAndGrad(Tensor.scalar(1.0), List.of(0), loss, BatchOptions.defaults());
            return outer;
        }).apply(Tensor.scalar(2.0)));
        assertEquals(0, e.reports().get(0).taskId());
        assertTrue(e.getMessage().contains("was used on thread"), e.getMessage());
    }

    @Test
    void noTasksGiveZeroSums() {
        BatchResult<Tensor> r = two.sumValueAndGrad(Tensor.of(1.0, 2.0), List.<Integer>of(),
                (th, i) -> TaskValue.of(th.sum()), BatchOptions.defaults());
        assertEquals(0.0, r.value());
        assertEquals(List.of(0.0, 0.0), List.of(r.gradient().toArray()[0], r.gradient().toArray()[1]));
        assertEquals(0, r.tasksUsed());
        assertTrue(Double.isNaN(r.meanValue()));
    }

    @Test
    void mapKeepsTaskOrderAndNamesFailures() {
        List<Integer> in = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            in.add(i);
        }
        assertEquals(in.stream().map(i -> i * i).toList(), three.map(in, i -> i * i));
        BatchException e = assertThrows(BatchException.class, () -> two.map(in, i -> 10 / (i - 17)));
        assertEquals(17, e.reports().get(0).taskId());
        assertInstanceOf(ArithmeticException.class, e.getCause());
    }

    @Test
    void nestedUseOfTheSameBatchIsRefusedAndAClosedBatchRefusesWork() {
        BatchException e = assertThrows(BatchException.class, () -> one.map(List.of(1, 2), i -> one.map(List.of(i), j -> j)));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("Batch: called from a task running on this batch's own pool"));
        // Another batch inside a task is fine.
        assertEquals(List.of(List.of(10), List.of(20)), one.map(List.of(1, 2), i -> two.map(List.of(i), j -> 10 * j)));
        Batch closed = Batch.withThreads(1);
        closed.close();
        assertEquals("Batch: this batch is closed",
                assertThrows(IllegalStateException.class, () -> closed.map(List.of(1), i -> i)).getMessage());
    }

    @Test
    void badArgumentsAreRefused() {
        assertEquals("Batch.withThreads: threads must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> Batch.withThreads(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> one.sumValueAndGrad(null, TASKS, LOSS, BatchOptions.defaults()));
        assertThrows(IllegalArgumentException.class,
                () -> one.sumValueAndGrad(Tensor.scalar(0), null, LOSS, BatchOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> new BatchOptions(null));
        assertThrows(IllegalArgumentException.class, () -> TaskValue.of(Tensor.of(1.0, 2.0)));
    }
}
