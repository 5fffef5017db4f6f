package dev.argdiff.hipparchus;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.LevenbergMarquardt;
import dev.argdiff.tensor.NumericalFailureException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hipparchus' Levenberg–Marquardt inside argdiff: linear least squares in closed form (value and
 * derivative), a nonlinear exponential fit against argdiff's own LevenbergMarquardt and central
 * finite differences (forward, reverse, second order), a captured hyperparameter, and refusals.
 */
class HipparchusLeastSquaresTest {

    /** r = A x − θ·b: x* = θ·(AᵀA)⁻¹Aᵀb, d(x*)/dθ = (AᵀA)⁻¹Aᵀb. */
    @Test
    void linearLeastSquaresInClosedForm() {
        Tensor a = Tensor.of(new double[][] {{1, 0}, {1, 1}, {1, 2}});
        Tensor b = Tensor.of(1, 2, 2);
        // AᵀA = [[3, 3], [3, 5]], Aᵀb = (5, 6): (AᵀA)⁻¹Aᵀb = (1/6)·[[5, −3], [−3, 3]]·(5, 6) = (7/6, 1/2).
        HipparchusLeastSquares<Tensor> h = HipparchusLeastSquares.of((x, t) -> a.matmul(x).sub(b.mul(t)));
        Function<Tensor, Tensor> sol = t -> h.solve(Tensor.zeros(2), t);
        double[] x = sol.apply(Tensor.scalar(2)).toArray();
        assertEquals(7.0 / 3, x[0], 1e-12);
        assertEquals(1.0, x[1], 1e-12);
        double[] d = Autodiff.jacfwd(sol).apply(Tensor.scalar(2)).toArray();
        assertEquals(7.0 / 6, d[0], 1e-10);
        assertEquals(0.5, d[1], 1e-10);
    }

    private static final Tensor T = Tensor.linspace(0, 3, 10);
    private static final Tensor Y = T.mul(-1.3).exp().mul(3).add(Tensor.randomNormal(5, 10).mul(0.05));

    /** x₀·exp(−x₁t) − θ·y. */
    static Tensor decay(Tensor x, Tensor theta) {
        return x.row(0).mul(T.mul(x.row(1).neg()).exp()).sub(Y.mul(theta));
    }

    @Test
    void nonlinearFitAgreesWithArgdiffsLevenbergMarquardtAndFiniteDifferences() {
        HipparchusLeastSquares<Tensor> h = HipparchusLeastSquares.of(HipparchusLeastSquaresTest::decay);
        Function<Tensor, Tensor> hip = t -> h.solve(Tensor.of(1, 1), t);
        Function<Tensor, Tensor> own = t -> LevenbergMarquardt.of(HipparchusLeastSquaresTest::decay).tol(1e-12)
                .run(Tensor.of(1, 1), t).params();
        Tensor theta = Tensor.scalar(1.1);
        double[] xh = hip.apply(theta).toArray();
        double[] xo = own.apply(theta).toArray();
        for (int i = 0; i < 2; i++) {
            assertEquals(xo[i], xh[i], 1e-9, "solution " + i);
        }
        double[] fwd = Autodiff.jacfwd(hip).apply(theta).toArray();
        double[] rev = Autodiff.jacrev(hip).apply(theta).toArray();
        double[] ownD = Autodiff.jacfwd(own).apply(theta).toArray();
        double eps = 1e-5;
        double[] p = hip.apply(Tensor.scalar(1.1 + eps)).toArray();
        double[] m = hip.apply(Tensor.scalar(1.1 - eps)).toArray();
        double[] second = Autodiff.jacfwd(Autodiff.jacrev(hip)).apply(theta).toArray();
        double[] dp = Autodiff.jacrev(hip).apply(Tensor.scalar(1.1 + 1e-4)).toArray();
        double[] dm = Autodiff.jacrev(hip).apply(Tensor.scalar(1.1 - 1e-4)).toArray();
        for (int i = 0; i < 2; i++) {
            assertEquals((p[i] - m[i]) / (2 * eps), fwd[i], 1e-6, "forward vs finite differences " + i);
            assertEquals(fwd[i], rev[i], 1e-10, "reverse vs forward " + i);
            assertEquals(ownD[i], fwd[i], 1e-8, "vs argdiff's LevenbergMarquardt " + i);
            assertEquals((dp[i] - dm[i]) / 2e-4, second[i], 1e-5, "second order " + i);
        }
        // x₀ scales with θ exactly (x₀·e^{−x₁t} = θ·y), x₁ does not depend on θ.
        assertEquals(xh[0] / 1.1, fwd[0], 1e-8);
        assertEquals(0.0, fwd[1], 1e-8);
    }

    @Test
    void capturedValuesAreDifferentiated() {
        Function<Tensor, Tensor> sol = s -> HipparchusLeastSquares.<Object>of((x, a) -> x.sub(s.mul(Tensor.of(1, 2))))
                .solve(Tensor.zeros(2), null);
        double[] d = Autodiff.jacrev(sol).apply(Tensor.scalar(0.7)).toArray();
        assertEquals(1.0, d[0], 1e-10);
        assertEquals(2.0, d[1], 1e-10);
    }

    @Test
    void refusals() {
        HipparchusLeastSquares<Tensor> h = HipparchusLeastSquares.of(HipparchusLeastSquaresTest::decay)
                .withMaxEvaluations(2);
        NumericalFailureException e = assertThrows(NumericalFailureException.class,
                () -> h.solve(Tensor.of(1, 1), Tensor.scalar(1)));
        assertTrue(e.getMessage().contains("maxEvaluations"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> h.solve(Tensor.zeros(2, 1), Tensor.scalar(1)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> h.withMaxEvaluations(0)).getMessage()
                .contains("maxEvaluations"));
        // Rank-deficient: r = (x₀ + x₁ − θ, 2(x₀ + x₁ − θ)); the Hessian is singular and the derivative refused.
        HipparchusLeastSquares<Tensor> singular = HipparchusLeastSquares.of((x, t) -> {
            Tensor s = x.row(0).add(x.row(1)).sub(t);
            return Tensor.stack(List.of(s, s.mul(2)), 0);
        });
        assertThrows(ArithmeticException.class, () -> Autodiff.jacfwd((Tensor t) -> singular.solve(Tensor.zeros(2), t))
                .apply(Tensor.scalar(1)));
    }
}
