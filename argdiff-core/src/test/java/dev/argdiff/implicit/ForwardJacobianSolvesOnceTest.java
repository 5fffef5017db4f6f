package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** jacfwd and hessian through customRoot run the solver once, not once per input direction. */
class ForwardJacobianSolvesOnceTest {

    record Args(Tensor y, Tensor l2reg) {
    }

    private static final Tensor X = Tensor.randomNormal(31, 8, 5);

    private static Tensor objective(Tensor w, Args a) {
        return X.matmul(w).sub(a.y()).square().mean().mul(0.5).add(a.l2reg().mul(0.5).mul(w.squaredNorm()));
    }

    @Test
    void oneSolvePerDistinctProblem() {
        AtomicInteger solves = new AtomicInteger();
        BiFunction<Tensor, Args, Tensor> solver = (init, a) -> {
            solves.incrementAndGet();
            Tensor h = X.transposeMatmul(X).div(8).add(Tensor.eye(5).mul(a.l2reg()));
            return LinearSolve.solve(LinearOperator.fromMatrix(h), X.transposeMatmul(a.y()).div(8), LinearSolver.lu());
        };
        BiFunction<Tensor, Args, Tensor> optimality = (w, a) -> Autodiff.grad((Tensor v) -> objective(v, a)).apply(w);
        BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(optimality, solver, ImplicitOptions.defaults());
        Tensor l2 = Tensor.scalar(0.3);
        Tensor y = Tensor.randomNormal(32, 8);

        Tensor jf = Autodiff.jacfwd((Tensor yy) -> sol.apply(Tensor.zeros(5), new Args(yy, l2))).apply(y);
        assertEquals(1, solves.get(), "jacfwd over 8 input directions");
        // The closed form: ∂w/∂y = (XᵀX/n + λI)⁻¹Xᵀ/n; compare with reverse mode, which solves once anyway.
        Tensor jr = Autodiff.jacrev((Tensor yy) -> sol.apply(Tensor.zeros(5), new Args(yy, l2))).apply(y);
        for (int i = 0; i < jf.size(); i++) {
            assertEquals(jr.toArray()[i], jf.toArray()[i], 1e-12);
        }
        // The memo lives within one top-level evaluation only (issue 8): the reverse-mode call solves again.
        assertEquals(2, solves.get(), "jacrev after jacfwd on the same problem: a new top-level call");
        solves.set(0);
        BiFunction<Tensor, Args, Tensor> fresh = ImplicitDiff.customRoot(optimality, solver, ImplicitOptions.defaults());
        Autodiff.hessian((Tensor yy) -> fresh.apply(Tensor.zeros(5), new Args(yy, l2)).squaredNorm()).apply(y);
        assertEquals(1, solves.get(), "hessian over 8 input directions");

        // Outside any transform every call solves (state the comparison cannot see may have changed).
        solves.set(0);
        sol.apply(Tensor.zeros(5), new Args(y, Tensor.scalar(0.4)));
        sol.apply(Tensor.zeros(5), new Args(y, Tensor.scalar(0.4)));
        sol.apply(Tensor.zeros(5), new Args(y.add(1.0), Tensor.scalar(0.4)));
        sol.apply(Tensor.ones(5), new Args(y.add(1.0), Tensor.scalar(0.4)));
        assertEquals(4, solves.get(), "plain calls: new l2reg, repeated call, new y, new initial guess");
    }

    @Test
    void aSolversForwardJacobianRunsItOnce() {
        AtomicInteger runs = new AtomicInteger();
        dev.argdiff.solvers.GradientDescent<Tensor, Args> gd = dev.argdiff.solvers.GradientDescent
                .<Tensor, Args>of(ForwardJacobianSolvesOnceTest::objective).tol(1e-10).maxiter(2000)
                .listener((k, e) -> {
                    if (k == 1) {
                        runs.incrementAndGet();
                    }
                });
        Tensor y = Tensor.randomNormal(33, 8);
        Tensor jf = Autodiff.jacfwd((Tensor yy) -> gd.run(Tensor.zeros(5), new Args(yy, Tensor.scalar(0.3))).params())
                .apply(y);
        assertEquals(1, runs.get(), "one run of the solver for 8 input directions");
        Tensor jr = Autodiff.jacrev((Tensor yy) -> gd.run(Tensor.zeros(5), new Args(yy, Tensor.scalar(0.3))).params())
                .apply(y);
        for (int i = 0; i < jf.size(); i++) {
            assertEquals(jr.toArray()[i], jf.toArray()[i], 1e-9);
        }
    }
}
