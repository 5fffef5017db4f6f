package dev.argdiff.docs;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.Datasets;
import dev.argdiff.solvers.GradientDescent;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.Reference;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Java example at the top of README.md, run as written, against ridge_diabetes.json. */
class ReadmeExampleTest {

    record Args(Tensor l2reg, Tensor x, Tensor y) {
    }

    @Test
    void theReadmeRidgeExampleGivesTheReferenceValues() {
        Datasets.RegressionSplit d = Datasets.diabetesSplit();
        Tensor xTrain = Tensor.of(new int[] {d.nTrain(), d.features()}, d.xTrain());
        Tensor yTrain = Tensor.of(d.yTrain());
        Tensor xVal = Tensor.of(new int[] {d.nVal(), d.features()}, d.xVal());
        Tensor yVal = Tensor.of(d.yVal());

        // ---- as in README.md
        GradientDescent<Tensor, Args> gd = GradientDescent.<Tensor, Args>of((w, a) ->
                a.x().matmul(w).sub(a.y()).square().mean().mul(0.5).add(a.l2reg().mul(0.5).mul(w.squaredNorm())))
            .maxiter(500);
        Function<Tensor, Tensor> ridgeSolution = l2reg -> gd.run(Tensor.zeros(10), new Args(l2reg, xTrain, yTrain)).params();

        Tensor jacobian = Autodiff.jacfwd(ridgeSolution).apply(Tensor.scalar(1.0));
        Function<Tensor, Tensor> validationLoss = l2reg ->
                xVal.matmul(ridgeSolution.apply(l2reg)).sub(yVal).square().mean();
        Tensor hypergradient = Autodiff.grad(validationLoss).apply(Tensor.scalar(1.0));
        Tensor curvature = Autodiff.hessian(validationLoss).apply(Tensor.scalar(1.0));
        // ---- end of the README code

        // The reference is at l2reg = e (θ = 1); evaluate there too, and check the chain rule dL/dθ = e·dL/dl2reg.
        Reference.Ridge ref = Reference.ridgeDiabetes();
        Tensor atE = Tensor.scalar(ref.l2reg());
        Tensor dw = Autodiff.jacfwd(ridgeSolution).apply(atE);
        for (int i = 0; i < 10; i++) {
            assertEquals(ref.dwStarDl2reg()[i], dw.get(i), 1e-6 * Math.abs(ref.dwStarDl2reg()[i]) + 1e-9);
        }
        assertEquals(ref.dvalLossDtheta(), ref.l2reg() * Autodiff.grad(validationLoss).apply(atE).item(),
                1e-6 * ref.dvalLossDtheta());
        // At l2reg = 1: the Hessian by forward-over-reverse equals central differences of the gradient.
        double h = 1e-4;
        double fd = (Autodiff.grad(validationLoss).apply(Tensor.scalar(1 + h)).item()
                - Autodiff.grad(validationLoss).apply(Tensor.scalar(1 - h)).item()) / (2 * h);
        assertEquals(fd, curvature.item(), 1e-5 * Math.abs(fd));
        assertEquals(10, jacobian.size());
        assertEquals(hypergradient.item(), Autodiff.jvp(validationLoss, Tensor.scalar(1.0), Tensor.scalar(1.0))
                .tangent().item(), 1e-9 * Math.abs(hypergradient.item()));
    }
}
