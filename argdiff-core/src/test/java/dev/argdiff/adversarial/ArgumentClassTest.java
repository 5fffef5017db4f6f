package dev.argdiff.adversarial;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.solvers.GradientDescent;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Argument classes other than records, lists, maps and arrays (a plain final class, as Kotlin
 * data classes, Scala case classes and Lombok {@code @Value} compile to): either registered,
 * differentiated through closure conversion, or refused — never silently static.
 */
class ArgumentClassTest {

    /** A plain class holding the hyperparameter, as a Lombok {@code @Value} class would. */
    static final class PlainHyper {
        private final Tensor l2reg;
        private final String name;

        PlainHyper(Tensor l2reg, String name) {
            this.l2reg = l2reg;
            this.name = name;
        }

        Tensor l2reg() {
            return l2reg;
        }
    }

    /** The same shape of class, registered as a tree node. */
    static final class RegisteredHyper {
        private final Tensor l2reg;
        private final String name;

        RegisteredHyper(Tensor l2reg, String name) {
            this.l2reg = l2reg;
            this.name = name;
        }
    }

    static {
        // Registered once, before any test runs (a class literal does not initialize its class).
        Pytree.register(RegisteredHyper.class, h -> List.of(h.l2reg, h.name),
                parts -> new RegisteredHyper((Tensor) parts.get(0), (String) parts.get(1)));
    }

    private static final double LAM = 0.5;
    private static final double D1 = SmallRidge.sum(SmallRidge.firstDerivative(LAM));

    private static Tensor solveSum(Tensor l2reg, Object args) {
        return GradientDescent.<Tensor, Object>of((v, a) -> SmallRidge.loss(v).add(hyperOf(a).mul(0.5)
                        .mul(v.squaredNorm()))).maxiter(2000).tol(1e-11).run(Tensor.zeros(3), args).params().sum();
    }

    private static Tensor hyperOf(Object a) {
        return a instanceof PlainHyper ? ((PlainHyper) a).l2reg() : ((RegisteredHyper) a).l2reg;
    }

    @Test
    void plainClassArgumentOfAnImplicitSolverIsDifferentiated() {
        // The λ inside the plain object is reached by the optimality function: a captured value, lifted.
        Function<Tensor, Tensor> h = l -> solveSum(l, new PlainHyper(l, "ridge"));
        assertEquals(D1, Autodiff.grad(h).apply(Tensor.scalar(LAM)).item(), 1e-6 * Math.abs(D1));
        assertEquals(D1, Autodiff.jvp(h, Tensor.scalar(LAM), Tensor.scalar(1.0)).tangent().item(), 1e-6 * Math.abs(D1));
    }

    @Test
    void gradientWithRespectToAnUnregisteredClassIsRefused() {
        Function<PlainHyper, Tensor> f = p -> solveSum(null, p);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Autodiff.grad(f).apply(new PlainHyper(Tensor.scalar(LAM), "ridge")));
        assertTrue(e.getMessage().contains(PlainHyper.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("Pytree.register"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Autodiff.jvp(f, new PlainHyper(Tensor.scalar(LAM), "r"),
                new PlainHyper(Tensor.scalar(1.0), "r")));
    }

    @Test
    void registeredClassIsATreeNode() {
        RegisteredHyper h = new RegisteredHyper(Tensor.scalar(LAM), "ridge");
        Pytree.Flat flat = Pytree.flatten(h);
        assertEquals(1, flat.leaves().size());
        Function<RegisteredHyper, Tensor> f = p -> solveSum(null, p);
        RegisteredHyper g = Autodiff.grad(f).apply(h);
        assertEquals(D1, g.l2reg.item(), 1e-6 * Math.abs(D1));
        assertEquals("ridge", g.name);
        double t = Autodiff.jvp(f, h, new RegisteredHyper(Tensor.scalar(1.0), "ridge")).tangent().item();
        assertEquals(D1, t, 1e-6 * Math.abs(D1));
    }

    @Test
    void registrationIsValidatedAndWriteOnce() {
        assertThrows(IllegalArgumentException.class, () -> Pytree.register(null, x -> List.of(), p -> null));
        assertThrows(IllegalArgumentException.class, () -> Pytree.register(Tensor.class, x -> List.of(), p -> null));
        assertThrows(IllegalArgumentException.class, () -> Pytree.register(List.class, x -> List.of(), p -> null));
        assertThrows(IllegalStateException.class, () -> Pytree.register(RegisteredHyper.class,
                x -> List.of(), p -> null));
    }

    /** A record whose compact constructor validates. */
    record Validated(Tensor l2reg) {
        Validated {
            if (l2reg.item() < 0) {
                throw new IllegalArgumentException("l2reg must be >= 0");
            }
        }
    }

    @Test
    void validatingRecordConstructorShowsTheUsersMessageFirst() {
        // ∂/∂l2reg of −l2reg is −1: the gradient record cannot be built by the user's constructor.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Autodiff.grad((Validated v) -> v.l2reg().neg()).apply(new Validated(Tensor.scalar(1.0))));
        assertTrue(e.getMessage().startsWith("l2reg must be >= 0"), e.getMessage());
        assertTrue(e.getMessage().contains("Validated"), e.getMessage());
        assertTrue(e.getMessage().contains("derivative"), e.getMessage());
        assertSame(IllegalArgumentException.class, e.getCause().getClass());
        assertEquals("l2reg must be >= 0", e.getCause().getMessage());
    }
}
