package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.Datasets;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unrolled Anderson acceleration run far past convergence (tol 0) on ridge regression with the
 * gradient-step map T(w) = w − s·(Xᵀ(Xw − y)/n + λw): d(Σw*)/dλ against the closed form
 * −1ᵀ(A + λI)⁻¹w*, A = XᵀX/n, and central differences of the closed-form solution. Unguarded,
 * the diabetes case gave −1.4e69 after 500 iterations and the random one −2.3e144.
 */
class AndersonPastConvergenceTest {

    record Ridge(Tensor lam, Tensor x, Tensor y) {
    }

    private static final double LAMBDA = 0.01;

    private static Tensor diabetesX() {
        Datasets.RegressionSplit s = Datasets.diabetesSplit();
        return Tensor.of(new int[] {s.nTrain(), s.features()}, s.xTrain());
    }

    private static Tensor diabetesY() {
        return Tensor.of(Datasets.diabetesSplit().yTrain());
    }

    private static AndersonAcceleration<Tensor, Ridge> solver(double step) {
        return AndersonAcceleration.<Tensor, Ridge>of((w, a) -> w.sub(a.x().transpose()
                .matmul(a.x().matmul(w).sub(a.y())).div(a.x().shape()[0]).add(w.mul(a.lam())).mul(step)));
    }

    /** w*(λ) = (A + λI)⁻¹Xᵀy/n by Cholesky. */
    private static Tensor closedForm(Tensor x, Tensor y, double lam) {
        int n = x.shape()[0];
        int d = x.shape()[1];
        Tensor a = x.transpose().matmul(x).div(n).add(Tensor.eye(d).mul(lam));
        return LinearSolve.solve(LinearOperator.fromMatrix(a), x.transpose().matmul(y).div(n), LinearSolver.cholesky());
    }

    /** −1ᵀ(A + λI)⁻¹w*. */
    private static double exactDerivative(Tensor x, Tensor y, double lam) {
        int n = x.shape()[0];
        int d = x.shape()[1];
        Tensor a = x.transpose().matmul(x).div(n).add(Tensor.eye(d).mul(lam));
        return -LinearSolve.solve(LinearOperator.fromMatrix(a), closedForm(x, y, lam), LinearSolver.cholesky())
                .sum().item();
    }

    private static double unrolled(AndersonAcceleration<Tensor, Ridge> s, Tensor init, Tensor x, Tensor y, int iters) {
        AndersonAcceleration<Tensor, Ridge> u = s.tol(0).maxiter(iters).implicitDiff(false);
        return Autodiff.grad((Tensor l) -> u.run(init, new Ridge(l, x, y)).params().sum())
                .apply(Tensor.scalar(LAMBDA)).item();
    }

    @Test
    void diabetesRidgeStaysOnTheImplicitDerivativeHoweverLongItRuns() {
        Tensor x = diabetesX();
        Tensor y = diabetesY();
        double exact = exactDerivative(x, y, LAMBDA);
        double h = 1e-5;
        double fd = (closedForm(x, y, LAMBDA + h).sum().item() - closedForm(x, y, LAMBDA - h).sum().item()) / (2 * h);
        assertEquals(451.0710048, exact, 1e-6);
        assertEquals(exact, fd, 1e-6 * Math.abs(exact));
        AndersonAcceleration<Tensor, Ridge> s = solver(1.0);
        double implicit = Autodiff.grad((Tensor l) -> s.tol(1e-12).maxiter(10_000).run(Tensor.zeros(10),
                new Ridge(l, x, y)).params().sum()).apply(Tensor.scalar(LAMBDA)).item();
        assertEquals(exact, implicit, 1e-8 * Math.abs(exact));
        for (int iters : new int[] {100, 500, 2000}) {
            double g = unrolled(s, Tensor.zeros(10), x, y, iters);
            assertEquals(exact, g, 1e-6 * Math.abs(exact), iters + " iterations");   // 3.9e-7, 2.3e-9, 6e-15
        }
    }

    @Test
    void randomRidgeStaysOnTheImplicitDerivative() {
        Tensor x = Tensor.randomNormal(3, 40, 10);
        Tensor y = Tensor.randomNormal(4, 40).mul(10);
        double exact = exactDerivative(x, y, LAMBDA * 10);
        AndersonAcceleration<Tensor, Ridge> s = solver(0.05);
        for (int iters : new int[] {500, 2000}) {
            AndersonAcceleration<Tensor, Ridge> u = s.tol(0).maxiter(iters).implicitDiff(false);
            double g = Autodiff.grad((Tensor l) -> u.run(Tensor.zeros(10), new Ridge(l, x, y)).params().sum())
                    .apply(Tensor.scalar(LAMBDA * 10)).item();
            assertEquals(exact, g, 1e-6 * Math.abs(exact), iters + " iterations");  // 6e-11, 5e-15
        }
    }

