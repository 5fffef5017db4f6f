package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs that cannot converge stop with a status that says why, and never report success. */
class SolverStatusTest {

    private static final Tensor A = Tensor.of(0.3, -0.2, 0.5);

    /** min −aᵀw: unbounded below, ∇f = −a everywhere (‖a‖ = 0.6164). */
    private static GradientDescent<Tensor, Tensor> unbounded() {
        return GradientDescent.<Tensor, Tensor>of((w, a) -> a.vdot(w).neg());
    }

    @Test
    void unboundedObjectiveDivergesInsteadOfConverging() {
        // Before: converged = true, error = 0.0 at ‖x‖ ≈ 1.7e16 (the step rounded away against x).
        for (int checkpoint : new int[] {0, 7}) {
            SolverResult<Tensor, ProximalGradient.State<Tensor>> r = unbounded().implicitDiff(checkpoint == 0)
                    .checkpointEvery(checkpoint).run(Tensor.zeros(3), A);
            assertEquals(SolverStatus.DIVERGED, r.status(), "checkpointEvery " + checkpoint);
            assertFalse(r.converged());
            // The line search never grows the step, so x runs off without ever rounding the step away: the error
            // ‖a‖ never improves while x grows, which the stagnation window (100 iterations) calls divergence.
            assertEquals(Progress.WINDOW + 1, r.iterations(), "iterations");
            double norm = r.params().norm().item();
            assertTrue(norm > Progress.WINDOW_GROWTH * 0.6164, "‖x‖ = " + norm);
            assertTrue(r.error() > 0.3, "error " + r.error());
        }
    }

    @Test
    void unboundedObjectiveHasNoCertifiedDerivative() {
        GradientDescent<Tensor, Tensor> gd = unbounded();
        assertThrows(ImplicitDiffException.class,
                () -> Autodiff.grad((Tensor a) -> gd.run(Tensor.zeros(3), a).params().sum()).apply(A));
    }

    @Test
    void smallStepErrorIsConfirmedByTheGradient() {
        // ½‖w − c‖² has ∇f = w − c: a run that reports convergence has a gradient below tol, measured directly.
        Tensor c = Tensor.of(1e3, -2e3, 5e2);
        SolverResult<Tensor, ProximalGradient.State<Tensor>> r = GradientDescent.<Tensor, Tensor>of(
                (w, a) -> w.sub(a).squaredNorm().mul(0.5)).tol(1e-10).run(Tensor.zeros(3), c);
        assertEquals(SolverStatus.CONVERGED, r.status());
        double gradient = r.params().sub(c).norm().item();
        assertEquals(gradient, r.error(), 1e-300);
        assertTrue(gradient <= 1e-10, "‖∇f‖ = " + gradient);
    }

    @Test
    void nanObjectiveStopsAtOnce() {
        // Before: error NaN never compares ≤ tol, so the run went on to maxiter (here 1e8).
        SolverResult<Tensor, ProximalGradient.State<Tensor>> r = GradientDescent.<Tensor, Tensor>of(
                (w, a) -> w.squaredNorm().mul(Double.NaN)).maxiter(100_000_000).run(Tensor.ones(3), A);
        assertEquals(SolverStatus.NON_FINITE, r.status());
        assertEquals(1, r.iterations());
    }

    @Test
    void fixedPointIterationStopsAtInfinity() {
        // Before: 1e7 iterations at x = ∞ (the error ∞ − ∞ = NaN never compares ≤ tol).
        SolverResult<Tensor, FixedPointIteration.State<Tensor>> atInfinity = FixedPointIteration
                .<Tensor, Tensor>of((x, a) -> x.mul(2)).maxiter(10_000_000)
                .run(Tensor.of(Double.POSITIVE_INFINITY, 1.0), A);
        assertEquals(SolverStatus.NON_FINITE, atInfinity.status());
        assertEquals(1, atInfinity.iterations());
        // x ↦ 2x + 1 runs away from its fixed point −1: stopped once ε‖x‖ exceeds the first error (|T(1) − 1| = 2 → |x| > 9e15).
        SolverResult<Tensor, FixedPointIteration.State<Tensor>> away = FixedPointIteration
                .<Tensor, Tensor>of((x, a) -> x.mul(2).add(1)).maxiter(10_000_000).run(Tensor.of(0.0), A);
        assertEquals(SolverStatus.DIVERGED, away.status());
        assertTrue(away.iterations() > 50 && away.iterations() < 60, "iterations " + away.iterations());
        double x = away.params().item();
        assertTrue(Double.isFinite(x) && Math.ulp(1.0) * x > 1.0, "x = " + x);
    }

