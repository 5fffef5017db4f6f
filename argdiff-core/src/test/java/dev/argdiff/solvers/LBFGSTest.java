package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LBFGSTest {

    /** (1 − x₀)² + 100·(x₁ − x₀²)², minimized at (1, 1). */
    private static Tensor rosenbrock(Tensor x, Object unused) {
        Tensor x0 = x.row(0);
        Tensor x1 = x.row(1);
        return x0.rsub(1).square().add(x1.sub(x0.square()).square().mul(100));
    }

    @Test
    void rosenbrockConvergesToOneOne() {
        LBFGS<Tensor, Object> solver = LBFGS.of(LBFGSTest::rosenbrock).tol(1e-10);
        SolverResult<Tensor, LBFGS.State<Tensor>> r = solver.run(Tensor.of(-1.2, 1.0), List.of());
        assertTrue(r.converged(), "error " + r.error());
        assertEquals(1.0, r.params().get(0), 1e-9);
        assertEquals(1.0, r.params().get(1), 1e-9);
        // Quasi-Newton speed: the textbook start needs a few dozen iterations, not thousands.
        assertTrue(r.iterations() < 60, "iterations " + r.iterations());
        assertEquals(0, r.state().failedLineSearches());
        assertTrue(r.state().sHistory().size() <= 10);
    }

    @Test
    void rosenbrockFromSeveralStarts() {
        double[][] starts = {{-1.2, 1}, {2, 2}, {-2, -1}, {0, 0}, {1.5, -0.5}};
        for (double[] s : starts) {
            SolverResult<Tensor, LBFGS.State<Tensor>> r = LBFGS.of(LBFGSTest::rosenbrock).tol(1e-9).maxiter(1000)
                    .run(Tensor.of(s), List.of());
            assertTrue(r.converged(), "start " + java.util.Arrays.toString(s) + ": error " + r.error());
            assertEquals(1.0, r.params().get(0), 1e-8);
            assertEquals(1.0, r.params().get(1), 1e-8);
        }
    }

    /** Parameters of a logistic regression: a pytree (record) of two tensors. */
    record Params(Tensor w, Tensor b) {
    }

    record Data(Tensor x, Tensor y, Tensor l2) {
    }

    /** Mean logistic loss with labels y ∈ {0, 1}, plus ½·l2·‖w‖². */
    private static Tensor logistic(Params p, Data d) {
        Tensor z = d.x().matmul(p.w()).add(p.b());
        // log(1 + e^z) − y·z
        return z.softplus().sub(d.y().mul(z)).mean().add(d.l2().mul(0.5).mul(p.w().squaredNorm()));
    }

    private static Data logisticData() {
        int n = 80;
        int p = 5;
        Tensor x = Tensor.randomNormal(3, n, p);
        Tensor scores = x.matmul(Tensor.of(1.5, -2, 0.5, 0, 1)).add(Tensor.randomNormal(4, n).mul(1.5));
        return new Data(x, scores.gt(0.0), Tensor.scalar(0.01));
    }

    @Test
    void logisticRegressionMatchesGradientDescent() {
        Data d = logisticData();
        Params init = new Params(Tensor.zeros(5), Tensor.scalar(0.0));
        SolverResult<Params, LBFGS.State<Params>> lbfgs = LBFGS.of(LBFGSTest::logistic).tol(1e-10).run(init, d);
        SolverResult<Params, ProximalGradient.State<Params>> gd = GradientDescent.of(LBFGSTest::logistic)
                .stepsize(1.0).tol(1e-10).maxiter(100_000).run(init, d);
        assertTrue(lbfgs.converged() && gd.converged());
        assertTrue(lbfgs.iterations() < gd.iterations() / 2,
                "LBFGS " + lbfgs.iterations() + " vs GD " + gd.iterations() + " iterations");
        double[] a = Pytree.toArray(lbfgs.params());
        double[] b = Pytree.toArray(gd.params());
        assertTrue(SolverFixtures.maxAbsDiff(a, b) < 1e-8, "solutions differ by " + SolverFixtures.maxAbsDiff(a, b));
        // The hypergradient with respect to the l2 strength agrees too (implicit in both; LBFGS reverse, GD forward).
        Function<Tensor, Tensor> wL = l2 -> LBFGS.of(LBFGSTest::logistic).tol(1e-10)
                .run(init, new Data(d.x(), d.y(), l2)).params().w();
        Function<Tensor, Tensor> wG = l2 -> GradientDescent.of(LBFGSTest::logistic).stepsize(1.0).tol(1e-10)
                .maxiter(100_000).run(init, new Data(d.x(), d.y(), l2)).params().w();
        double[] jl = Autodiff.jacrev(wL).apply(d.l2()).toArray();
        double[] jg = Autodiff.jacfwd(wG).apply(d.l2()).toArray();
        assertTrue(SolverFixtures.maxAbsDiff(jl, jg) < 1e-6 * Math.max(1, SolverFixtures.maxAbs(jg)));
    }

    @Test
    void everyLineSearchStepSatisfiesTheStrongWolfeConditions() {
        Data d = logisticData();
        LBFGS<Params, Data> solver = LBFGS.of(LBFGSTest::logistic);
        Params x = new Params(Tensor.zeros(5), Tensor.scalar(0.0));
        LBFGS.State<Params> state = solver.init(x, d);
        for (int k = 0; k < 15; k++) {
            OptStep<Params, LBFGS.State<Params>> step = solver.update(x, state, d);
            Params dx = Pytree.map2(step.params(), x, Tensor::sub);
            double t = step.state().stepsize();
            // d = dx / t; φ'(0) = ⟨∇f(x), d⟩, φ'(t) = ⟨∇f(x⁺), d⟩.
            double slope0 = Pytree.vdot(state.grad(), dx).item() / t;
            double slopeT = Pytree.vdot(step.state().grad(), dx).item() / t;
            assertTrue(slope0 < 0, "descent direction");
            assertTrue(step.state().value() <= state.value() + 1e-4 * t * slope0, "sufficient decrease at " + k);
            assertTrue(Math.abs(slopeT) <= 0.9 * Math.abs(slope0) + 1e-15, "curvature at " + k);
            x = step.params();
            state = step.state();
            if (state.error() < 1e-9) {
                break;
            }
        }
    }

    @Test
    void historySizeZeroIsSteepestDescentWithLineSearch() {
        SolverResult<Tensor, LBFGS.State<Tensor>> r = LBFGS.<Tensor, Object>of((x, a) -> x.sub(Tensor.of(1, 2, 3))
                .square().mul(Tensor.of(1, 2, 4)).sum()).historySize(0).tol(1e-10).maxiter(2000)
                .run(Tensor.zeros(3), List.of());
        assertTrue(r.converged());
        assertTrue(r.state().sHistory().isEmpty());
        assertEquals(3.0, r.params().get(2), 1e-10);
    }

    @Test
    void historyIsBoundedAndListenerSeesEveryIteration() {
        List<Integer> seen = new ArrayList<>();
        SolverResult<Tensor, LBFGS.State<Tensor>> r = LBFGS.of(LBFGSTest::rosenbrock).historySize(3).tol(1e-9)
                .listener((it, err) -> seen.add(it)).run(Tensor.of(-1.2, 1.0), List.of());
        assertTrue(r.converged());
        assertEquals(3, r.state().sHistory().size());
        assertEquals(r.iterations(), seen.size());
    }

    @Test
    void fixedStepsizeIsHonoured() {
        // f = ½‖x − c‖²: a unit step of L-BFGS (H = I initially) lands on c in one iteration.
        Tensor c = Tensor.of(1, -2, 0.5);
        SolverResult<Tensor, LBFGS.State<Tensor>> r = LBFGS.<Tensor, Object>of((x, a) -> x.sub(c).squaredNorm().mul(0.5))
                .stepsize(1.0).run(Tensor.zeros(3), List.of());
        assertEquals(1, r.iterations());
        assertEquals(0.0, r.error(), 1e-15);
    }
}