    @Test
    void warmStartAtTheSolutionConvergesTheTangentAtTheRateOfTheMap() {
        // The primal starts at the floor, the tangent at 0: it converges like q^k (q ≈ 0.99 here).
        Tensor x = diabetesX();
        Tensor y = diabetesY();
        double exact = exactDerivative(x, y, LAMBDA);
        Tensor warm = closedForm(x, y, LAMBDA);
        assertEquals(exact, unrolled(solver(1.0), warm, x, y, 2000), 1e-6 * Math.abs(exact));   // 1.3e-9
    }

    @Test
    void theGuardKeepsTheIterateAndTheModesAgree() {
        Tensor x = diabetesX();
        Tensor y = diabetesY();
        Ridge args = new Ridge(Tensor.scalar(LAMBDA), x, y);
        AndersonAcceleration<Tensor, Ridge> s = solver(1.0).tol(0).implicitDiff(false);
        double[] at500 = s.maxiter(500).run(Tensor.zeros(10), args).params().toArray();
        SolverResult<Tensor, AndersonAcceleration.State<Tensor>> r = s.maxiter(2000).run(Tensor.zeros(10), args);
        double[] at2000 = r.params().toArray();
        assertArrayEquals(at500, at2000, 0.0, "past the floor the iterate must not move");
        // At rounding level: ‖r‖ ≤ 100·ε·‖x‖, and ‖x − w*‖ ≤ ‖(I − ∂T)⁻¹‖·‖r‖ ≤ ‖r‖/(s·λ) with s = 1.
        Tensor exact = closedForm(x, y, LAMBDA);
        assertTrue(r.error() <= 100 * Math.ulp(1.0) * exact.norm().item(), () -> "error " + r.error());
        assertTrue(Tensor.of(at2000).sub(exact).norm().item() <= 1.01 * r.error() / LAMBDA + 1e-12 * exact.norm().item());
        // The guard is decided from concrete values: reverse, forward and checkpointed runs agree.
        double[] d = new double[4];
        int i = 0;
        for (int checkpoint : new int[] {0, 7}) {
            AndersonAcceleration<Tensor, Ridge> u = s.maxiter(2000).checkpointEvery(checkpoint);
            Function<Tensor, Tensor> sum = l -> u.run(Tensor.zeros(10), new Ridge(l, x, y)).params().sum();
            d[i++] = Autodiff.grad(sum).apply(Tensor.scalar(LAMBDA)).item();
            d[i++] = Autodiff.jvp(sum, Tensor.scalar(LAMBDA), Tensor.scalar(1.0)).tangent().item();
        }
        for (int k = 1; k < 4; k++) {
            assertEquals(d[0], d[k], 1e-12 * Math.abs(d[0]), "mode " + k);
        }
    }

    @Test
    void anExpandingMapKeepsItsDerivativeAtTheFloorInsteadOfDiverging() {
        // T(x) = θb − 1.5x: Anderson converges, but the tangent step ∂T·dx + ∂θT would grow like 1.5^k
        // (3.8e71 after 500 iterations). x* = θb/2.5, so d(Σx*)/dθ = Σb/2.5 = 2.4.
        Tensor b = Tensor.of(1, 2, 3);
        AndersonAcceleration<Tensor, Tensor> s = AndersonAcceleration.<Tensor, Tensor>of((x, t) -> b.mul(t)
                .sub(x.mul(1.5))).tol(0).implicitDiff(false);
        for (int iters : new int[] {20, 100, 500}) {
            AndersonAcceleration<Tensor, Tensor> u = s.maxiter(iters);
            Function<Tensor, Tensor> sum = t -> u.run(Tensor.zeros(3), t).params().sum();
            assertEquals(2.4, Autodiff.grad(sum).apply(Tensor.scalar(1.0)).item(), 1e-12, iters + " iterations");
            assertEquals(2.4, Autodiff.jvp(sum, Tensor.scalar(1.0), Tensor.scalar(1.0)).tangent().item(), 1e-12);
            assertTrue(u.run(Tensor.zeros(3), Tensor.scalar(1.0)).state().growth() >= 1.5 - 1e-3);
        }
    }
}
