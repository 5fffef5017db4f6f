package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.SyntheticLasso;
import dev.argdiff.prox.ProxOperator;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BlockCoordinateDescent beyond the contract suite: 2-d blocks, the 200×50 benchmark, Lipschitz estimates. */
class BlockCoordinateDescentTest {

    record Multitask(Tensor x, Tensor y, Tensor lam) {
    }

    /** prox of s·λ‖v‖₂ on one row v (block soft thresholding), with a derivative that is finite at 0. */
    private static Tensor groupShrink(Tensor v, Tensor threshold, int axis) {
        Tensor sq = axis < 0 ? v.squaredNorm() : v.square().sum(axis, true);
        Tensor positive = sq.gt(0.0);
        Tensor norm = Tensor.where(positive, Tensor.where(positive, sq, Tensor.scalar(1.0)).sqrt(), Tensor.scalar(0.0));
        Tensor scale = norm.sub(threshold).relu().div(Tensor.where(positive, norm, Tensor.scalar(1.0)));
        return v.mul(scale);
    }

    private static final ProxOperator<Tensor, Multitask> ROW_PROX = (v, a, s) -> groupShrink(v, a.lam().mul(s), -1);
    private static final ProxOperator<Tensor, Multitask> MATRIX_PROX = (w, a, s) -> groupShrink(w, a.lam().mul(s), 1);

    private static Tensor multitaskLoss(Tensor z, Multitask a) {
        return z.sub(a.y()).square().sum().div(a.x().dim(0)).mul(0.5);
    }

    @Test
    void groupLassoWithRowBlocksMatchesProximalGradient() {
        int n = 50;
        int p = 8;
        int k = 3;
        Tensor x = Tensor.randomNormal(21, n, p);
        Tensor wTrue = Tensor.randomNormal(22, p, k).mul(Tensor.of(1, 0, 2, 0, 0, 1, 0, 1).reshape(p, 1));
        Tensor y = x.matmul(wTrue).add(Tensor.randomNormal(23, n, k).mul(0.3));
        Tensor lam = Tensor.scalar(0.25);
        Multitask args = new Multitask(x, y, lam);
        Tensor init = Tensor.zeros(p, k);

        Function<Tensor, Tensor> bcd = l -> BlockCoordinateDescent.<Multitask>compositeLinear(Multitask::x,
                BlockCoordinateDescentTest::multitaskLoss, 1.0 / n, ROW_PROX).tol(1e-11).maxiter(5000)
                .run(init, new Multitask(x, y, l)).params();
        Function<Tensor, Tensor> general = l -> BlockCoordinateDescent.<Multitask>of(
                (w, a) -> multitaskLoss(a.x().matmul(w), a), ROW_PROX).tol(1e-11).maxiter(5000)
                .run(init, new Multitask(x, y, l)).params();
        double lip = 0;
        for (double v : dev.argdiff.linalg.dense.SymmetricEigen.eigenvaluesOf(x.transposeMatmul(x).div(n).toArray(), p)) {
            lip = Math.max(lip, v);
        }
        double step = 1 / lip;
        Function<Tensor, Tensor> pg = l -> ProximalGradient.<Tensor, Multitask>of(
                (w, a) -> multitaskLoss(a.x().matmul(w), a), MATRIX_PROX).stepsize(step).tol(1e-11)
                .maxiter(50_000).run(init, new Multitask(x, y, l)).params();

        double[] ref = pg.apply(lam).toArray();
        int zeroRows = 0;
        double[] wb = bcd.apply(lam).toArray();
        for (int j = 0; j < p; j++) {
            boolean zero = wb[j * k] == 0 && wb[j * k + 1] == 0 && wb[j * k + 2] == 0;
            zeroRows += zero ? 1 : 0;
        }
        assertTrue(zeroRows > 0 && zeroRows < p, "group sparsity: " + zeroRows + " zero rows");
        assertTrue(SolverFixtures.maxAbsDiff(wb, ref) < 1e-9);
        assertTrue(SolverFixtures.maxAbsDiff(general.apply(lam).toArray(), ref) < 1e-9);

        double[] jRef = Autodiff.jacfwd(pg).apply(lam).toArray();
        double[] jBcd = Autodiff.jacrev(bcd).apply(lam).toArray();
        double[] jGen = Autodiff.jacfwd(general).apply(lam).toArray();
        double scale = Math.max(1, SolverFixtures.maxAbs(jRef));
        assertTrue(SolverFixtures.maxAbsDiff(jBcd, jRef) < 1e-7 * scale);
        assertTrue(SolverFixtures.maxAbsDiff(jGen, jRef) < 1e-7 * scale);
    }

