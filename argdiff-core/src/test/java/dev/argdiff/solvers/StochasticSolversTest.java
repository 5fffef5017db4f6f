package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ArmijoSGD and PolyakSGD: one step against the closed-form line search / Polyak step,
 * convergence on mini-batches of an interpolating least-squares problem to its exact solution,
 * determinism given a seed, the full-batch implicit derivative against the ridge closed form,
 * and unrolled derivatives through runIterator against finite differences.
 */
class StochasticSolversTest {

    record Batch(Tensor x, Tensor y) {
    }

    record Ridge(Tensor x, Tensor y, Tensor lambda) {
    }

    private static final int N = 60;
    private static final int D = 5;
    private static final Tensor X = Tensor.randomNormal(1, N, D);
    private static final Tensor W_TRUE = Tensor.of(1, -2, 0.5, 3, -1);
    private static final Tensor Y = X.matmul(W_TRUE);   // interpolation: every batch has loss 0 at W_TRUE

    private static Tensor leastSquares(Tensor w, Batch b) {
        return b.x().matmul(w).sub(b.y()).square().mean().mul(0.5);
    }

    private static Iterator<Batch> batches(long seed) {
        return MiniBatches.of(N, 10, seed, idx -> new Batch(X.take(idx, 0), Y.take(idx, 0)));
    }

    @Test
    void armijoStepOnAQuadraticIsTheClosedFormBacktrackingStep() {
        // f = ½·L·x², L = 10: Armijo with c = 1 − 0.9 holds iff s ≤ 2(1 − c)/L = 0.18, so from s = 1
        // eight decreases by 0.8 are needed: s = 0.8⁸.
        ArmijoSGD<Tensor, Tensor> sgd = ArmijoSGD.of((x, l) -> x.square().mul(l).mul(0.5).sum());
        Tensor x0 = Tensor.of(2.0);
        Tensor l = Tensor.scalar(10);
        OptStep<Tensor, ArmijoSGD.State<Tensor>> step = sgd.update(x0, sgd.init(x0, l), l);
        assertEquals(Math.pow(0.8, 8), step.state().stepsize(), 1e-15);
        assertEquals(2 - Math.pow(0.8, 8) * 20, step.params().item(), 1e-14);
        assertEquals(20, step.state().error(), 0);
        // conservative reset re-uses s; increase tries 1.5·s = 0.25 first and backtracks twice to 0.16
        assertEquals(Math.pow(0.8, 8), sgd.reset(ArmijoSGD.Reset.CONSERVATIVE)
                .update(x0, step.state(), l).state().stepsize(), 1e-15);
        assertEquals(1.5 * Math.pow(0.8, 10), sgd.update(x0, step.state(), l).state().stepsize(), 1e-15);
    }

    @Test
    void polyakStepIsTheClosedForm() {
        // f = ½‖x − c‖²: f/‖∇f‖² = ½, so x⁺ = x − ½(x − c); with maxStepsize 0.3 the cap applies.
        Tensor c = Tensor.of(1, 2);
        PolyakSGD<Tensor, Tensor> sps = PolyakSGD.of((x, a) -> x.sub(a).squaredNorm().mul(0.5));
        Tensor x0 = Tensor.of(3, -2);
        OptStep<Tensor, PolyakSGD.State<Tensor>> s = sps.update(x0, sps.init(x0, c), c);
        assertArrayEquals(new double[] {2, 0}, s.params().toArray(), 1e-15);
        assertEquals(0.5, s.state().stepsize().item(), 0);
        assertEquals(Math.sqrt(20), s.state().error(), 1e-15);
        assertArrayEquals(new double[] {3 - 0.3 * 2, -2 + 0.3 * 4},
                sps.maxStepsize(0.3).update(x0, sps.init(x0, c), c).params().toArray(), 1e-15);
        // momentum 0.5: v₁ = −½(x₀ − c), x₁ = x₀ + v₁; v₂ = ½v₁ − ½(x₁ − c)
        PolyakSGD<Tensor, Tensor> heavy = sps.momentum(0.5);
        var s1 = heavy.update(x0, heavy.init(x0, c), c);
        var s2 = heavy.update(s1.params(), s1.state(), c);
        double[] v1 = {-1, 2};
        double[] x1 = {2, 0};
        double[] v2 = {0.5 * v1[0] - 0.5 * (x1[0] - 1), 0.5 * v1[1] - 0.5 * (x1[1] - 2)};
        assertArrayEquals(new double[] {x1[0] + v2[0], x1[1] + v2[1]}, s2.params().toArray(), 1e-15);
    }

    @Test
    void miniBatchRunsReachTheInterpolatingSolution() {
        List<StochasticSolver<Tensor, Batch, ?>> solvers = List.of(
                ArmijoSGD.of(StochasticSolversTest::leastSquares).maxiter(300),
                ArmijoSGD.of(StochasticSolversTest::leastSquares).maxiter(300).momentum(0.3),
                ArmijoSGD.of(StochasticSolversTest::leastSquares).maxiter(300).reset(ArmijoSGD.Reset.GOLDSTEIN),
                PolyakSGD.of(StochasticSolversTest::leastSquares).maxiter(300),
                PolyakSGD.of(StochasticSolversTest::leastSquares).maxiter(300).momentum(0.3),
                OptimizerSolver.of(StochasticSolversTest::leastSquares, Optimizers.sgd(0.1)).maxiter(1500));
        for (StochasticSolver<Tensor, Batch, ?> s : solvers) {
            Tensor w = s.runIterator(Tensor.zeros(D), batches(3)).params();
            assertArrayEquals(W_TRUE.toArray(), w.toArray(), 1e-6, s.toString());
        }
    }

