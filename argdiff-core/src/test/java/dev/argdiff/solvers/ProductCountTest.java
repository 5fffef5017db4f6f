package dev.argdiff.solvers;

import dev.argdiff.ad.Pytree;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The matrix-vector products per iteration that each solver's Javadoc states, counted with an
 * objective f(w) = ½·mean((Xw − y)²) that counts its own evaluations: a plain evaluation is one
 * product (X·w), an evaluation under the solver's gradient two (X·w and its transpose in the
 * backward pass). The count is taken between iteration 4 and iteration 14 of a run (tol 0), so
 * that the setup (init) and the first steps' backtracking do not enter.
 */
class ProductCountTest {

    private static final Regression DATA = SolverFixtures.regression(11, 60, 8);

    /** Counts products with X: 1 per concrete evaluation, 2 per traced one (value and gradient). */
    private static final class Counting implements BiFunction<Tensor, Regression, Tensor> {
        final AtomicLong products = new AtomicLong();

        @Override
        public Tensor apply(Tensor w, Regression a) {
            products.addAndGet(Pytree.isConcrete(w) ? 1 : 2);
            return SolverFixtures.leastSquares(w, a);
        }
    }

    /** Products per iteration between iterations 4 and 14. */
    private static double perIteration(Function<Counting, IterativeSolver<Tensor, Regression, ?, ?>> make) {
        return run(make)[0];
    }

    /**
     * For the proximal-gradient family with the line search: 3 products per iteration plus one per
     * backtracking step (the step halves at each, so their number is log2 of the step's decrease).
     */
    private static void assertLineSearchCount(Function<Counting, IterativeSolver<Tensor, Regression, ?, ?>> make) {
        double[] r = run(make);
        double backtracks = Math.log(r[1] / r[2]) / Math.log(2);
        assertEquals(Math.rint(backtracks), backtracks, 1e-12, "the step halves at each backtracking step");
        assertEquals(3.0 + backtracks / 10, r[0], 1e-12);
    }

    /** Products per iteration between iterations 4 and 14, and the step sizes at 4 and 14 (NaN if none). */
    private static double[] run(Function<Counting, IterativeSolver<Tensor, Regression, ?, ?>> make) {
        return run(make, 4, 10);
    }

    /** Products per iteration between iterations {@code from} and {@code from + span}, and the step sizes there. */
    private static double[] run(Function<Counting, IterativeSolver<Tensor, Regression, ?, ?>> make, int from,
                                int span) {
        double[] steps = {Double.NaN, Double.NaN};
        long[] counts = new long[2];
        int[] iterations = {from, from + span};
        for (int k = 0; k < 2; k++) {
            Counting f = new Counting();
            IterativeSolver<Tensor, Regression, ?, ?> s = make.apply(f).maxiter(iterations[k]).tol(0.0).implicitDiff(false);
            Object state = s.run(Tensor.zeros(DATA.p()), DATA.withLam(Tensor.scalar(0.05))).state();
            counts[k] = f.products.get();
            if (state instanceof ProximalGradient.State<?> ps) {
                steps[k] = ps.stepsize();
            }
        }
        return new double[] {(counts[1] - counts[0]) / (double) span, steps[0], steps[1]};
    }

    private static double stepOneOverL() {
        return 1 / SolverFixtures.lipschitz(DATA);
    }

    @Test
    void proximalGradientFixedStepTwoProducts() {
        assertEquals(2.0, perIteration(f -> ProximalGradient.of(f, SolverFixtures.SOFT_THRESHOLD)
                .stepsize(stepOneOverL())), 0.0);
    }

    @Test
    void proximalGradientLineSearchThreeProducts() {
        assertLineSearchCount(f -> ProximalGradient.of(f, SolverFixtures.SOFT_THRESHOLD));
    }

