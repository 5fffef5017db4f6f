package dev.argdiff.hipparchus;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.solvers.LBFGS;
import dev.argdiff.tensor.NumericalFailureException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hipparchus' nonlinear conjugate gradient inside argdiff: a quadratic in closed form (minimizer
 * and derivative), an L2-regularized logistic regression against argdiff's own LBFGS (minimizer,
 * first and second implicit derivatives) and central finite differences of LBFGS solutions solved
 * to 1e-12 (Hipparchus' own solutions, accurate to ~1e-7, are too coarse for differences), a
 * captured value, and the refusals of an unconverged run.
 */
class HipparchusMinimizerTest {

    /** Q (SPD) and b; the minimizer of ½xᵀQx − θ·bᵀx is θ·Q⁻¹b. */
    private static final double[][] Q = {{4, 1, 0}, {1, 3, 1}, {0, 1, 2}};
    private static final double[] B = {1, 2, 3};

    /** Q⁻¹b by Cramer's rule (independent of the solvers under test). */
    private static double[] qInverseB() {
        double det = det(Q);
        double[] out = new double[3];
        for (int c = 0; c < 3; c++) {
            double[][] m = {Q[0].clone(), Q[1].clone(), Q[2].clone()};
            for (int r = 0; r < 3; r++) {
                m[r][c] = B[r];
            }
            out[c] = det(m) / det;
        }
        return out;
    }

    private static double det(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    @Test
    void quadraticInClosedForm() {
        Tensor q = Tensor.of(Q);
        Tensor b = Tensor.of(B);
        HipparchusMinimizer<Tensor> h = HipparchusMinimizer.of((x, t) -> x.vdot(q.matmul(x)).mul(0.5)
                .sub(t.mul(x.vdot(b))));
        Function<Tensor, Tensor> sol = t -> h.solve(Tensor.zeros(3), t);
        double[] expected = qInverseB();
        double theta = 2.5;
        double[] x = sol.apply(Tensor.scalar(theta)).toArray();
        double[] fwd = Autodiff.jacfwd(sol).apply(Tensor.scalar(theta)).toArray();
        double[] rev = Autodiff.jacrev(sol).apply(Tensor.scalar(theta)).toArray();
        for (int i = 0; i < 3; i++) {
            // ‖∇f‖ ≤ 1e-7 (the default tolerance) and the smallest eigenvalue of Q is above 1.
            assertEquals(theta * expected[i], x[i], 2e-7, "minimizer " + i);
            assertEquals(expected[i], fwd[i], 1e-10, "jacfwd " + i);
            assertEquals(expected[i], rev[i], 1e-10, "jacrev " + i);
        }
    }

    /** Seeded ±1 labels of a noisy linear model. */
    private static final Tensor A = Tensor.randomNormal(21, 40, 3);
    private static final Tensor Y = A.matmul(Tensor.of(1.5, -2, 0.5)).add(Tensor.randomNormal(22, 40)).sign();

    /** mean(log(1 + exp(−y⊙(Ax)))) + (θ/2)‖x‖². */
    static Tensor logistic(Tensor x, Tensor theta) {
        return A.matmul(x).mul(Y).neg().softplus().mean().add(theta.mul(0.5).mul(x.squaredNorm()));
    }

    @Test
    void logisticRegressionAgreesWithArgdiffsLbfgsAndFiniteDifferences() {
        HipparchusMinimizer<Tensor> h = HipparchusMinimizer.of(HipparchusMinimizerTest::logistic);
        Function<Tensor, Tensor> hip = t -> h.solve(Tensor.zeros(3), t);
        LBFGS<Tensor, Tensor> lbfgs = LBFGS.<Tensor, Tensor>of(HipparchusMinimizerTest::logistic).tol(1e-12)
                .maxiter(500);
        Function<Tensor, Tensor> own = t -> lbfgs.run(Tensor.zeros(3), t).params();
        double lam = 0.05;
        Tensor theta = Tensor.scalar(lam);
        double[] xh = hip.apply(theta).toArray();
        double[] xo = own.apply(theta).toArray();
        double[] fwd = Autodiff.jacfwd(hip).apply(theta).toArray();
        double[] rev = Autodiff.jacrev(hip).apply(theta).toArray();
        double[] ownD = Autodiff.jacfwd(own).apply(theta).toArray();
        double eps = 1e-5;
        double[] p = own.apply(Tensor.scalar(lam + eps)).toArray();
        double[] m = own.apply(Tensor.scalar(lam - eps)).toArray();
        double[] second = Autodiff.jacfwd(Autodiff.jacrev(hip)).apply(theta).toArray();
        double[] ownSecond = Autodiff.jacfwd(Autodiff.jacrev(own)).apply(theta).toArray();
        double scale = 1;
        for (double v : ownD) {
            scale = Math.max(scale, Math.abs(v));
        }
        // The gradient at Hipparchus' point is at most its tolerance, 1e-7 (checked directly).
        double[] g = Autodiff.grad((Tensor z) -> logistic(z, theta)).apply(Tensor.of(xh)).toArray();
        for (double v : g) {
            assertTrue(Math.abs(v) <= 1e-7, "gradient " + v);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(xo[i], xh[i], 1e-5, "minimizer vs LBFGS " + i);
            assertEquals(ownD[i], fwd[i], 1e-4 * scale, "implicit derivative vs LBFGS's " + i);
            assertEquals((p[i] - m[i]) / (2 * eps), ownD[i], 1e-7 * scale, "LBFGS's vs central finite differences " + i);
            assertEquals((p[i] - m[i]) / (2 * eps), fwd[i], 1e-4 * scale, "vs central finite differences " + i);
            assertEquals(fwd[i], rev[i], 1e-10 * scale, "reverse vs forward " + i);
            assertEquals(ownSecond[i], second[i], 1e-3 * Math.max(1, Math.abs(ownSecond[i])), "second order " + i);
        }
    }

    @Test
    void capturedValuesAreDifferentiated() {
        Tensor c = Tensor.of(1, -2);
        Function<Tensor, Tensor> sol = s -> HipparchusMinimizer.<Object>of((x, a) -> x.sub(c.mul(s)).square().sum()
                .add(x.square().sum().mul(0.5))).solve(Tensor.zeros(2), null);
        // min ‖x − s·c‖² + ½‖x‖²: x* = (2/3)·s·c.
        double[] d = Autodiff.jacrev(sol).apply(Tensor.scalar(0.7)).toArray();
        assertEquals(2.0 / 3, d[0], 1e-9);
        assertEquals(-4.0 / 3, d[1], 1e-9);
    }

    @Test
    void anUnconvergedRunIsRefused() {
        HipparchusMinimizer<Tensor> h = HipparchusMinimizer.of(HipparchusMinimizerTest::logistic);
        // Hipparchus runs out of iterations: an exception naming the budget, no point returned.
        NumericalFailureException e = assertThrows(NumericalFailureException.class,
                () -> h.withMaxIterations(2).solve(Tensor.zeros(3), Tensor.scalar(0.05)));
        assertTrue(e.getMessage().contains("maxIterations"), e.getMessage());
        NumericalFailureException ev = assertThrows(NumericalFailureException.class,
                () -> h.withMaxEvaluations(5).solve(Tensor.zeros(3), Tensor.scalar(0.05)));
        assertTrue(ev.getMessage().contains("maxEvaluations"), ev.getMessage());
        // A loose stopping test returns a point far from ∇f = 0: its implicit derivative is refused.
        HipparchusMinimizer<Tensor> loose = h.withGradientTolerance(1e-2);
        Tensor x = loose.solve(Tensor.zeros(3), Tensor.scalar(0.05));
        double g = Autodiff.grad((Tensor z) -> logistic(z, Tensor.scalar(0.05))).apply(x).norm().item();
        assertTrue(g > 1e-5, "the loose run stopped at ‖∇f‖ = " + g);
        assertThrows(ImplicitDiffException.class, () -> Autodiff.jacfwd((Tensor t) -> loose.solve(Tensor.zeros(3), t))
                .apply(Tensor.scalar(0.05)));
    }

    @Test
    void badArgumentsAreRefusedWithTheirNames() {
        HipparchusMinimizer<Tensor> h = HipparchusMinimizer.of(HipparchusMinimizerTest::logistic);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HipparchusMinimizer.of(null)).getMessage()
                .contains("fun"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> h.solve(Tensor.zeros(3, 1), Tensor.scalar(1)))
                .getMessage().contains("x0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> h.withGradientTolerance(0)).getMessage()
                .contains("gradientTolerance"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> h.withMaxIterations(0)).getMessage()
                .contains("maxIterations"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HipparchusMinimizer.<Object>of((x, a) -> x)
                .solve(Tensor.zeros(2), null)).getMessage().contains("scalar"));
    }
}
