package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.prox.Prox;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ProximalGradient's line search within the rounding noise of f: where the curvature term
 * ‖x⁺ − y‖²/(2s) is below 100 times the noise of f, a step an earlier test accepted is accepted
 * again without evaluating f. These tests build the cases where that could go wrong — a step
 * accepted far from the optimum that is far too long near it, under a value so large that the
 * noise band covers steps of order one — and check that the solver still reaches the closed-form
 * minimizer, and that its derivative is still the closed form's.
 *
 * <p>f(x) = C + Σᵢ √(ε² + (xᵢ − cᵢ)²), g = λ‖x‖₁: the curvature of f is ε²/(ε² + (x − c)²)^{3/2},
 * ≈ 1e-7 where the run starts (|x − c| ≥ 0.5 when ε = 0.01) and 1/ε = 100 at the minimizer, so the
 * first accepted step, s = 1, is a hundred times too long there. With C = 1e12 the noise of f is
 * 16·ulp(1e12) ≈ 2e-3, so the value test cannot decide any step below ‖x⁺ − y‖ ≈ 0.6.
 * Minimizer (for |cᵢ| &gt; δ): xᵢ = cᵢ − sign(cᵢ)·δ, δ = λε/√(1 − λ²), from the stationarity
 * condition (cᵢ − xᵢ)/√(ε² + (cᵢ − xᵢ)²) = λ·sign(xᵢ); dxᵢ/dcᵢ = 1.
 */
class ProximalGradientNoiseBandTest {

    private static final double EPS = 0.01;
    private static final double LAMBDA = 0.1;

    record Problem(Tensor c, double offset) {
    }

    private static Tensor objective(Tensor x, Problem p) {
        return x.sub(p.c()).square().add(EPS * EPS).sqrt().sum().add(p.offset());
    }

    private static double[] minimizer(double[] c) {
        double delta = LAMBDA * EPS / Math.sqrt(1 - LAMBDA * LAMBDA);
        double[] x = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            x[i] = c[i] - Math.signum(c[i]) * delta;
        }
        return x;
    }

    private static ProximalGradient<Tensor, Problem> solver(AtomicLong evaluations) {
        return ProximalGradient.<Tensor, Problem>of((x, p) -> {
            evaluations.incrementAndGet();
            return objective(x, p);
        }, (x, p, s) -> Prox.lasso(x, LAMBDA, s)).maxiter(20_000).tol(1e-10);
    }

    @Test
    void aStepTooLongNearTheOptimumIsStillCaughtAndTheMinimizerReached() {
        double[] c = {3.0, -2.0, 0.5, 10.0};
        for (double offset : new double[] {0.0, 1e12}) {
            AtomicLong evaluations = new AtomicLong();
            SolverResult<Tensor, ProximalGradient.State<Tensor>> r = solver(evaluations)
                    .run(Tensor.zeros(4), new Problem(Tensor.of(c), offset));
            assertEquals(SolverStatus.CONVERGED, r.status(), "offset " + offset + ": " + r.status());
            // The step had to come down from 1 to below 2/100 for the iteration to contract at the minimizer.
            assertTrue(r.state().stepsize() < 0.02, "offset " + offset + ": step " + r.state().stepsize());
            double[] x = r.params().toArray();
            double[] expected = minimizer(c);
            for (int i = 0; i < c.length; i++) {
                assertEquals(expected[i], x[i], 1e-9, "offset " + offset + ", x[" + i + "]");
            }
        }
    }

    @Test
    void derivativeAtTheMinimizerReachedThroughTheBand() {
        double[] c = {3.0, -2.0, 0.5, 10.0};
        ProximalGradient<Tensor, Problem> pg = solver(new AtomicLong());
        Tensor jac = Autodiff.jacfwd((Tensor cc) -> pg.run(Tensor.zeros(4), new Problem(cc, 1e12)).params())
                .apply(Tensor.of(c));
        double[] j = jac.toArray();
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < 4; k++) {
                assertEquals(i == k ? 1.0 : 0.0, j[i * 4 + k], 1e-7, "dx[" + i + "]/dc[" + k + "]");
            }
        }
    }

    /**
     * f turns NaN (value and gradient) once the run is inside the noise band, where the kept step is
     * accepted without a test: the run must end NON_FINITE, not CONVERGED at a stale point.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "NaN after {0} evaluations")
    @org.junit.jupiter.params.provider.ValueSource(ints = {20, 60, 100, 120, 130, 135, 138})
    void aNonFiniteObjectiveInsideTheBandEndsTheRunAsNonFinite(int healthy) {
        double[] c = {3.0, -2.0, 0.5, 10.0};
        AtomicLong evaluations = new AtomicLong();
        ProximalGradient<Tensor, Problem> pg = ProximalGradient.<Tensor, Problem>of((x, p) -> {
            Tensor f = objective(x, p);
            // the run takes 141 evaluations to reach x⁺ = y exactly; from `healthy` on, every value and gradient is NaN
            return evaluations.incrementAndGet() > healthy ? f.add(x.sum().mul(Double.NaN)) : f;
        }, (x, p, s) -> Prox.lasso(x, LAMBDA, s)).maxiter(20_000).tol(0.0);
        SolverResult<Tensor, ProximalGradient.State<Tensor>> r = pg.run(Tensor.zeros(4), new Problem(Tensor.of(c), 1e12));
        assertEquals(SolverStatus.NON_FINITE, r.status(), "status " + r.status() + " after " + evaluations.get());
    }
}
