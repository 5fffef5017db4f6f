package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's own custom rule cannot know the cotangent of a value its function captures: every
 * transform refuses, naming the value's shape and the fix (it returned 0.0 before).
 */
class CustomRuleCaptureTest {

    private static final Tensor Y = Tensor.of(1.0, 2.0, 3.0);

    private static Function<Tensor, Tensor> capturingVjp(Tensor x) {
        return Autodiff.customVjp((Tensor y) -> y.mul(x), (y, out, ct) -> ct.mul(x));
    }

    private static Function<Tensor, Tensor> capturingJvp(Tensor x) {
        return Autodiff.customJvp((Tensor y) -> y.mul(x), (y, out, t) -> t.mul(x));
    }

    private static void assertRefused(Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains("captures"), ex.getMessage());
        assertTrue(ex.getMessage().contains("[3]"), ex.getMessage());
        assertTrue(ex.getMessage().contains("pass it as an argument"), ex.getMessage());
    }

    @Test
    void everyTransformRefusesACapturedTracer() {
        Tensor x = Tensor.of(0.5, -1.0, 2.0);
        assertRefused(() -> Autodiff.grad((Tensor v) -> capturingVjp(v).apply(Y).sum()).apply(x));
        assertRefused(() -> Autodiff.jvp((Tensor v) -> capturingVjp(v).apply(Y), x, Tensor.ones(3)));
        assertRefused(() -> Autodiff.grad((Tensor v) -> capturingJvp(v).apply(Y).sum()).apply(x));
        assertRefused(() -> Autodiff.jacfwd((Tensor v) -> capturingJvp(v).apply(Y)).apply(x));
        // Even when the rule's explicit input is traced too.
        assertRefused(() -> Autodiff.grad((Tensor v) -> capturingVjp(v).apply(v.mul(2.0)).sum()).apply(x));
    }

    @Test
    void passingTheValueAsAnArgumentIsTheFixAndIsRight() {
        Function<Tensor[], Tensor> f = Autodiff.customVjp((Tensor[] p) -> p[0].mul(p[1]),
                (p, out, ct) -> new Tensor[] {ct.mul(p[1]), ct.mul(p[0])});
        Tensor x = Tensor.of(0.5, -1.0, 2.0);
        double[] g = Autodiff.grad((Tensor v) -> f.apply(new Tensor[] {Y, v}).sum()).apply(x).toArray();
        assertEquals(1.0, g[0], 0.0);
        assertEquals(2.0, g[1], 0.0);
        assertEquals(3.0, g[2], 0.0);
    }

    @Test
    void concreteCapturesStayAllowed() {
        Tensor c = Tensor.of(2.0, 2.0, 2.0);
        Function<Tensor, Tensor> f = Autodiff.customVjp((Tensor y) -> y.mul(c), (y, out, ct) -> ct.mul(c));
        assertEquals(2.0, Autodiff.grad((Tensor v) -> f.apply(v).sum()).apply(Y).toArray()[0], 0.0);
    }
}
