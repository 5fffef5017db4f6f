package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.prox.Prox;
import dev.argdiff.solvers.FixedPointIteration;
import dev.argdiff.projection.Projection;
import dev.argdiff.solvers.GradientDescent;
import dev.argdiff.solvers.LBFGS;
import dev.argdiff.solvers.ProjectedGradient;
import dev.argdiff.solvers.ProximalGradient;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Solvers whose objective, prox or fixed-point map captures the hyperparameter λ — the natural
 * way to write it in Java — differentiate λ (implicitly: 0.0 before; checkpointed unrolling:
 * 0.0 before). The problem is the ridge of {@link SmallRidge}; the reference is its closed form.
 */
class SolverCaptureTest {

    private static final double LAM = 0.5;
    private static final Tensor DATA = SmallRidge.y();

    private static GradientDescent<Tensor, Tensor> gd(Tensor l) {
        return GradientDescent.<Tensor, Tensor>of((v, a) -> SmallRidge.loss(v).add(l.mul(0.5).mul(v.squaredNorm())))
                .maxiter(2000).tol(1e-11);
    }

    private static Function<Tensor, Tensor> hyper(Function<GradientDescent<Tensor, Tensor>, GradientDescent<Tensor, Tensor>> mode) {
        return l -> mode.apply(gd(l)).run(Tensor.zeros(3), DATA).params().sum();
    }

    private static final double D1 = SmallRidge.sum(SmallRidge.firstDerivative(LAM));
    private static final double D2 = SmallRidge.sum(SmallRidge.secondDerivative(LAM));

    private static double grad(Function<Tensor, Tensor> h) {
        return Autodiff.grad(h).apply(Tensor.scalar(LAM)).item();
    }

    private static double tangent(Function<Tensor, Tensor> h) {
        return Autodiff.jvp(h, Tensor.scalar(LAM), Tensor.scalar(1.0)).tangent().item();
    }

    @Test
    void gradientDescentObjectiveCapturingLambda() {
        double fd = (SmallRidge.sum(SmallRidge.solution(LAM + 1e-5)) - SmallRidge.sum(SmallRidge.solution(LAM - 1e-5))) / 2e-5;
        assertEquals(D1, fd, 1e-8, "closed form vs central differences");
        double implicitRev = grad(hyper(s -> s));
        double implicitFwd = tangent(hyper(s -> s));
        double unrolled = grad(hyper(s -> s.implicitDiff(false)));
        double checkpointed = grad(hyper(s -> s.implicitDiff(false).checkpointEvery(10)));
        double checkpointedFwd = tangent(hyper(s -> s.implicitDiff(false).checkpointEvery(10)));
        assertEquals(D1, implicitRev, 1e-6 * Math.abs(D1), "implicit, reverse");
        assertEquals(D1, implicitFwd, 1e-6 * Math.abs(D1), "implicit, forward");
        assertEquals(D1, unrolled, 1e-6 * Math.abs(D1), "unrolled");
        assertEquals(unrolled, checkpointed, 1e-12 * Math.abs(D1), "checkpointEvery(10) vs unrolled, reverse");
        assertEquals(unrolled, checkpointedFwd, 1e-10 * Math.abs(D1), "checkpointEvery(10) vs unrolled, forward");
    }

    @Test
    void gradientDescentCapturingLambdaSecondOrder() {
        Function<Tensor, Tensor> implicit = hyper(s -> s);
        assertEquals(D2, Autodiff.hessian(implicit).apply(Tensor.scalar(LAM)).item(), 1e-6 * Math.abs(D2), "jacfwd(jacrev)");
        assertEquals(D2, Autodiff.jacfwd(Autodiff.grad(implicit)).apply(Tensor.scalar(LAM)).item(), 1e-6 * Math.abs(D2),
                "jacfwd(grad)");
        assertEquals(D2, Autodiff.grad(Autodiff.grad(implicit)).apply(Tensor.scalar(LAM)).item(), 1e-6 * Math.abs(D2),
                "grad(grad)");
        Function<Tensor, Tensor> ckpt = hyper(s -> s.implicitDiff(false).checkpointEvery(10));
        assertEquals(D2, Autodiff.hessian(ckpt).apply(Tensor.scalar(LAM)).item(), 1e-6 * Math.abs(D2), "checkpointed");
    }

