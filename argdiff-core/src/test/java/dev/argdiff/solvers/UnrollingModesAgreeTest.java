package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.Datasets;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Forward, reverse and checkpointed unrolling of FISTA with its line search, run past
 * convergence (tol 0), take the same decisions and agree to 1e-12 relative, and stay on the
 * implicit derivative. The case: the diabetes lasso's validation loss d mean((X_val w* − y_val)²)/dθ
 * at λ = e^θ, θ = 1, whose implicit value is 155.659. Before, the line search grew its step to 8
 * (1/L = 2.92): the unrolled iteration was unstable and the three modes gave 155.644, 155.677 and
 * 155.592 at 200 iterations (−3.9·10⁶ at 250).
 */
class UnrollingModesAgreeTest {

    private static double[] derivatives(int iterations) {
        Datasets.RegressionSplit d = Datasets.diabetesSplit();
        Regression data = new Regression(Tensor.of(new int[] {d.nTrain(), d.features()}, d.xTrain()),
                Tensor.of(d.yTrain()), Tensor.scalar(0.0));
        Tensor xVal = Tensor.of(new int[] {d.nVal(), d.features()}, d.xVal());
        Tensor yVal = Tensor.of(d.yVal());
        ProximalGradient<Tensor, Regression> solver = ProximalGradient.<Tensor, Regression>of(
                SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD)
                .maxiter(iterations).tol(0.0).implicitDiff(false);
        Tensor w0 = Tensor.zeros(data.p());
        Function<ProximalGradient<Tensor, Regression>, Function<Tensor, Tensor>> objective =
                s -> th -> xVal.matmul(s.run(w0, data.withLam(th.exp())).params()).sub(yVal).square().mean();
        Tensor theta = Tensor.scalar(1.0);
        return new double[] {
            Autodiff.grad(objective.apply(solver)).apply(theta).item(),
            Autodiff.jvp(objective.apply(solver), theta, Tensor.scalar(1.0)).tangent().item(),
            Autodiff.grad(objective.apply(solver.checkpointEvery(7))).apply(theta).item(),
            Autodiff.grad(objective.apply(solver.implicitDiff(true).tol(1e-12).maxiter(5000))).apply(theta).item()
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 600})
    void forwardReverseAndCheckpointedUnrollingAgree(int iterations) {
        double[] g = derivatives(iterations);
        double reverse = g[0];
        assertEquals(reverse, g[1], 1e-12 * Math.abs(reverse), "forward-mode unrolling");
        assertEquals(reverse, g[2], 1e-12 * Math.abs(reverse), "checkpointed unrolling");
        assertEquals(g[3], reverse, 1e-5 * Math.abs(g[3]), "unrolled vs implicit");
        assertEquals(155.659, g[3], 1e-3, "implicit derivative (the issue's exact value)");
    }
}