    @Test
    void syntheticLasso200x50IsFastAndOptimal() {
        SyntheticLasso problem = SyntheticLasso.generate(200, 50);
        Regression data = new Regression(problem.a(), problem.b(), Tensor.scalar(problem.lambda()));
        BlockCoordinateDescent<Regression> bcd = BlockCoordinateDescent.<Regression>compositeLinear(Regression::x,
                (z, a) -> z.sub(a.y()).square().mean().mul(0.5), 1.0 / 200, SolverFixtures.SOFT_THRESHOLD)
                .tol(1e-10);
        bcd.run(Tensor.zeros(50), data);  // warm-up
        long t0 = System.nanoTime();
        SolverResult<Tensor, BlockCoordinateDescent.State> r = bcd.run(Tensor.zeros(50), data);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(r.converged());
        assertTrue(seconds < 5, "took " + seconds + " s for " + r.iterations() + " epochs");
        double[] w = r.params().toArray();
        double[] g = SolverFixtures.leastSquaresGradient(data, w);
        for (int j = 0; j < 50; j++) {
            if (w[j] != 0) {
                assertEquals(-problem.lambda() * Math.signum(w[j]), g[j], 1e-9);
            } else {
                assertTrue(Math.abs(g[j]) <= problem.lambda() + 1e-9);
            }
        }
        // The general path reaches the same solution.
        SolverResult<Tensor, BlockCoordinateDescent.State> r2 = BlockCoordinateDescent.<Regression>of(
                SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD).tol(1e-10).run(Tensor.zeros(50), data);
        assertTrue(r2.converged());
        assertTrue(SolverFixtures.maxAbsDiff(w, r2.params().toArray()) < 1e-9);
    }

    @Test
    void lipschitzConstants() {
        Regression data = SolverFixtures.regression(5, 30, 4).withLam(Tensor.scalar(0.1));
        double[] gram = SolverFixtures.gram(data);
        // Composite-linear: L_loss·‖X_j‖² = (XᵀX/n)_jj for ½·mean.
        BlockCoordinateDescent.State s = BlockCoordinateDescent.<Regression>compositeLinear(Regression::x,
                (z, a) -> z.sub(a.y()).square().mean().mul(0.5), 1.0 / 30, SolverFixtures.SOFT_THRESHOLD)
                .init(Tensor.zeros(4), data);
        // General: the Hessian diagonal, exact for a quadratic.
        BlockCoordinateDescent.State g = BlockCoordinateDescent.<Regression>of(SolverFixtures::leastSquares,
                SolverFixtures.SOFT_THRESHOLD).init(Tensor.zeros(4), data);
        for (int j = 0; j < 4; j++) {
            assertEquals(gram[j * 4 + j], s.lipschitz()[j], 1e-12);
            assertEquals(gram[j * 4 + j], g.lipschitz()[j], 1e-12);
        }
        assertEquals(Tensor.zeros(30), s.predictions());
    }

    @Test
    void backtrackingRepairsAnUnderestimatedLipschitzConstant() {
        // f(x) = Σ exp(2x_j) − x_j, minimized at x_j = −ln(2)/2. At the start x_j ≤ −1 the curvature 4e^{2x}
        // is far below its value near the minimizer, so the Hessian-diagonal estimate of L_j is too small:
        // the first steps overshoot unless the sufficient-decrease check doubles L_j.
        SolverResult<Tensor, BlockCoordinateDescent.State> r = BlockCoordinateDescent.<Object>of(
                (x, a) -> x.mul(2).exp().sub(x).sum(), (x, a, s) -> x).tol(1e-12).maxiter(1000)
                .run(Tensor.of(-3, -2, -1), new Object());
        assertTrue(r.converged());
        assertTrue(SolverFixtures.maxAbsDiff(r.params().toArray(), Tensor.full(-0.5 * Math.log(2), 3).toArray()) < 1e-12);
        double initial = 4 * Math.exp(-6);
        assertTrue(r.state().lipschitz()[0] > 10 * initial, "L_0 grew from " + initial + " to " + r.state().lipschitz()[0]);
    }

    @Test
    void rejectsParametersOfRankThree() {
        BlockCoordinateDescent<Regression> bcd = BlockCoordinateDescent.of(SolverFixtures::leastSquares,
                SolverFixtures.SOFT_THRESHOLD);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bcd.run(Tensor.zeros(2, 2, 2), SolverFixtures.regression(1, 5, 2)));
        assertTrue(e.getMessage().contains("[2, 2, 2]"), e.getMessage());
    }
}
