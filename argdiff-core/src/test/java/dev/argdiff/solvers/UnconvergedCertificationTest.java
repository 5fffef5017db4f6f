package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.ImplicitDiffException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certification refuses the implicit derivative of an unconverged run, for every solver of the
 * quasi-Newton, least-squares and root-finding family (Bisection's case is in RootFindingTest):
 * one or two iterations from a standard start leave ‖F(x, θ)‖ far above tol. The same solver with
 * its default budget converges and its derivative matches the closed form, so the refusal is about
 * convergence, not the problem.
 */
class UnconvergedCertificationTest {

    /** A solver on a θ-parametrized problem whose solution x*(θ) is known in closed form. */
    record Case(String name, Function<Integer, IterativeSolver<Tensor, Tensor, ?, ?>> make, Tensor x0,
                double theta, double[] dxdtheta) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** (θ − x₀)² + 100(x₁ − x₀²)²: x* = (θ, θ²), x*′(θ) = (1, 2θ). */
    static Tensor rosenbrock(Tensor x, Tensor t) {
        Tensor x0 = x.row(0);
        return t.sub(x0).square().add(x.row(1).sub(x0.square()).square().mul(100));
    }

    /** The residuals of the same problem: r = (θ − x₀, 10(x₁ − x₀²)). */
    static Tensor residuals(Tensor x, Tensor t) {
        Tensor x0 = x.row(0);
        return Tensor.stack(List.of(t.sub(x0), x.row(1).sub(x0.square()).mul(10)), 0);
    }

    /** F = (x₀² + x₁² − θ, x₀ − x₁): x* = √(θ/2)·(1, 1), x*′(θ) = 1/(2√(2θ))·(1, 1). */
    static Tensor circle(Tensor x, Tensor t) {
        return RootFindingTest.circle(x, t);
    }

    static List<Case> cases() {
        double theta = 1.5;
        double[] rosen = {1, 2 * theta};
        double c = 1 / (2 * Math.sqrt(2 * 3.0));
        BiFunction<Tensor, Tensor, Tensor> f = UnconvergedCertificationTest::rosenbrock;
        return List.of(
                new Case("BFGS", k -> BFGS.of(f).maxiter(k), Tensor.of(-1.2, 1), theta, rosen),
                new Case("NonlinearCG", k -> NonlinearCG.of(f).maxiter(k), Tensor.of(-1.2, 1), theta, rosen),
                new Case("GaussNewton", k -> GaussNewton.of(UnconvergedCertificationTest::residuals).maxiter(k),
                        Tensor.of(-1.2, 1), theta, rosen),
                new Case("LevenbergMarquardt", k -> LevenbergMarquardt.of(UnconvergedCertificationTest::residuals)
                        .maxiter(k), Tensor.of(-1.2, 1), theta, rosen),
                new Case("NewtonRoot", k -> NewtonRoot.of(UnconvergedCertificationTest::circle).maxiter(k),
                        Tensor.of(1, 0.5), 3.0, new double[] {c, c}),
                new Case("Broyden", k -> Broyden.of(UnconvergedCertificationTest::circle).maxiter(k),
                        Tensor.of(1, 0.5), 3.0, new double[] {c, c}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anUnconvergedRunsDerivativeIsRefused(Case c) {
        IterativeSolver<Tensor, Tensor, ?, ?> early = c.make().apply(1);
        SolverResult<Tensor, ?> r = early.run(c.x0(), Tensor.scalar(c.theta()));
        assertEquals(SolverStatus.MAX_ITERATIONS, r.status(), c.name());
        assertTrue(r.error() > 1e-3, c.name() + ": error " + r.error());
        for (boolean forward : new boolean[] {true, false}) {
            Function<Tensor, Tensor> sol = t -> early.run(c.x0(), t).params();
            ImplicitDiffException e = assertThrows(ImplicitDiffException.class, () -> (forward
                    ? Autodiff.jacfwd(sol) : Autodiff.jacrev(sol)).apply(Tensor.scalar(c.theta())),
                    c.name() + (forward ? " jacfwd" : " jacrev"));
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), c.name());
        }
        IterativeSolver<Tensor, Tensor, ?, ?> full = c.make().apply(500).tol(1e-12);
        double[] d = Autodiff.jacfwd((Tensor t) -> full.run(c.x0(), t).params()).apply(Tensor.scalar(c.theta()))
                .toArray();
        for (int i = 0; i < d.length; i++) {
            assertEquals(c.dxdtheta()[i], d[i], 1e-7, c.name() + ": converged derivative " + i);
        }
    }
}
