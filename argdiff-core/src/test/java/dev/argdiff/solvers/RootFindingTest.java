package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bisection, NewtonRoot and Broyden against closed-form roots and their derivatives (implicit,
 * unrolled where meaningful, forward and reverse, second order), and their refusals.
 */
class RootFindingTest {

    /** x³ = θ on [0, 3]: x = θ^(1/3), dx/dθ = 1/(3x²), d²x/dθ² = −2/(9·θ^(5/3)). */
    @Test
    void bisectionCubeRoot() {
        Bisection<Tensor> b = Bisection.<Tensor>of((x, t) -> x.pow(3).sub(t), 0, 3).tol(1e-13).maxiter(200);
        Function<Tensor, Tensor> sol = t -> b.run(Tensor.scalar(0), t).params();
        double theta = 2;
        double x = Math.cbrt(theta);
        SolverResult<Tensor, Bisection.State> r = b.run(Tensor.scalar(0), Tensor.scalar(theta));
        assertTrue(r.converged(), r.status().toString());
        assertEquals(x, r.params().item(), 1e-13);
        assertEquals(1 / (3 * x * x), Autodiff.jacfwd(sol).apply(Tensor.scalar(theta)).item(), 1e-10);
        assertEquals(1 / (3 * x * x), Autodiff.grad((Tensor t) -> sol.apply(t)).apply(Tensor.scalar(theta)).item(), 1e-10);
        assertEquals(-2 / (9 * Math.pow(theta, 5.0 / 3)),
                Autodiff.jacfwd(Autodiff.grad((Tensor t) -> sol.apply(t))).apply(Tensor.scalar(theta)).item(), 1e-8);
    }

    @Test
    void bisectionRefusals() {
        Bisection<Tensor> b = Bisection.<Tensor>of((x, t) -> x.pow(3).sub(t), 0, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.run(Tensor.scalar(0), Tensor.scalar(100)));
        assertTrue(e.getMessage().contains("does not change sign") && e.getMessage().contains("F(3.0) = -73.0"),
                e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Bisection.<Tensor>of((x, t) -> x, 1, 1))
                .getMessage().contains("upper"));
        IllegalStateException u = assertThrows(IllegalStateException.class, () -> Autodiff.jacfwd(
                (Tensor t) -> b.implicitDiff(false).run(Tensor.scalar(0), t).params()).apply(Tensor.scalar(2)));
        assertTrue(u.getMessage().contains("cannot be unrolled"), u.getMessage());
        // 5 halvings of [0, 3] leave |F| far above tol: the implicit derivative is refused.
        assertThrows(ImplicitDiffException.class, () -> Autodiff.jacfwd(
                (Tensor t) -> b.maxiter(5).run(Tensor.scalar(0), t).params()).apply(Tensor.scalar(2)));
    }

    /** F = (x₀² + x₁² − θ, x₀ − x₁): root x₀ = x₁ = √(θ/2). */
    static Tensor circle(Tensor x, Tensor t) {
        return Tensor.stack(List.of(x.row(0).square().add(x.row(1).square()).sub(t), x.row(0).sub(x.row(1))), 0);
    }

    @Test
    void newtonAndBroydenOnACircle() {
        double theta = 3;
        double x = Math.sqrt(theta / 2);
        double d1 = 1 / (2 * Math.sqrt(2 * theta));
        double d2 = -1 / (4 * Math.sqrt(2) * Math.pow(theta, 1.5));
        List<IterativeSolver<Tensor, Tensor, ?, ?>> solvers = List.of(NewtonRoot.of(RootFindingTest::circle),
                Broyden.of(RootFindingTest::circle));
        for (IterativeSolver<Tensor, Tensor, ?, ?> s : solvers) {
            String name = s.getClass().getSimpleName();
            for (boolean implicit : new boolean[] {true, false}) {
                IterativeSolver<Tensor, Tensor, ?, ?> c = s.implicitDiff(implicit).tol(1e-13).maxiter(200);
                Function<Tensor, Tensor> sol = t -> c.run(Tensor.of(1, 0.5), t).params();
                SolverResult<Tensor, ?> run = c.run(Tensor.of(1, 0.5), Tensor.scalar(theta));
                assertTrue(run.converged(), name + " " + run.status());
                double[] v = run.params().toArray();
                assertEquals(x, v[0], 1e-12, name);
                assertEquals(x, v[1], 1e-12, name);
                double[] fwd = Autodiff.jacfwd(sol).apply(Tensor.scalar(theta)).toArray();
                double[] rev = Autodiff.jacrev(sol).apply(Tensor.scalar(theta)).toArray();
                for (int i = 0; i < 2; i++) {
                    assertEquals(d1, fwd[i], 1e-9, name + " implicit=" + implicit + " forward");
                    assertEquals(d1, rev[i], 1e-9, name + " implicit=" + implicit + " reverse");
                }
                if (implicit || s instanceof NewtonRoot) {
                    double[] second = Autodiff.jacfwd(Autodiff.jacrev(sol)).apply(Tensor.scalar(theta)).toArray();
                    assertEquals(d2, second[0], 1e-8, name + " implicit=" + implicit + " second order");
                }
            }
        }
    }

    /** Powell's badly scaled system, root near (1.098e-5, 9.106): Broyden with its line search from (0, 1). */
    @Test
    void broydenOnPowellBadlyScaled() {
        BiFunction<Tensor, Object, Tensor> f = (v, a) -> Tensor.stack(List.of(
                v.row(0).mul(v.row(1)).mul(1e4).sub(1), v.row(0).neg().exp().add(v.row(1).neg().exp()).sub(1.0001)), 0);
        SolverResult<Tensor, Broyden.State> r = Broyden.of(f).tol(1e-12).maxiter(500).run(Tensor.of(0, 1), null);
        assertTrue(r.converged(), r.status() + " " + r.error());
        assertEquals(1.098159e-5, r.params().get(0), 1e-10);
        assertEquals(9.106146, r.params().get(1), 1e-5);
    }

    @Test
    void singularJacobiansAreRefused() {
        BiFunction<Tensor, Tensor, Tensor> f = (x, t) -> {
            Tensor s = x.row(0).add(x.row(1)).sub(t);
            return Tensor.stack(List.of(s, s.mul(2)), 0);
        };
        assertThrows(ArithmeticException.class, () -> NewtonRoot.of(f).run(Tensor.zeros(2), Tensor.scalar(1)));
        assertThrows(ArithmeticException.class, () -> Broyden.of(f).run(Tensor.zeros(2), Tensor.scalar(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NewtonRoot.<Tensor, Object>of(
                (x, a) -> x.sum().reshape(1)).run(Tensor.zeros(2), null));
        assertTrue(e.getMessage().contains("shaped like x"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Broyden.of(f).withC(0.5)).getMessage()
                .contains("Broyden.c"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Broyden.of(f).withMaxls(0)).getMessage()
                .contains("maxls"));
    }
}
