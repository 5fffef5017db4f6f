package dev.argdiff.examples;

import dev.argdiff.tensor.Tensor;

import java.util.Locale;

/**
 * Stops an example whose outer loop has diverged: after an update the parameters are no longer
 * finite (or their squared norm overflows, which every inner objective computes), or an
 * evaluation after an update gives a non-finite loss or gradient. The message says so and names
 * the option to lower; without this check the run either ended with NaN losses and status 0 or
 * failed inside the library with an unrelated message about a bad argument (status 2).
 */
final class Divergence {
    private Divergence() {
    }

    /** The outer loop diverged; {@link Main} reports it on one line with status 1. */
    static final class Diverged extends ArithmeticException {
        private static final long serialVersionUID = 1L;

        Diverged(String message) {
            super(message);
        }
    }

    /**
     * Checks the values of step {@code step} (from 1). At step 1, before any update, a non-finite
     * value is an overflow of the data or starting point, not a divergence.
     *
     * @param option the option whose value makes the steps too long, usually --learning-rate
     * @throws Diverged if {@code loss} or {@code gradientNorm} is NaN or infinite
     */
    static void checkStep(int step, double loss, double gradientNorm, String option, double value) {
        if (Double.isFinite(loss) && Double.isFinite(gradientNorm)) {
            return;
        }
        String values = String.format(Locale.ROOT, "the loss is %s and the gradient norm %s", loss, gradientNorm);
        if (step == 1) {
            throw new Diverged("the values overflowed at the starting point (" + values + "): the data or the "
                    + "initial values are too large in magnitude");
        }
        throw new Diverged("the outer iteration diverged at step " + step + " (" + values + "); lower " + option
                + " (now " + value + ")");
    }

    /**
     * Checks the parameters after the update of step {@code step}.
     *
     * @param name what the parameters are, for the message (e.g. "theta")
     * @throws Diverged if a value is NaN or infinite, or their squared norm overflows
     */
    static void checkUpdate(int step, String name, Tensor parameters, String option, double value) {
        if (Double.isFinite(parameters.squaredNorm().item())) {
            return;
        }
        throw new Diverged("the outer iteration diverged at step " + step + ": " + name + " overflowed (squared norm "
                + parameters.squaredNorm().item() + "); lower " + option + " (now " + value + ")");
    }

    /**
     * Checks a scalar θ = log(hyperparameter) after the update of step {@code step}.
     *
     * @param maxTheta the largest θ the inner problem accepts (its exponential must stay usable)
     * @throws Diverged if θ is not finite or above {@code maxTheta}
     */
    static void checkLogHyperparameter(int step, double theta, double maxTheta, String hyperparameter, String option,
                                       double value) {
        if (Double.isFinite(theta) && theta <= maxTheta) {
            return;
        }
        throw new Diverged("the outer iteration diverged at step " + step + ": theta = " + theta + " (beyond "
                + maxTheta + ", " + hyperparameter + " = exp(theta) overflows); lower " + option + " (now " + value
                + ")");
    }
}
