package dev.argdiff.solvers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ProximalGradient does its own arithmetic on flat arrays when nothing traces the iterates and
 * with tensor operations when a transform does (unrolled differentiation). Both must take the
 * same roundings and the same line-search decisions: the iterates of a plain run and the primal
 * of a forward-mode unrolled run are compared bit for bit, for a tensor and for a record of
 * tensors as the iterate.
 */
class ProximalGradientFlatValuesTest {

    private static final SolverFixtures.Regression DATA = SolverFixtures.regression(11, 40, 9);

    record Halves(Tensor head, Tensor tail) {
    }

    private static Tensor joined(Halves h) {
        return Tensor.concatenate(java.util.List.of(h.head(), h.tail()), 0);
    }

    private static ProximalGradient<Tensor, SolverFixtures.Regression> tensorSolver(String mode) {
        ProximalGradient<Tensor, SolverFixtures.Regression> pg = ProximalGradient.of(SolverFixtures::leastSquares,
                SolverFixtures.SOFT_THRESHOLD);
        return configure(pg, mode);
    }

    private static ProximalGradient<Halves, SolverFixtures.Regression> treeSolver(String mode) {
        ProximalGradient<Halves, SolverFixtures.Regression> pg = ProximalGradient.of(
                (Halves h, SolverFixtures.Regression a) -> SolverFixtures.leastSquares(joined(h), a),
                (h, a, s) -> Pytree.map(h, w -> SolverFixtures.SOFT_THRESHOLD.apply(w, a, s)));
        return configure(pg, mode);
    }

    private static <X> ProximalGradient<X, SolverFixtures.Regression> configure(
            ProximalGradient<X, SolverFixtures.Regression> pg, String mode) {
        pg = pg.maxiter(60).tol(0.0).implicitDiff(false);
        return switch (mode) {
            case "fixed" -> pg.stepsize(1 / SolverFixtures.lipschitz(DATA));
            // a first step far above 1/L: the line search backtracks, then keeps the step
            case "linesearch" -> pg;
            case "restart" -> pg.restart(true);
            case "plain" -> pg.acceleration(false);
            default -> throw new IllegalArgumentException(mode);
        };
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fixed", "linesearch", "restart", "plain"})
    void tensorIterateSameBitsTracedOrNot(String mode) {
        ProximalGradient<Tensor, SolverFixtures.Regression> pg = tensorSolver(mode);
        Tensor w0 = Tensor.zeros(DATA.p());
        Tensor lam = Tensor.scalar(0.3 * SolverFixtures.lambdaMax(DATA));
        SolverResult<Tensor, ProximalGradient.State<Tensor>> run = pg.run(w0, DATA.withLam(lam));
        Tensor plain = run.params();
        if (!mode.equals("fixed")) {
            // the line search has backtracked from its first step 1 (1/L = 0.5 or so here)
            assertEquals(true, run.state().stepsize() < 1, "step " + run.state().stepsize());
        }
        Autodiff.JvpResult<Tensor> traced = Autodiff.jvp((Tensor l) -> pg.run(w0, DATA.withLam(l)).params(), lam,
                Tensor.scalar(1.0));
        assertArrayEquals(plain.toArray(), traced.value().toArray(), 0.0);
        double nonzero = 0;
        for (double v : plain.toArray()) {
            nonzero += v != 0 ? 1 : 0;
        }
        // the problem is not degenerate: some weights are set, some are cut to zero
        assertEquals(true, nonzero > 0 && nonzero < DATA.p(), "nonzeros " + nonzero);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fixed", "linesearch", "restart"})
    void treeIterateSameBitsTracedOrNotAndAsTheTensorIterate(String mode) {
        ProximalGradient<Halves, SolverFixtures.Regression> pg = treeSolver(mode);
        Halves h0 = new Halves(Tensor.zeros(4), Tensor.zeros(DATA.p() - 4));
        Tensor lam = Tensor.scalar(0.3 * SolverFixtures.lambdaMax(DATA));
        Halves plain = pg.run(h0, DATA.withLam(lam)).params();
        Autodiff.JvpResult<Halves> traced = Autodiff.jvp((Tensor l) -> pg.run(h0, DATA.withLam(l)).params(), lam,
                Tensor.scalar(1.0));
        assertArrayEquals(joined(plain).toArray(), joined(traced.value()).toArray(), 0.0);
        // the same iteration as on one tensor: the split changes neither a rounding nor a decision
        Tensor whole = tensorSolver(mode).run(Tensor.zeros(DATA.p()), DATA.withLam(lam)).params();
        assertArrayEquals(whole.toArray(), joined(plain).toArray(), 0.0);
    }
}
