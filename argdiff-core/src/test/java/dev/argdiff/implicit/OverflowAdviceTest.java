package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A non-finite optimality residual is an overflow: the message says so instead of advising to run
 * the solver longer (which it used to, for data scaled by 1e150).
 */
class OverflowAdviceTest {

    /** F(x, θ) = x − θ: the root is x* = θ. */
    private static Tensor optimality(Tensor x, Tensor theta) {
        return x.sub(theta);
    }

    private static String failure(double solverOutput) {
        BiFunction<Tensor, Tensor, Tensor> solver = (init, theta) -> Tensor.of(solverOutput, 1.0);
        BiFunction<Tensor, Tensor, Tensor> root = ImplicitDiff.customRoot(OverflowAdviceTest::optimality, solver,
                ImplicitOptions.defaults());
        RuntimeException e = assertThrows(RuntimeException.class, () -> Autodiff.grad(
                (Tensor theta) -> root.apply(Tensor.zeros(2), theta).sum()).apply(Tensor.of(2.0, 1.0)));
        return e.getMessage();
    }

    @Test
    void anOverflowedSolutionIsCalledAnOverflow() {
        for (double bad : new double[] {Double.POSITIVE_INFINITY, Double.NaN}) {
            String m = failure(bad);
            assertTrue(m.contains("The values overflowed (‖F‖ = "), m);
            assertTrue(m.contains("rescale them"), m);
            assertFalse(m.contains("run the solver longer"), m);
        }
    }

    @Test
    void aFiniteResidualStillAsksForALongerRun() {
        // x = (3, 1) against the root θ = (2, 1): ‖F‖ = 1, a finite residual, an unconverged solve.
        String m = failure(3.0);
        assertTrue(m.contains("run the solver longer or loosen optimalityTolerance"), m);
        assertFalse(m.contains("overflowed"), m);
    }
}
