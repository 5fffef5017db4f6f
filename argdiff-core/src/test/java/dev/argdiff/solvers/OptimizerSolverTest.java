package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.optim.Optimizers;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OptimizerSolver on the common protocol: it stops at ‖∇f‖ ≤ tol, checkpointed unrolling gives
 * the unrolled derivative's closed form, and one listener type serves {@code run} and
 * {@code runIterator} of every stochastic solver.
 */
class OptimizerSolverTest {

    /** f(x, a) = ½ a x²: sgd gives x_k = (1 − lr·a)^k x₀. */
    private static Tensor f(Tensor x, Tensor a) {
        return x.square().mul(a).mul(0.5);
    }

    @Test
    void stopsAtTheGradientNormTolerance() {
        // x_k = 0.5^k, ∇f(x_k) = x_k: the error of step k is ‖∇f(x_{k−1})‖ = 0.5^(k−1) ≤ 1e-8 first at k = 28.
        SolverResult<Tensor, OptimizerSolver.State<Void>> r = OptimizerSolver.of(OptimizerSolverTest::f,
                Optimizers.sgd(0.5)).tol(1e-8).run(Tensor.scalar(1.0), Tensor.scalar(1.0));
        assertEquals(SolverStatus.CONVERGED, r.status());
        assertEquals(28, r.iterations());
        assertEquals(Math.pow(0.5, 27), r.error(), 0.0);
        assertEquals(Math.pow(0.5, 28), r.params().item(), 0.0);
    }

    @Test
    void implicitDerivativeOfTheMinimizerMatchesTheClosedForm() {
        // x*(c) = c for ½ (x − c)ᵀ Q (x − c): d(w·x*)/dc = w, by the solver's own implicit differentiation.
        Tensor q = Tensor.of(new double[][]{{3.0, 1.0}, {1.0, 2.0}});
        OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.<Tensor, Tensor>of(
                (x, c) -> x.sub(c).dot(q.matmul(x.sub(c))).mul(0.5), Optimizers.adam(0.05)).maxiter(20_000).tol(1e-10);
        Tensor w = Tensor.of(0.3, -1.7);
        Tensor g = Autodiff.grad((Tensor c) -> solver.run(Tensor.zeros(2), c).params().dot(w)).apply(Tensor.of(1.0, 2.0));
        assertArrayEquals(w.toArray(), g.toArray(), 1e-9);
    }

    @Test
    void checkpointedUnrollingGivesTheUnrolledDerivative() {
        int k = 23;
        double x0 = 1.5;
        double a = 2.0;
        double lr = 0.3;
        Function<Integer, Function<Tensor, Tensor>> loss = every -> rate -> {
            Tensor xk = OptimizerSolver.of(OptimizerSolverTest::f, Optimizers.sgd(rate)).maxiter(k).tol(0)
                    .implicitDiff(false).checkpointEvery(every).run(Tensor.scalar(x0), Tensor.scalar(a)).params();
            return f(xk, Tensor.scalar(a));
        };
        double r = 1 - lr * a;
        double closedForm = -k * a * a * x0 * x0 * Math.pow(r, 2 * k - 1);
        double plain = Autodiff.grad(loss.apply(0)).apply(Tensor.scalar(lr)).item();
        double checkpointed = Autodiff.grad(loss.apply(5)).apply(Tensor.scalar(lr)).item();
        assertEquals(closedForm, plain, 1e-12 * Math.abs(closedForm));
        assertEquals(closedForm, checkpointed, 1e-12 * Math.abs(closedForm));
    }