    @Test
    void andersonStopsOnNonFiniteIterates() {
        SolverResult<Tensor, AndersonAcceleration.State<Tensor>> r = AndersonAcceleration
                .<Tensor, Tensor>of((x, a) -> x.mul(1e200)).maxiter(10_000_000).run(Tensor.of(1e200, 1.0), A);
        assertEquals(SolverStatus.NON_FINITE, r.status());
        assertEquals(1, r.iterations());
    }

    /** Least squares ½‖Mw − b‖² with a small random M; its solution by plain Gaussian elimination. */
    private record LeastSquares(Tensor m, Tensor b) {
        static LeastSquares of() {
            return new LeastSquares(Tensor.randomNormal(21, 12, 4), Tensor.randomNormal(22, 12));
        }

        double[] solution() {
            Tensor mt = m.transpose();
            double[][] normal = toRows(mt.matmul(m));
            return PlainLinearAlgebra.solve(normal, mt.matmul(b).toArray());
        }

        private static double[][] toRows(Tensor t) {
            int n = t.shape()[0];
            double[][] rows = new double[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = t.slice(0, i, i + 1).reshape(t.shape()[1]).toArray();
            }
            return rows;
        }
    }

    @Test
    void toleranceBelowRoundingStagnates() {
        // tol 1e-300 cannot be met: the gradient of a least-squares objective at its computed minimizer is rounding
        // noise of order 1e-15. Before: the run went on to maxiter (or "converged" once the step error rounded to 0).
        LeastSquares ls = LeastSquares.of();
        AtomicInteger heard = new AtomicInteger();
        SolverResult<Tensor, ProximalGradient.State<Tensor>> r = GradientDescent.<Tensor, LeastSquares>of(
                        (w, p) -> p.m().matmul(w).sub(p.b()).squaredNorm().mul(0.5))
                .tol(1e-300).maxiter(1_000_000).listener((k, e) -> heard.incrementAndGet())
                .run(Tensor.zeros(4), ls);
        assertEquals(SolverStatus.STAGNATED, r.status());
        assertTrue(r.iterations() < 5_000, "iterations " + r.iterations());
        assertEquals(r.iterations(), heard.get());
        double[] w = r.params().toArray();
        double[] expected = ls.solution();
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], w[i], 1e-12 * Math.max(1, Math.abs(expected[i])), "w[" + i + "]");
        }
    }

    @Test
    void zeroToleranceRunsEveryIteration() {
        // tol 0 asks for exactly maxiter iterations (unrolled MAML, benchmarks): no stagnation stop.
        SolverResult<Tensor, ProximalGradient.State<Tensor>> r = GradientDescent.<Tensor, LeastSquares>of(
                        (w, p) -> p.m().matmul(w).sub(p.b()).squaredNorm().mul(0.5))
                .tol(0).maxiter(700).run(Tensor.zeros(4), LeastSquares.of());
        assertEquals(SolverStatus.MAX_ITERATIONS, r.status());
        assertEquals(700, r.iterations());
    }

    @Test
    void fixedPointMapMustKeepTheShape() {
        // Before: accepted; the iterate silently became a 1-vector.
        ShapeException e = assertThrows(ShapeException.class, () -> FixedPointIteration
                .<Tensor, Tensor>of((x, a) -> x.sum().reshape(1)).run(Tensor.zeros(3), A));
        assertEquals("FixedPointIteration: fixedPointFun must return a tree shaped like its input x, but it returned "
                + "leaf shapes [[1]] for x of leaf shapes [[3]]", e.getMessage());
        ShapeException ea = assertThrows(ShapeException.class, () -> AndersonAcceleration
                .<Tensor, Tensor>of((x, a) -> x.reshape(3, 1)).run(Tensor.zeros(3), A));
        assertTrue(ea.getMessage().startsWith("AndersonAcceleration: fixedPointFun must return a tree shaped like its "
                + "input x, but it returned leaf shapes [[3, 1]] for x of leaf shapes [[3]]"), ea.getMessage());
    }
}
