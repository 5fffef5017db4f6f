package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.optim.Chain;
import dev.argdiff.optim.GradientTransformation;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The outer loop of JAXopt's hyperparameter examples: Adam on a scalar hyperparameter θ, the
 * hypergradient of the validation loss by differentiating through the inner solver, and the
 * inner solver warm-started from the previous step's solution.
 */
final class WarmStartedAdam {
    private WarmStartedAdam() {
    }

    /** One outer step, before its update: the step number (from 1), θ, and loss, solution and dloss/dθ. */
    record Evaluation(int step, double theta, Autodiff.ValueAuxAndGrad<Tensor, Tensor> result) {
    }

    /**
     * Runs {@code steps} Adam steps from θ₀ and returns the final θ.
     *
     * @param maxTheta       the largest θ the inner problem accepts (θ = log of its hyperparameter)
     * @param hyperparameter the name of exp(θ), for the message of a divergence
     * @param objective      (θ, warm start) ↦ (validation loss, inner solution), differentiable in θ
     * @param init           the first warm start
     * @param listener       hears each evaluation, before its update
     * @throws Divergence.Diverged if θ leaves [−∞, maxTheta] or a loss or hypergradient is not finite
     */
    static double run(double theta0, double learningRate, int steps, double maxTheta, String hyperparameter,
                      Tensor init, BiFunction<Tensor, Tensor, Autodiff.Aux<Tensor>> objective,
                      Consumer<Evaluation> listener) {
        Chain adam = Optimizers.adam(learningRate);
        Tensor theta = Tensor.scalar(theta0);
        Chain.State state = adam.init(theta);
        Tensor warmStart = init;
        for (int k = 0; k < steps; k++) {
            Tensor start = warmStart;
            Autodiff.ValueAuxAndGrad<Tensor, Tensor> r = Autodiff.valueAndGradWithAux(
                    (Tensor th) -> objective.apply(th, start)).apply(theta);
            listener.accept(new Evaluation(k + 1, theta.item(), r));
            Divergence.checkStep(k + 1, r.value().item(), Math.abs(r.gradient().item()), "--learning-rate",
                    learningRate);
            GradientTransformation.Update<Tensor, Chain.State> u = adam.update(r.gradient(), state, theta);
            theta = Optimizers.applyUpdates(theta, u.updates());
            Divergence.checkLogHyperparameter(k + 1, theta.item(), maxTheta, hyperparameter, "--learning-rate",
                    learningRate);
            state = u.state();
            warmStart = r.aux();
        }
        return theta.item();
    }
}
