package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Split;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.Reference;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Implicit differentiation against unrolling: gradient descent written as a plain Java loop,
 * differentiated through its iterations (the reverse tape records every step), converges to the
 * implicit gradient as the number of iterations grows.
 */
class ImplicitVsUnrolledTest {
    private final Split data = RidgeFixtures.diabetes();

    private Function<Tensor, Tensor> unrolled(int iterations, double eta) {
        return theta -> RidgeFixtures.validationLoss(
                RidgeFixtures.gradientDescent(Tensor.zeros(data.features()), data.args(theta.exp()), eta, iterations), data);
    }

    private Function<Tensor, Tensor> implicit() {
        BiFunction<Tensor, RidgeFixtures.Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality,
                RidgeFixtures.denseSolver(LinearSolver.lu()), ImplicitOptions.defaults().withSymmetric(true));
        return theta -> RidgeFixtures.validationLoss(sol.apply(Tensor.zeros(data.features()), data.args(theta.exp())), data);
    }

    /**
     * At θ = −3 (l2reg ≈ 0.05, condition number ≈ 7.7) gradient descent with step 1/L contracts by
     * ≈ 0.87 per step, so the unrolled derivative approaches the implicit one over hundreds of steps.
     */
    @Test
    void unrolledGradientConvergesToTheImplicitGradient() {
        double theta = -3.0;
        double eta = 1.0 / RidgeFixtures.largestEigenvalue(data, Math.exp(theta));
        double exact = data.closedForm().dLossDtheta(theta);
        double implicitGrad = Autodiff.grad(implicit()).apply(Tensor.scalar(theta)).item();
        assertClose(exact, implicitGrad, 1e-8, "implicit gradient vs closed form");

        int[] iterations = {10, 50, 200};
        double[] errors = new double[iterations.length];
        for (int k = 0; k < iterations.length; k++) {
            double g = Autodiff.grad(unrolled(iterations[k], eta)).apply(Tensor.scalar(theta)).item();
            errors[k] = Math.abs(g - implicitGrad) / Math.abs(implicitGrad);
        }
        for (int k = 1; k < errors.length; k++) {
            assertTrue(errors[k] < errors[k - 1] / 10, String.format(java.util.Locale.ROOT,
                    "unrolled error should drop by more than 10x from %d to %d iterations: %.3e -> %.3e",
                    iterations[k - 1], iterations[k], errors[k - 1], errors[k]));
        }
        assertTrue(errors[0] > 1e-3, "10 iterations are visibly unconverged: " + errors[0]);
        assertTrue(errors[errors.length - 1] < 1e-6, "200 iterations match the implicit gradient to 1e-6: "
                + errors[errors.length - 1]);

        // Forward-mode unrolling agrees with reverse-mode unrolling.
        double fwd = Autodiff.jvp(unrolled(200, eta), Tensor.scalar(theta), Tensor.scalar(1.0)).tangent().item();
        assertClose(implicitGrad, fwd, 1e-6, "forward-mode unrolled gradient");
    }

    /** At the reference point θ = 1 both match the reference gradient. */
    @Test
    void unrolledAndImplicitMatchTheReferenceAtThetaOne() {
        Reference.Ridge ref = Reference.ridgeDiabetes();
        double eta = 1.0 / RidgeFixtures.largestEigenvalue(data, ref.l2reg());
        double implicitGrad = Autodiff.grad(implicit()).apply(Tensor.scalar(ref.theta())).item();
        double unrolledGrad = Autodiff.grad(unrolled(100, eta)).apply(Tensor.scalar(ref.theta())).item();
        assertClose(ref.dvalLossDtheta(), implicitGrad, 1e-8, "implicit");
        assertClose(ref.dvalLossDtheta(), unrolledGrad, 1e-6, "unrolled, 100 iterations");
    }
}
