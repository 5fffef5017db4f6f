package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The user-facing implicit-gradient checker on a gradient-descent ridge solver. */
class ImplicitGradCheckTest {

    record Args(Tensor l2reg, Tensor y) {
    }

    private static final Tensor X = Tensor.randomNormal(21, 12, 4);
    private static final Args ARGS = new Args(Tensor.scalar(0.5), Tensor.randomNormal(22, 12));

    private static Tensor objective(Tensor w, Args a) {
        return X.matmul(w).sub(a.y()).square().mean().mul(0.5).add(a.l2reg().mul(0.5).mul(w.squaredNorm()));
    }

    /** Gradient descent as a plain loop of tensor operations: differentiable by unrolling. */
    private static BiFunction<Tensor, Args, Tensor> gradientDescent(int iterations) {
        return (init, a) -> {
            Tensor w = init;
            for (int k = 0; k < iterations; k++) {
                w = w.sub(Autodiff.grad((Tensor v) -> objective(v, a)).apply(w).mul(0.5));
            }
            return w;
        };
    }

    private static final BiFunction<Tensor, Args, Tensor> OPTIMALITY =
            (w, a) -> Autodiff.grad((Tensor v) -> objective(v, a)).apply(w);

    @Test
    void convergedSolverAgreesInAllThreeWays() {
        ImplicitGradCheck.Report r = ImplicitGradCheck.check(OPTIMALITY, gradientDescent(400), Tensor.zeros(4), ARGS,
                w -> w.squaredNorm(), ImplicitGradCheck.Options.defaults());
        System.out.println(r);
        assertEquals(3, r.directions().size());
        assertTrue(r.implicitAgrees(1e-6), r.toString());
        assertTrue(r.worstUnrolledGap() < 1e-8, r.toString());
        assertTrue(r.optimalityResidual() < 1e-12, r.toString());
        assertTrue(r.toString().contains("worst: implicit vs finite differences"));
    }

    @Test
    void unrolledGapShrinksAsTheIterationsGrow() {
        ImplicitOptions loose = ImplicitOptions.defaults().withOptimalityTolerance(1.0);
        double gap10 = ImplicitGradCheck.check(OPTIMALITY, gradientDescent(10), Tensor.zeros(4), ARGS,
                w -> w.squaredNorm(), new ImplicitGradCheck.Options(1e-6, 2, 0, loose)).worstUnrolledGap();
        double gap40 = ImplicitGradCheck.check(OPTIMALITY, gradientDescent(40), Tensor.zeros(4), ARGS,
                w -> w.squaredNorm(), new ImplicitGradCheck.Options(1e-6, 2, 0, loose)).worstUnrolledGap();
        assertTrue(gap40 < gap10 / 10, "gap after 10 iterations " + gap10 + ", after 40 " + gap40);
    }

    @Test
    void aWrongOptimalityConditionIsExposed() {
        // The gradient of a different objective (twice the regularization): the solver's output is not its root.
        BiFunction<Tensor, Args, Tensor> wrong = (w, a) -> Autodiff.grad((Tensor v) ->
                objective(v, new Args(a.l2reg().mul(2), a.y()))).apply(w);
        ImplicitOptions ignore = ImplicitOptions.defaults().withPolicy(dev.argdiff.linalg.FailurePolicy.IGNORE);
        ImplicitGradCheck.Report r = ImplicitGradCheck.check(wrong, gradientDescent(400), Tensor.zeros(4), ARGS,
                w -> w.squaredNorm(), new ImplicitGradCheck.Options(1e-6, 3, 0, ignore));
        assertTrue(r.optimalityResidual() > 1e-3, r.toString());
        assertTrue(!r.implicitAgrees(1e-3), r.toString());
    }

    @Test
    void badOptionsAreRefused() {
        assertEquals("ImplicitGradCheck.Options: directions must be >= 1, got 0", assertThrows(
                IllegalArgumentException.class, () -> new ImplicitGradCheck.Options(1e-6, 0, 0,
                        ImplicitOptions.defaults())).getMessage());
    }
}
