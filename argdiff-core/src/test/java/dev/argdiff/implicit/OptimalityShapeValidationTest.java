package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An optimality function whose output is not shaped like x (typically the objective passed
 * instead of its gradient) is refused with a message naming the optimality function and both
 * shapes — not with one about an internal cotangent or right-hand side.
 */
class OptimalityShapeValidationTest {
    /** The objective ½‖x − θ‖², whose gradient x − θ would be the right optimality function. */
    private static final BiFunction<Tensor, Tensor, Tensor> OBJECTIVE = (x, t) -> x.sub(t).square().sum().mul(0.5);

    private static void assertNamesOptimality(IllegalArgumentException e, String shape) {
        String m = e.getMessage();
        assertTrue(m.contains("optimality function") && m.contains(shape) && m.contains("[3]"), m);
    }

    @Test
    void scalarOptimalityUnderGradIsNamed() {
        BiFunction<Tensor, Tensor, Tensor> root =
                ImplicitDiff.customRoot(OBJECTIVE, (init, t) -> t, ImplicitOptions.defaults());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autodiff.grad(
                (Tensor t) -> root.apply(Tensor.zeros(3), t).sum()).apply(Tensor.of(1.0, 2.0, 3.0)));
        assertNamesOptimality(e, "[[]]");
    }

    @Test
    void scalarOptimalityInRootJvpIsNamed() {
        Tensor x = Tensor.of(1.0, 2.0, 3.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImplicitDiff.rootJvp(
                OBJECTIVE, x, x, Tensor.of(1.0, 0.0, 0.0), ImplicitOptions.defaults()));
        assertNamesOptimality(e, "[[]]");
    }

    @Test
    void wronglyShapedOptimalityInRootVjpIsNamed() {
        // A row [1, 3] for x of shape [3]: same number of entries, different shape.
        BiFunction<Tensor, Tensor, Tensor> f = (x, t) -> x.sub(t).reshape(1, -1);
        Tensor x = Tensor.of(1.0, 2.0, 3.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImplicitDiff.rootVjp(
                f, x, x, Tensor.of(1.0, 0.0, 0.0), ImplicitOptions.defaults()));
        assertNamesOptimality(e, "[1, 3]");
    }
}