    @Test
    void runsAreDeterministicGivenTheSeed() {
        ArmijoSGD<Tensor, Batch> sgd = ArmijoSGD.of(StochasticSolversTest::leastSquares).maxiter(7);
        double[] a = sgd.runIterator(Tensor.zeros(D), batches(5)).params().toArray();
        double[] b = sgd.runIterator(Tensor.zeros(D), batches(5)).params().toArray();
        double[] c = sgd.runIterator(Tensor.zeros(D), batches(6)).params().toArray();
        assertArrayEquals(a, b, 0.0);
        assertFalse(java.util.Arrays.equals(a, c));
        assertEquals(7, sgd.runIterator(Tensor.zeros(D), batches(5)).state().iterations());
    }

    @Test
    void miniBatchesCoverEveryRowOncePerEpoch() {
        Iterator<int[]> it = MiniBatches.indices(23, 5, 9);
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> seen = new HashSet<>();
            int[] sizes = new int[5];
            for (int k = 0; k < 5; k++) {
                int[] batch = it.next();
                sizes[k] = batch.length;
                for (int i : batch) {
                    assertTrue(seen.add(i), "row " + i + " twice in epoch " + epoch);
                }
            }
            assertArrayEquals(new int[] {5, 5, 5, 5, 3}, sizes);
            assertEquals(23, seen.size());
        }
        assertThrows(IllegalArgumentException.class, () -> MiniBatches.indices(3, 4, 0));
    }

    @Test
    void fullBatchRunIsDifferentiatedImplicitly() {
        // w*(λ) = (XᵀX/n + λI)⁻¹Xᵀy/n, dw*/dλ = −(XᵀX/n + λI)⁻¹w*
        Tensor y = Y.add(Tensor.randomNormal(2, N));
        double lambda = 0.3;
        PolyakSGD<Tensor, Ridge> sps = PolyakSGD.<Tensor, Ridge>of((w, r) -> r.x().matmul(w).sub(r.y()).square().mean()
                .mul(0.5).add(r.lambda().mul(0.5).mul(w.squaredNorm()))).maxStepsize(0.2).maxiter(5000).tol(1e-10);
        Tensor jac = Autodiff.jacfwd((Tensor l) -> sps.run(Tensor.zeros(D), new Ridge(X, y, l)).params())
                .apply(Tensor.scalar(lambda));
        double[][] a = X.transposeMatmul(X).div(N).add(Tensor.eye(D).mul(lambda)).toArray2d();
        double[] w = PlainLinearAlgebra.solve(a, X.transposeMatmul(y.reshape(N, 1)).div(N).reshape(D).toArray());
        double[] dw = PlainLinearAlgebra.solve(a, w);
        for (int i = 0; i < D; i++) {
            assertEquals(-dw[i], jac.toArray()[i], 1e-7);
        }
        ArmijoSGD<Tensor, Ridge> armijo = ArmijoSGD.<Tensor, Ridge>of((v, r) -> r.x().matmul(v).sub(r.y()).square()
                .mean().mul(0.5).add(r.lambda().mul(0.5).mul(v.squaredNorm()))).maxiter(5000).tol(1e-10);
        assertArrayEquals(w, armijo.run(Tensor.zeros(D), new Ridge(X, y, Tensor.scalar(lambda))).params().toArray(),
                1e-9);
    }

    @Test
    void unrolledRunIteratorMatchesFiniteDifferences() {
        // d/dt of the iterate after 6 Polyak steps on batches scaled by t: the step size depends on t too.
        java.util.function.Function<Tensor, Tensor> after = t -> {
            PolyakSGD<Tensor, Batch> sps = PolyakSGD.<Tensor, Batch>of(StochasticSolversTest::leastSquares).maxiter(6)
                    .momentum(0.2);
            Iterator<Batch> it = MiniBatches.of(N, 10, 4, idx -> new Batch(X.take(idx, 0).mul(t), Y.take(idx, 0)));
            return sps.runIterator(Tensor.zeros(D), it).params().sum();
        };
        double t = 0.7;
        double g = Autodiff.grad(after).apply(Tensor.scalar(t)).item();
        double h = 1e-6;
        double fd = (after.apply(Tensor.scalar(t + h)).item() - after.apply(Tensor.scalar(t - h)).item()) / (2 * h);
        assertEquals(fd, g, 1e-6 * Math.max(1, Math.abs(fd)));
    }

    @Test
    void misuseIsRefused() {
        PolyakSGD<Tensor, Tensor> sps = PolyakSGD.of((x, a) -> x.sum());
        assertThrows(IllegalStateException.class, () -> sps.update(Tensor.of(-1.0), sps.init(Tensor.of(-1.0), null),
                null));
        assertThrows(IllegalArgumentException.class, () -> sps.runIterator(Tensor.of(1.0), Collections.emptyIterator()));
        assertEquals("OptimizerSolver.runIterator: initParams is null", assertThrows(IllegalArgumentException.class,
                () -> OptimizerSolver.of((Tensor x, Tensor a) -> x.sum(), Optimizers.sgd(0.1)).maxiter(3)
                        .runIterator(null, List.of(Tensor.of(1.0)).iterator())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ArmijoSGD.<Tensor, Tensor>of((x, a) -> x.sum()).aggressiveness(1.0));
        assertThrows(IllegalArgumentException.class, () -> PolyakSGD.<Tensor, Tensor>of((x, a) -> x.sum()).momentum(1.0));
        ArmijoSGD<Tensor, Tensor> nan = ArmijoSGD.of((x, a) -> x.log().sum());
        assertThrows(ArithmeticException.class, () -> nan.update(Tensor.of(-1.0), nan.init(Tensor.of(-1.0), null), null));
    }
}