    @Test
    void proxCapturingLambda() {
        // min ½‖Xw − y‖² + ½λ‖w‖² with the ridge term in the prox, which captures λ.
        Function<Tensor, Tensor> h = l -> ProximalGradient.<Tensor, Tensor>of((v, a) -> SmallRidge.loss(v),
                        (x, a, s) -> Prox.ridge(x, l, s)).maxiter(3000).tol(1e-11)
                .run(Tensor.zeros(3), DATA).params().sum();
        assertEquals(D1, grad(h), 1e-6 * Math.abs(D1), "reverse");
        assertEquals(D1, tangent(h), 1e-6 * Math.abs(D1), "forward");
        assertEquals(D2, Autodiff.hessian(h).apply(Tensor.scalar(LAM)).item(), 1e-5 * Math.abs(D2), "second order");
    }

    @Test
    void fixedPointMapCapturingLambda() {
        // T(w) = w − η(∇loss(w) + λw) captures λ.
        Function<Tensor, Tensor> h = l -> FixedPointIteration.<Tensor, Tensor>of((w, a) ->
                        w.sub(Autodiff.grad(SmallRidge::loss).apply(w).add(w.mul(l)).mul(0.2)))
                .maxiter(5000).tol(1e-12).run(Tensor.zeros(3), DATA).params().sum();
        assertEquals(D1, grad(h), 1e-6 * Math.abs(D1), "reverse");
        assertEquals(D1, tangent(h), 1e-6 * Math.abs(D1), "forward");
        assertEquals(D2, Autodiff.hessian(h).apply(Tensor.scalar(LAM)).item(), 1e-5 * Math.abs(D2), "second order");
    }

    @Test
    void lbfgsObjectiveCapturingLambda() {
        Function<Tensor, Tensor> h = l -> LBFGS.<Tensor, Tensor>of((v, a) -> SmallRidge.loss(v)
                .add(l.mul(0.5).mul(v.squaredNorm()))).maxiter(500).tol(1e-11).run(Tensor.zeros(3), DATA).params().sum();
        assertEquals(D1, grad(h), 1e-6 * Math.abs(D1), "reverse");
        assertEquals(D1, tangent(h), 1e-6 * Math.abs(D1), "forward");
        assertEquals(D2, Autodiff.hessian(h).apply(Tensor.scalar(LAM)).item(), 1e-5 * Math.abs(D2), "second order");
    }

    @Test
    void projectionCapturingItsBound() {
        // min ½‖w − c‖² s.t. w ≤ u, u captured: w* = min(c, u), so Σw* moves with u where the bound is active.
        Tensor c = Tensor.of(0.2, 1.5, -0.3, 2.0);
        Function<Tensor, Tensor> h = u -> ProjectedGradient.<Tensor, Tensor>of((w, a) -> w.sub(a).squaredNorm().mul(0.5),
                        (x, a) -> Projection.box(x, Tensor.scalar(Double.NEGATIVE_INFINITY), u))
                .maxiter(500).tol(1e-12).run(Tensor.zeros(4), c).params().sum();
        Tensor u = Tensor.of(1.0, 1.0, 1.0, 1.0);
        assertEquals(0.2 + 1.0 - 0.3 + 1.0, h.apply(u).item(), 1e-10);
        assertArrayEquals(new double[] {0, 1, 0, 1}, Autodiff.grad(h).apply(u).toArray(), 1e-9, "reverse");
        assertEquals(2.0, Autodiff.jvp(h, u, Tensor.ones(4)).tangent().item(), 1e-9, "forward");
    }

    @Test
    void customRootWhoseOptimalityCapturesLambdaAndWhoseSolverCapturesItToo() {
        Function<Tensor, Tensor> h = l -> {
            BiFunction<Tensor, Tensor, Tensor> f = (w, a) -> Autodiff.grad((Tensor v) -> SmallRidge.loss(v)
                    .add(l.mul(0.5).mul(v.squaredNorm()))).apply(w);
            // The solver reads λ through the closure too (its iterations are not differentiated).
            BiFunction<Tensor, Tensor, Tensor> solver = (init, a) -> Tensor.of(SmallRidge.solution(l.item()));
            return ImplicitDiff.customRoot(f, solver, ImplicitOptions.defaults()).apply(Tensor.zeros(3), DATA).sum();
        };
        assertEquals(D1, grad(h), 1e-9 * Math.abs(D1), "reverse");
        assertEquals(D1, tangent(h), 1e-9 * Math.abs(D1), "forward");
        assertEquals(D2, Autodiff.hessian(h).apply(Tensor.scalar(LAM)).item(), 1e-8 * Math.abs(D2), "hessian");
        assertEquals(D2, Autodiff.grad(Autodiff.grad(h)).apply(Tensor.scalar(LAM)).item(), 1e-8 * Math.abs(D2),
                "grad(grad)");
    }
}
