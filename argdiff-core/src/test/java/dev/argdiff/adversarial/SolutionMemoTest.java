package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.solvers.GradientDescent;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The memo of the last solution is never observable: reused only within one top-level
 * transform evaluation (the directions of one jacfwd or hessian), never between two calls.
 */
class SolutionMemoTest {

    record Args(Tensor l2reg, double[] targets) {
    }

    private static Tensor loss(Tensor w, double[] targets) {
        return SmallRidge.x().matmul(w).sub(Tensor.of(targets.clone())).square().sum().mul(0.5);
    }

    @Test
    void inPlaceChangeOfADoubleArrayComponentIsSeenByTheNextRun() {
        GradientDescent<Tensor, Args> solver = GradientDescent.<Tensor, Args>of((w, a) -> loss(w, a.targets())
                .add(a.l2reg().mul(0.5).mul(w.squaredNorm()))).maxiter(2000).tol(1e-11);
        double[] targets = SmallRidge.Y.clone();
        Args args = new Args(Tensor.scalar(0.5), targets);
        double[] first = solver.run(Tensor.zeros(3), args).params().toArray();
        assertArrayEquals(SmallRidge.solution(0.5), first, 1e-9);
        for (int i = 0; i < targets.length; i++) {
            targets[i] *= 2;
        }
        double[] second = solver.run(Tensor.zeros(3), args).params().toArray();
        double[] expected = SmallRidge.solution(0.5);
        for (int i = 0; i < 3; i++) {
            expected[i] *= 2; // the solution is linear in y
        }
        assertArrayEquals(expected, second, 1e-9);
    }

    @Test
    void changedStateReadByTheObjectiveIsSeenByTheNextRun() {
        AtomicReference<Double> scale = new AtomicReference<>(1.0);
        GradientDescent<Tensor, Tensor> solver = GradientDescent.<Tensor, Tensor>of((w, l) -> loss(w, SmallRidge.Y)
                .mul(scale.get()).add(l.mul(0.5).mul(w.squaredNorm()))).maxiter(2000).tol(1e-11);
        double[] first = solver.run(Tensor.zeros(3), Tensor.scalar(0.5)).params().toArray();
        assertArrayEquals(SmallRidge.solution(0.5), first, 1e-9);
        scale.set(2.0); // ½·2‖Xw − y‖² + ½λ‖w‖² has the solution of λ/2
        double[] second = solver.run(Tensor.zeros(3), Tensor.scalar(0.5)).params().toArray();
        assertArrayEquals(SmallRidge.solution(0.25), second, 1e-9);
    }

    @Test
    void jacfwdAndHessianSolveOncePerTopLevelCall() {
        AtomicInteger solves = new AtomicInteger();
        BiFunction<Tensor, Tensor, Tensor> optimality = (w, y) -> Autodiff.grad((Tensor v) ->
                SmallRidge.x().matmul(v).sub(y).square().sum().mul(0.5).add(v.squaredNorm().mul(0.25))).apply(w);
        BiFunction<Tensor, Tensor, Tensor> solver = (init, y) -> {
            solves.incrementAndGet();
            double[] saved = SmallRidge.Y.clone();
            System.arraycopy(y.toArray(), 0, SmallRidge.Y, 0, 6);
            try {
                return Tensor.of(SmallRidge.solution(0.5));
            } finally {
                System.arraycopy(saved, 0, SmallRidge.Y, 0, 6);
            }
        };
        BiFunction<Tensor, Tensor, Tensor> sol = ImplicitDiff.customRoot(optimality, solver, ImplicitOptions.defaults());
        Function<Tensor, Tensor> f = y -> sol.apply(Tensor.zeros(3), y);
        Tensor y = SmallRidge.y();
        Tensor j = Autodiff.jacfwd(f).apply(y);
        assertEquals(1, solves.get(), "one jacfwd over 6 directions");
        Autodiff.jacfwd(f).apply(y);
        assertEquals(2, solves.get(), "a second top-level call solves again");
        Autodiff.hessian((Tensor yy) -> f.apply(yy).squaredNorm()).apply(y);
        assertEquals(3, solves.get(), "one hessian");
        f.apply(y);
        f.apply(y);
        assertEquals(5, solves.get(), "plain calls always solve");
        // A Jacobian nested in a gradient: one evaluation of the outer transform, one solve.
        double g = Autodiff.grad((Tensor yy) -> Autodiff.jacfwd(f).apply(yy).sum()).apply(y).toArray()[0];
        assertEquals(6, solves.get(), "jacfwd inside grad");
        assertEquals(0.0, g, 1e-12, "the Jacobian of a ridge solution does not depend on y");
        // The Jacobian is (XᵀX + λI)⁻¹Xᵀ, λ = 0.5: its column j solves H·c = X[j].
        double[][] h = new double[3][3];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 6; k++) {
                    h[r][c] += SmallRidge.X[k][r] * SmallRidge.X[k][c];
                }
            }
            h[r][r] += 0.5;
        }
        double[][] jac = j.toArray2d();
        for (int col = 0; col < 6; col++) {
            double[] c = SmallRidge.solve(h, SmallRidge.X[col]);
            for (int r = 0; r < 3; r++) {
                assertEquals(c[r], jac[r][col], 1e-10);
            }
        }
    }
}
