package dev.argdiff.solvers;

import java.util.function.IntToDoubleFunction;

/** The step of iteration k from a solver's fixed step or step-size schedule (JAXopt's callable stepsize). */
final class StepSchedule {

    private StepSchedule() {
    }

    /**
     * {@code schedule(k)} when a schedule is set, else {@code stepsize} (≤ 0 meaning the line search).
     *
     * @throws IllegalArgumentException naming the solver, the iteration and the value when the
     *                                  schedule returns a step that is not finite and positive
     */
    static double stepAt(String solver, IntToDoubleFunction schedule, double stepsize, int k) {
        if (schedule == null) {
            return stepsize;
        }
        double s = schedule.applyAsDouble(k);
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException(solver + ": the step-size schedule returned " + s + " at iteration " + k
                    + "; a step size must be finite and > 0");
        }
        return s;
    }
}
