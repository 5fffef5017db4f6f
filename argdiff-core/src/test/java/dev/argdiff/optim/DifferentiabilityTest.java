package dev.argdiff.optim;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.solvers.OptimizerSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Derivatives through optimizer steps (unrolled differentiation, meta-learning) against closed
 * forms and central finite differences.
 *
 * <p>For f(x) = ½ a x², a step of sgd is x ← x − lr·a·x, so after k steps
 * x_k = (1 − lr·a)^k x_0 and the loss L(lr) = f(x_k) = ½ a x_0² (1 − lr·a)^{2k} has
 * <pre>
 *   L'(lr)  = −k a² x_0² (1 − lr·a)^{2k−1}
 *   L''(lr) = k (2k − 1) a³ x_0² (1 − lr·a)^{2k−2}.
 * </pre>
 */
class DifferentiabilityTest {

    private static final double A = 1.5;
    private static final double X0 = 2.0;
    private static final double LR = 0.1;
    private static final int K = 5;

    private static Tensor f(Tensor x, Tensor a) {
        return x.square().mul(a).mul(0.5);
    }

    /** L(lr) by a hand-written loop over the transformation. */
    private static Tensor lossByLoop(Tensor lr, GradientTransformation<?> opt) {
        return lossByLoop(lr, opt, Tensor.scalar(X0));
    }

    @SuppressWarnings("unchecked")
    private static Tensor lossByLoop(Tensor lr, GradientTransformation<?> opt, Tensor x0) {
        GradientTransformation<Object> t = (GradientTransformation<Object>) opt;
        Tensor x = x0;
        Object state = t.init(x);
        for (int k = 0; k < K; k++) {
            Tensor g = Autodiff.grad((Tensor y) -> f(y, Tensor.scalar(A))).apply(x);
            GradientTransformation.Update<Tensor, Object> u = t.update(g, state, x);
            x = Optimizers.applyUpdates(x, u.updates());
            state = u.state();
        }
        return f(x, Tensor.scalar(A));
    }

    /** L(lr) through the solver's run. */
    private static Tensor lossBySolver(Tensor lr, Function<Tensor, GradientTransformation<?>> optimizer) {
        OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.of(DifferentiabilityTest::f, optimizer.apply(lr));
        Tensor xk = solver.maxiter(K).tol(0).implicitDiff(false).run(Tensor.scalar(X0), Tensor.scalar(A)).params();
        return f(xk, Tensor.scalar(A));
    }

    private static double centralDifference(Function<Double, Double> g, double at, double h) {
        return (g.apply(at + h) - g.apply(at - h)) / (2 * h);
    }

    @Test
    void sgdLearningRateGradientMatchesClosedForm() {
        double r = 1 - LR * A;
        double closedForm = -K * A * A * X0 * X0 * Math.pow(r, 2 * K - 1);
        double closedLoss = 0.5 * A * X0 * X0 * Math.pow(r, 2 * K);

        Autodiff.ValueAndGrad<Tensor> byLoop = Autodiff.valueAndGrad(
                (Tensor lr) -> lossByLoop(lr, Optimizers.sgd(lr))).apply(Tensor.scalar(LR));
        assertEquals(closedLoss, byLoop.value().item(), 1e-14);
        assertEquals(closedForm, byLoop.gradient().item(), 1e-12 * Math.abs(closedForm));

        double bySolver = Autodiff.grad((Tensor lr) -> lossBySolver(lr, Optimizers::sgd)).apply(Tensor.scalar(LR)).item();
        assertEquals(closedForm, bySolver, 1e-12 * Math.abs(closedForm));

        double fd = centralDifference(h -> lossBySolver(Tensor.scalar(h), Optimizers::sgd).item(), LR, 1e-6);
        assertEquals(fd, bySolver, 1e-7 * Math.abs(closedForm));
    }

    @Test
    void sgdLearningRateSecondDerivativeMatchesClosedForm() {
        double r = 1 - LR * A;
        double closedForm = K * (2.0 * K - 1) * A * A * A * X0 * X0 * Math.pow(r, 2 * K - 2);
        Function<Tensor, Tensor> dL = Autodiff.grad((Tensor lr) -> lossBySolver(lr, Optimizers::sgd));
        double second = Autodiff.grad(dL).apply(Tensor.scalar(LR)).item();
        assertEquals(closedForm, second, 1e-10 * Math.abs(closedForm));
    }

