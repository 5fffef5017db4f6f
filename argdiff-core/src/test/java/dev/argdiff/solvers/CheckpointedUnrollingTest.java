package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.SyntheticLasso;
import dev.argdiff.prox.Prox;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Unrolling with checkpointed blocks of iterations gives the unrolled derivatives, at every order. */
class CheckpointedUnrollingTest {

    record Args(Tensor lam, Tensor a, Tensor b) {
    }

    private static final SyntheticLasso DATA = SyntheticLasso.generate(200, 50);

    private static ProximalGradient<Tensor, Args> unrolled(AtomicInteger iterations) {
        return ProximalGradient.<Tensor, Args>of((w, a) -> a.a().matmul(w).sub(a.b()).square().mean().mul(0.5),
                        (x, a, s) -> Prox.lasso(x, a.lam(), s))
                .maxiter(60).tol(0.0).implicitDiff(false).listener((k, e) -> iterations.incrementAndGet());
    }

    private static Function<Tensor, Tensor> hyperObjective(ProximalGradient<Tensor, Args> solver) {
        return lam -> solver.run(Tensor.zeros(50), new Args(lam, DATA.a(), DATA.b())).params().squaredNorm();
    }

    @Test
    void gradientsEqualThoseOfPlainUnrolling() {
        Tensor lam = Tensor.scalar(DATA.lambda());
        AtomicInteger plainCount = new AtomicInteger();
        AtomicInteger checkpointCount = new AtomicInteger();
        ProximalGradient<Tensor, Args> plain = unrolled(plainCount);
        ProximalGradient<Tensor, Args> checkpointed = unrolled(checkpointCount).checkpointEvery(7);

        double g = Autodiff.grad(hyperObjective(plain)).apply(lam).item();
        double gc = Autodiff.grad(hyperObjective(checkpointed)).apply(lam).item();
        assertEquals(g, gc, 1e-12 * Math.abs(g), "reverse mode");
        // The listener hears each iteration once: recomputations in the backward pass are silent.
        assertEquals(60, plainCount.get());
        assertEquals(60, checkpointCount.get());

        double t = Autodiff.jvp(hyperObjective(plain), lam, Tensor.scalar(1.0)).tangent().item();
        double tc = Autodiff.jvp(hyperObjective(checkpointed), lam, Tensor.scalar(1.0)).tangent().item();
        assertEquals(t, tc, 1e-12 * Math.abs(t), "forward mode");
        assertEquals(g, t, 1e-9 * Math.abs(g), "forward equals reverse");
    }

    @Test
    void secondOrderThroughCheckpointsEqualsPlainUnrolling() {
        Tensor lam = Tensor.scalar(DATA.lambda());
        ProximalGradient<Tensor, Args> plain = unrolled(new AtomicInteger()).maxiter(25);
        ProximalGradient<Tensor, Args> checkpointed = unrolled(new AtomicInteger()).maxiter(25).checkpointEvery(10);
        double h = Autodiff.hessian(hyperObjective(plain)).apply(lam).item();
        double hc = Autodiff.hessian(hyperObjective(checkpointed)).apply(lam).item();
        assertEquals(h, hc, 1e-9 * Math.abs(h));
    }

    @Test
    void negativeBlockSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> unrolled(new AtomicInteger()).checkpointEvery(-1));
        assertEquals("checkpointEvery must be >= 0, got -1", e.getMessage());
    }
}