    /**
     * Near the optimum (iterations 72 to 168: converged to the rounding level of f, still moving;
     * the run reaches x⁺ = y exactly and stops near 180)
     * the curvature term is within the noise of f: the step accepted earlier is kept without a value
     * at x⁺ (2 products), and rechecked by the gradient test (2 more) at every 8th iteration — 2.25
     * per iteration, against 4 when every iteration took the gradient test; the run still reaches
     * the optimum.
     */
    @Test
    void proximalGradientLineSearchNearTheOptimumTwoAndAQuarterProducts() {
        Function<Counting, IterativeSolver<Tensor, Regression, ?, ?>> make =
                f -> ProximalGradient.of(f, SolverFixtures.SOFT_THRESHOLD);
        double[] r = run(make, 72, 96);
        assertEquals(r[1], r[2], 0.0, "no backtracking near the optimum");
        assertEquals(2.0 + 2.0 / ProximalGradient.BAND_RECHECK, r[0], 0.0);
        Regression args = DATA.withLam(Tensor.scalar(0.05));
        ProximalGradient<Tensor, Regression> lineSearch = ProximalGradient.<Tensor, Regression>of(
                SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD).maxiter(320).tol(0.0).implicitDiff(false);
        Tensor atLineSearch = lineSearch.run(Tensor.zeros(DATA.p()), args).params();
        Tensor atFixed = lineSearch.stepsize(stepOneOverL()).maxiter(5000).run(Tensor.zeros(DATA.p()), args).params();
        assertTrue(atLineSearch.sub(atFixed).abs().max().item() <= 1e-12,
                "line search " + atLineSearch + " vs fixed step " + atFixed);
    }

    @Test
    void gradientDescentAndProjectedGradientAsProximalGradient() {
        assertEquals(2.0, perIteration(f -> GradientDescent.of(f).stepsize(stepOneOverL())), 0.0);
        assertLineSearchCount(GradientDescent::of);
        BiFunction<Tensor, Regression, Tensor> box = (w, a) -> w.clip(-0.5, 0.5);
        assertEquals(2.0, perIteration(f -> ProjectedGradient.of(f, box).stepsize(stepOneOverL())), 0.0);
        assertLineSearchCount(f -> ProjectedGradient.of(f, box));
    }

    @Test
    void lbfgsOneValueAndGradientPerTrialStep() {
        assertEquals(2.0, perIteration(f -> LBFGS.of(f).stepsize(0.1)), 0.0);
        double lineSearch = perIteration(LBFGS::of);
        // Each trial of the zoom line search is one value and gradient; the accepted one is reused.
        assertTrue(lineSearch >= 2.0 && Math.round(lineSearch * 10) % 2 == 0, "L-BFGS products " + lineSearch);
    }

    @Test
    void fixedPointSolversOneEvaluationOfTPerIteration() {
        SolverFixtures.Contraction c = SolverFixtures.Contraction.of(3, 6);
        BiFunction<Tensor, Tensor, Tensor> t = c.map();
        for (String solver : new String[] {"fixed-point", "anderson"}) {
            long[] counts = new long[2];
            int[] iterations = {4, 14};
            for (int k = 0; k < 2; k++) {
                AtomicLong calls = new AtomicLong();
                BiFunction<Tensor, Tensor, Tensor> counted = (x, theta) -> {
                    calls.incrementAndGet();
                    return t.apply(x, theta);
                };
                IterativeSolver<Tensor, Tensor, ?, ?> s = solver.equals("fixed-point")
                        ? FixedPointIteration.of(counted) : AndersonAcceleration.of(counted);
                s.maxiter(iterations[k]).tol(0.0).implicitDiff(false).run(Tensor.zeros(6), Tensor.scalar(0.7));
                counts[k] = calls.get();
            }
            assertEquals(10, counts[1] - counts[0], solver + ": evaluations of T in 10 iterations");
        }
    }

    @Test
    void blockCoordinateDescentGeneralOneValueAndGradientPerBlock() {
        // p blocks, each one value and gradient at the current point (2 products) and one trial value (1), and the
        // error's gradient (2) once per epoch.
        double perEpoch = perIteration(f -> BlockCoordinateDescent.of(f, SolverFixtures.SOFT_THRESHOLD));
        int p = DATA.p();
        assertTrue(perEpoch >= 2 * p + 2 && perEpoch <= 3 * p + 2, "BCD products per epoch " + perEpoch);
    }
}