    @Test
    void momentumAndAdamLearningRateGradientsMatchFiniteDifferences() {
        Function<Tensor, GradientTransformation<?>> momentum = lr -> Optimizers.momentum(lr, 0.9);
        Function<Tensor, GradientTransformation<?>> nesterov = lr -> Optimizers.sgd(lr, 0.5, true);
        Function<Tensor, GradientTransformation<?>> adam = lr -> Optimizers.adam(lr, 0.9, 0.999, 1e-8, 1e-16);
        Function<Tensor, GradientTransformation<?>> adamw = lr -> Optimizers.adamw(lr, 0.9, 0.999, 1e-8, 0.0, 0.1);
        for (Function<Tensor, GradientTransformation<?>> opt : java.util.List.of(momentum, nesterov, adam, adamw)) {
            double grad = Autodiff.grad((Tensor lr) -> lossBySolver(lr, opt)).apply(Tensor.scalar(LR)).item();
            double fd = centralDifference(h -> lossBySolver(Tensor.scalar(h), opt).item(), LR, 1e-6);
            assertEquals(fd, grad, 1e-7 * Math.max(1, Math.abs(fd)), opt.apply(Tensor.scalar(LR)).toString());
            double loop = Autodiff.grad((Tensor lr) -> lossByLoop(lr, opt.apply(lr))).apply(Tensor.scalar(LR)).item();
            assertEquals(grad, loop, 1e-13 * Math.max(1, Math.abs(grad)));
        }
    }

    @Test
    void gradientWithRespectToInitialParamsAndDataThroughAdam() {
        // d x_k / d x_0 and d L / d a through 5 Adam steps on a vector problem, against finite differences.
        Tensor x0 = Tensor.of(1.0, -0.5, 2.0);
        Tensor a = Tensor.of(1.5, 0.7, 3.0);
        BiFunction<Tensor, Tensor, Tensor> loss = (x, aa) -> {
            OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.of(
                    (Tensor y, Tensor s) -> y.square().mul(s).sum().mul(0.5), Optimizers.adam(0.1));
            Tensor xk = solver.maxiter(K).tol(0).implicitDiff(false).run(x, aa).params();
            return xk.square().mul(aa).sum().mul(0.5).add(xk.sum());
        };
        double[] gx = Autodiff.grad((Tensor x) -> loss.apply(x, a)).apply(x0).toArray();
        double[] ga = Autodiff.grad((Tensor aa) -> loss.apply(x0, aa)).apply(a).toArray();
        double h = 1e-6;
        for (int i = 0; i < 3; i++) {
            final int j = i;
            Function<Double, Tensor> bump = e -> {
                double[] d = new double[3];
                d[j] = e;
                return Tensor.of(d);
            };
            double fdx = (loss.apply(x0.add(bump.apply(h)), a).item() - loss.apply(x0.sub(bump.apply(h)), a).item()) / (2 * h);
            double fda = (loss.apply(x0, a.add(bump.apply(h))).item() - loss.apply(x0, a.sub(bump.apply(h))).item()) / (2 * h);
            assertEquals(fdx, gx[i], 1e-6, "dL/dx0[" + i + "]");
            assertEquals(fda, ga[i], 1e-6, "dL/da[" + i + "]");
        }
    }

    @Test
    void optimalityGivesImplicitDerivativeOfTheSolution() {
        // x*(c) = c for f(x, c) = ½ (x − c)ᵀ Q (x − c), so d(w·x*)/dc = w.
        Tensor q = Tensor.of(new double[][]{{3.0, 1.0}, {1.0, 2.0}});
        OptimizerSolver<Tensor, Tensor, Void> solver = OptimizerSolver.of(
                (Tensor x, Tensor c) -> x.sub(c).dot(q.matmul(x.sub(c))).mul(0.5), Optimizers.sgd(0.25));
        BiFunction<Tensor, Tensor, Tensor> argmin = ImplicitDiff.customRoot(solver::optimality,
                (init, c) -> solver.maxiter(200).tol(0).implicitDiff(false).run(init, c).params());
        Tensor w = Tensor.of(0.3, -1.7);
        Tensor c0 = Tensor.of(1.0, 2.0);
        Tensor g = Autodiff.grad((Tensor c) -> argmin.apply(Tensor.zeros(2), c).dot(w)).apply(c0);
        assertArrayEquals(w.toArray(), g.toArray(), 1e-9);
    }
}
