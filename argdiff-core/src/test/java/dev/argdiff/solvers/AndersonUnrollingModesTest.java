package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.SolverFixtures.Contraction;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reverse, forward and checkpointed unrolling of Anderson acceleration take the same decisions
 * (mixing steps, the stopping iteration) and so give the same derivative.
 */
class AndersonUnrollingModesTest {

    @Test
    void reverseForwardAndCheckpointedUnrollingAgree() {
        // x = cθ + M·tanh(x − cθ) with ‖M‖ < 1 has the unique fixed point x* = cθ: d(Σx*)/dθ = Σc exactly.
        Contraction c = Contraction.of(11, 12);
        double exact = c.c().sum().item();
        Tensor theta = Tensor.scalar(0.7);
        AndersonAcceleration<Tensor, Tensor> unrolled = AndersonAcceleration.of(c.map()).tol(1e-11).maxiter(500)
                .implicitDiff(false);
        double[] derivatives = new double[4];
        int i = 0;
        for (int checkpoint : new int[] {0, 3}) {
            AndersonAcceleration<Tensor, Tensor> solver = unrolled.checkpointEvery(checkpoint);
            Function<Tensor, Tensor> sum = t -> solver.run(Tensor.zeros(12), t).params().sum();
            derivatives[i++] = Autodiff.grad(sum).apply(theta).item();
            derivatives[i++] = Autodiff.jvp(sum, theta, Tensor.scalar(1.0)).tangent().item();
        }
        for (int k = 1; k < 4; k++) {
            assertEquals(derivatives[0], derivatives[k], 1e-12 * Math.abs(derivatives[0]), "mode " + k);
        }
        assertEquals(exact, derivatives[0], 1e-6 * Math.abs(exact));
        SolverResult<Tensor, AndersonAcceleration.State<Tensor>> r = unrolled.run(Tensor.zeros(12), theta);
        assertEquals(SolverStatus.CONVERGED, r.status());
    }
}
