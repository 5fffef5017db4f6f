package dev.argdiff.tensor.internal;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The tracing machinery stays out of Tensor's public surface, and its access cannot be replaced. */
class TracedTensorsTest {

    @Test
    void tensorsPublicMethodsNameNoInternalType() {
        List<String> leaks = new ArrayList<>();
        for (Method m : Tensor.class.getMethods()) {
            if (!Modifier.isPublic(m.getModifiers())) {
                continue;
            }
            List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
            types.add(m.getGenericReturnType());
            for (Type t : types) {
                if (t.getTypeName().contains(".internal.")) {
                    leaks.add(m.getName() + " uses " + t.getTypeName());
                }
            }
        }
        assertEquals(List.of(), leaks);
    }

    @Test
    void aSecondInstallIsRefusedAndTracingStillWorks() {
        TracedTensors.Access hijack = new TracedTensors.Access() {
            @Override
            public Tensor traced(Tracer tracer) {
                return Tensor.scalar(0.0);
            }

            @Override
            public Tracer tracer(Tensor t) {
                return null;
            }

            @Override
            public Tensor sumInNewStorage(Tensor a, Tensor b) {
                throw new AssertionError("a refused access is never called");
            }

            @Override
            public void addInPlace(Tensor target, Tensor addend) {
                throw new AssertionError("a refused access is never called");
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TracedTensors.install(hijack));
        assertEquals("TracedTensors.install: called by Tensor's initializer only", e.getMessage());
        // d/dx Σ x³ = 3x², through the installed access.
        Tensor x = Tensor.of(1.0, -2.0, 0.5);
        Tensor g = Autodiff.grad((Tensor z) -> z.mul(z).mul(z).sum()).apply(x);
        assertArrayEquals(new double[] {3.0, 12.0, 0.75}, g.toArray(), 1e-15);
    }
}