    @Test
    void checkpointedAdamKeepsItsStateAcrossBlocks() {
        // Adam's state (moments and a count) crosses the checkpoint boundaries; the gradient in the
        // initial point and the argument must equal the plainly unrolled one and central differences.
        Tensor a = Tensor.of(1.5, 0.7, 3.0);
        Function<Integer, Function<Tensor, Tensor>> loss = every -> x0 -> {
            Tensor xk = OptimizerSolver.<Tensor, Tensor>of((x, c) -> f(x, c).sum(), Optimizers.adam(0.1))
                    .maxiter(17).tol(0).implicitDiff(false).checkpointEvery(every).run(x0, a).params();
            return f(xk, a).sum();
        };
        Tensor x0 = Tensor.of(1.0, -0.5, 2.0);
        double[] plain = Autodiff.grad(loss.apply(0)).apply(x0).toArray();
        double[] checkpointed = Autodiff.grad(loss.apply(4)).apply(x0).toArray();
        assertArrayEquals(plain, checkpointed, 1e-14);
        double h = 1e-6;
        for (int i = 0; i < 3; i++) {
            double[] up = x0.toArray();
            double[] down = x0.toArray();
            up[i] += h;
            down[i] -= h;
            Function<Tensor, Tensor> l = loss.apply(0);
            double fd = (l.apply(Tensor.of(up)).item() - l.apply(Tensor.of(down)).item()) / (2 * h);
            assertEquals(fd, plain[i], 1e-7, "coordinate " + i);
        }
    }

    @Test
    void oneListenerHearsRunAndRunIteratorOfEverySolver() {
        List<StochasticSolver<Tensor, Tensor, ? extends SolverState>> solvers = new ArrayList<>();
        List<List<double[]>> heard = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<double[]> calls = new ArrayList<>();
            heard.add(calls);
            ProgressListener l = ProgressListener.<Tensor, SolverState>onSteps(
                    (x, s) -> calls.add(new double[]{s.iterations(), s.error(), x.item()}));
            solvers.add(switch (i) {
                case 0 -> ArmijoSGD.of(OptimizerSolverTest::f).maxiter(4).listener(l);
                case 1 -> PolyakSGD.of(OptimizerSolverTest::f).maxiter(4).listener(l);
                default -> OptimizerSolver.of(OptimizerSolverTest::f, Optimizers.sgd(0.5)).maxiter(4).listener(l);
            });
        }
        for (int i = 0; i < 3; i++) {
            StochasticSolver<Tensor, Tensor, ? extends SolverState> s = solvers.get(i);
            OptStep<Tensor, ? extends SolverState> out = s.runIterator(Tensor.scalar(1.0),
                    Stream.generate(() -> Tensor.scalar(1.0)).iterator());
            List<double[]> calls = heard.get(i);
            assertEquals(4, calls.size(), s.getClass().getSimpleName());
            for (int k = 0; k < 4; k++) {
                assertEquals(k + 1, calls.get(k)[0]);
            }
            // The last call saw the returned point and state.
            assertEquals(out.params().item(), calls.get(3)[2], 0.0);
            assertEquals(out.state().error(), calls.get(3)[1], 0.0);
        }
        // sgd(0.5) on ½x²: errors ‖∇f(x_{k−1})‖ = 0.5^(k−1), iterates 0.5^k.
        List<double[]> sgd = heard.get(2);
        for (int k = 0; k < 4; k++) {
            assertArrayEquals(new double[]{k + 1, Math.pow(0.5, k), Math.pow(0.5, k + 1)}, sgd.get(k), 0.0);
        }
        // run() reports through the same listener, a plain (iteration, error) lambda included.
        List<Integer> its = new ArrayList<>();
        OptimizerSolver.of(OptimizerSolverTest::f, Optimizers.sgd(0.5)).maxiter(3).tol(0).implicitDiff(false)
                .listener((it, err) -> its.add(it)).run(Tensor.scalar(1.0), Tensor.scalar(1.0));
        assertEquals(List.of(1, 2, 3), its);
    }

    @Test
    void aListenerForStepsIsNotCalledPerIteration() {
        ProgressListener l = ProgressListener.onSteps((Tensor x, SolverState s) -> { });
        assertThrows(UnsupportedOperationException.class, () -> l.onIteration(1, 0.0));
        assertThrows(IllegalArgumentException.class, () -> ProgressListener.onSteps(null));
    }

    @Test
    void aNonFiniteGradientIsRefusedNotCarriedOn() {
        OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.of((x, a) -> x.sqrt().sum(), Optimizers.sgd(0.1));
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> solver.run(Tensor.scalar(0.0), Tensor.scalar(1.0)));
        assertTrue(e.getMessage().startsWith("OptimizerSolver.update: the gradient is not finite at iteration 0"),
                e.getMessage());
    }
}
