package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A matrix-free operator whose matvec captures a traced t: the solve is differentiated in t
 * (d/dt was 0.0). A(t) = [[2 + t, 1], [1, 3]] and b = (1, 2): x = A⁻¹b in closed form.
 */
class LinearSolveCaptureTest {

    private static Tensor a(Tensor t) {
        return Tensor.of(new int[] {2, 2}, new double[] {2, 1, 1, 3}).add(
                Tensor.of(new int[] {2, 2}, new double[] {1, 0, 0, 0}).mul(t));
    }

    /** Σx(t) with x = A(t)⁻¹b: x = (3 − 2, 2(2 + t) − 1)/det = (1, 3 + 2t)/(5 + 3t). */
    private static double sumX(double t) {
        return (4 + 2 * t) / (5 + 3 * t);
    }

    private static Function<Tensor, Tensor> h(LinearSolver solver) {
        return t -> LinearSolve.solve(LinearOperator.fromMatvec((Tensor v) -> a(t).matmul(v), Tensor.zeros(2)),
                Tensor.of(1.0, 2.0), solver).sum();
    }

    @Test
    void capturedParameterIsDifferentiatedAtFirstAndSecondOrder() {
        double t0 = 0.7;
        // d/dt (4 + 2t)/(5 + 3t) = (2(5 + 3t) − 3(4 + 2t))/(5 + 3t)² = −2/(5 + 3t)²; d² = 12/(5 + 3t)³
        double d1 = -2 / Math.pow(5 + 3 * t0, 2);
        double d2 = 12 / Math.pow(5 + 3 * t0, 3);
        assertEquals(d1, (sumX(t0 + 1e-6) - sumX(t0 - 1e-6)) / 2e-6, 1e-9, "closed form vs central differences");
        for (LinearSolver solver : new LinearSolver[] {LinearSolver.lu(), LinearSolver.gmres().withRtol(1e-13)}) {
            Function<Tensor, Tensor> h = h(solver);
            Tensor t = Tensor.scalar(t0);
            assertEquals(sumX(t0), h.apply(t).item(), 1e-12);
            assertEquals(d1, Autodiff.grad(h).apply(t).item(), 1e-10, "reverse " + solver);
            assertEquals(d1, Autodiff.jvp(h, t, Tensor.scalar(1.0)).tangent().item(), 1e-10, "forward " + solver);
            assertEquals(d2, Autodiff.hessian(h).apply(t).item(), 1e-9, "hessian " + solver);
            assertEquals(d2, Autodiff.grad(Autodiff.grad(h)).apply(t).item(), 1e-9, "grad(grad) " + solver);
        }
    }
}
