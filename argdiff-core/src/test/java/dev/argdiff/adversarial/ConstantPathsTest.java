package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiff;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.solvers.GradientDescent;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The remaining places where a value could be read as a constant: each is now either
 * differentiated or refused.
 */
class ConstantPathsTest {

    @Test
    void aTracerLeakedFromAFinishedTransformIsRefusedInsideACustomFunction() {
        Tensor[] leak = new Tensor[1];
        Autodiff.grad((Tensor x) -> {
            leak[0] = x;
            return x.sum();
        }).apply(Tensor.of(1.0, 2.0));
        // A new transform at the same level: inside the checkpoint's primal (floor 1) the stale tracer was read as a
        // constant, silently (the block's input is concrete, so no derivative pass re-ran it).
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Autodiff.jvp((Tensor y) ->
                Autodiff.checkpoint((Tensor z) -> z.mul(leak[0])).apply(Tensor.of(3.0, 4.0)).add(y),
                Tensor.of(3.0, 4.0), Tensor.of(1.0, 1.0)));
        assertTrue(e.getMessage().contains("escaped"), e.getMessage());
        // In reverse mode the re-run under a fresh trace refused it already.
        assertThrows(IllegalStateException.class, () -> Autodiff.grad((Tensor y) ->
                Autodiff.checkpoint((Tensor z) -> z.mul(leak[0])).apply(y).sum()).apply(Tensor.of(3.0, 4.0)));
    }

    @Test
    void strictConcreteScopeRefusesACapturedTracer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autodiff.grad((Tensor x) -> {
            try (Dispatch.ConcreteScope scope = Dispatch.concreteScope()) {
                return x.mul(2.0).sum();
            }
        }).apply(Tensor.of(1.0, 2.0)));
        assertTrue(e.getMessage().contains("shape [2]"), e.getMessage());
    }

    @Test
    void constantScopeReadsValuesAsConstantsOnPurposeAndRecordingScopeListsThem() {
        double g = Autodiff.grad((Tensor x) -> {
            Tensor c;
            try (Dispatch.ConcreteScope scope = Dispatch.constantScope()) {
                c = x.mul(3.0);
            }
            return x.mul(c).sum();
        }).apply(Tensor.scalar(2.0)).item();
        assertEquals(6.0, g, 0.0, "d/dx x·stop(3x) = 3x");
        Autodiff.grad((Tensor x) -> {
            try (Dispatch.ConcreteScope scope = Dispatch.recordingScope()) {
                x.mul(2.0).add(x);
                assertEquals(1, scope.captured().size(), "one captured value, unique by identity");
                assertTrue(scope.captured().get(0) == x);
            }
            return x.sum();
        }).apply(Tensor.scalar(2.0));
    }

    @Test
    void checkpointInsideAnImplicitSolversObjectiveCapturingLambda() {
        double lam = 0.5;
        double d1 = SmallRidge.sum(SmallRidge.firstDerivative(lam));
        Function<Tensor, Tensor> h = l -> GradientDescent.<Tensor, Tensor>of((v, a) -> SmallRidge.loss(v).add(
                        Autodiff.checkpoint((Tensor w) -> l.mul(0.5).mul(w.squaredNorm())).apply(v)))
                .maxiter(2000).tol(1e-11).run(Tensor.zeros(3), SmallRidge.y()).params().sum();
        assertEquals(d1, Autodiff.grad(h).apply(Tensor.scalar(lam)).item(), 1e-6 * Math.abs(d1));
        assertEquals(d1, Autodiff.jvp(h, Tensor.scalar(lam), Tensor.scalar(1.0)).tangent().item(), 1e-6 * Math.abs(d1));
    }

    @Test
    void solverIterationsMayReadCapturedValuesThatTheOptimalityConditionDoesNot() {
        // The solver's own computation uses λ in tensor operations (a warm start scaled by λ): read as a
        // constant, which is right: x* does not depend on it. The derivative comes from F alone.
        double lam = 0.5;
        double d1 = SmallRidge.sum(SmallRidge.firstDerivative(lam));
        Function<Tensor, Tensor> h = l -> {
            BiFunction<Tensor, Tensor, Tensor> f = (w, a) -> Autodiff.grad((Tensor v) -> SmallRidge.loss(v)
                    .add(l.mul(0.5).mul(v.squaredNorm()))).apply(w);
            BiFunction<Tensor, Tensor, Tensor> solver = (init, a) -> {
                Tensor start = Tensor.ones(3).mul(l);
                return GradientDescent.<Tensor, Tensor>of((v, b) -> SmallRidge.loss(v)
                        .add(l.mul(0.5).mul(v.squaredNorm()))).implicitDiff(false).maxiter(3000).tol(1e-12)
                        .run(start, a).params();
            };
            return ImplicitDiff.customRoot(f, solver, ImplicitOptions.defaults()).apply(Tensor.zeros(3), Tensor.zeros(1))
                    .sum();
        };
        assertEquals(d1, Autodiff.grad(h).apply(Tensor.scalar(lam)).item(), 1e-8 * Math.abs(d1));
    }

    @Test
    void checkpointedFunctionWhoseStructureChangesIsRefused() {
        int[] calls = {0};
        Function<Tensor, Object> f = Autodiff.checkpoint((Tensor y) -> calls[0]++ == 0 ? y.sin()
                : java.util.List.of(y.sin(), y));
        assertThrows(IllegalStateException.class, () -> Autodiff.grad((Tensor x) -> ((Tensor) f.apply(x)).sum())
                .apply(Tensor.of(1.0)));
    }
}
