package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Args;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.implicit.ImplicitCertificationTest.assertContains;
import static dev.argdiff.implicit.RidgeFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certification of the linear solves of second-order implicit derivatives (Hessians through
 * {@link ImplicitDiff#customRoot}): the solves that the derivative rules of an adjoint solve make
 * must be checked like the adjoint solve itself.
 */
class HigherOrderCertificationTest {
    /** Remove together with applying the ImplicitDiff.solve fix (nested solves were never checked). */

    private final List<ImplicitDiagnostics> observed = Collections.synchronizedList(new ArrayList<>());
    private final LogCapture log = new LogCapture();

    @BeforeEach
    void attach() {
        log.start();
    }

    @AfterEach
    void detach() {
        log.stop();
    }

    private ImplicitOptions options(FailurePolicy policy) {
        return ImplicitOptions.defaults().withSymmetric(true).withPolicy(policy).withObserver(observed::add);
    }

    private List<String> warnings() {
        return log.warnings();
    }

    private void assertObservedUncertified() {
        assertFalse(observed.isEmpty(), "the observer received no diagnostics");
        assertTrue(observed.stream().anyMatch(d -> !d.certified()), "expected uncertified diagnostics: " + observed);
    }

    /**
     * A problem on which CG with maxiter 2 solves every first-order system exactly but not the
     * systems of the second derivative: ∂ₓF = XᵀX/n + λI = diag(1, 2, 3) + λI, Xᵀy/n = (1, 1, 0),
     * so w*, its tangent and the adjoint right-hand side all lie in span(e₁, e₂) (two CG steps);
     * the outer loss L(w) = ½wᵀQw − cᵀw with a Q that mixes e₃ in, and c chosen so that ∇L(w*) = (1, 1, 0),
     * makes the right-hand side of the differentiated adjoint solve, Q·dw*, reach e₃.
     */
    static final class MixingProblem {
        static final double L2REG = 0.5;
        final Tensor x;
        final Tensor y;
        final double[][] q = {{2, 0.5, 0.5}, {0.5, 2, 0.5}, {0.5, 0.5, 2}};
        final double[] c;

        MixingProblem() {
            double s = Math.sqrt(3);
            x = Tensor.of(new double[][] {{s, 0, 0}, {0, s * Math.sqrt(2), 0}, {0, 0, 3}});
            y = Tensor.of(3 / s, 3 / (s * Math.sqrt(2)), 0);
            double[] qw = PlainLinearAlgebra.matvec(q, solution());
            c = new double[] {qw[0] - 1, qw[1] - 1, qw[2]};
        }

        double[][] hessian() {
            return new double[][] {{1 + L2REG, 0, 0}, {0, 2 + L2REG, 0}, {0, 0, 3 + L2REG}};
        }

        double[] solution() {
            return PlainLinearAlgebra.solve(hessian(), new double[] {1, 1, 0});
        }

        /** d²L/dλ² = w′ᵀQw′ + ∇L(w*)ᵀw″ with w′ = −H⁻¹w*, w″ = 2H⁻²w*. */
        double secondDerivative() {
            double[] w = solution();
            double[] w1 = PlainLinearAlgebra.scale(PlainLinearAlgebra.solve(hessian(), w), -1);
            double[] w2 = PlainLinearAlgebra.scale(PlainLinearAlgebra.solve(hessian(), PlainLinearAlgebra.solve(hessian(), w)), 2);
            double[] g = PlainLinearAlgebra.sub(PlainLinearAlgebra.matvec(q, w), c);
            return PlainLinearAlgebra.dot(w1, PlainLinearAlgebra.matvec(q, w1)) + PlainLinearAlgebra.dot(g, w2);
        }

        double firstDerivative() {
            double[] w = solution();
            double[] w1 = PlainLinearAlgebra.scale(PlainLinearAlgebra.solve(hessian(), w), -1);
            return PlainLinearAlgebra.dot(PlainLinearAlgebra.sub(PlainLinearAlgebra.matvec(q, w), c), w1);
        }

        Function<Tensor, Tensor> loss(ImplicitOptions options) {
            BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality,
                    RidgeFixtures.denseSolver(LinearSolver.lu()), options.withSymmetric(true));
            Tensor qt = Tensor.of(q);
            Tensor ct = Tensor.of(c);
            return l -> {
                Tensor w = sol.apply(Tensor.zeros(3), new Args(l, x, y, "mixing"));
                return w.vdot(qt.matmul(w)).mul(0.5).sub(ct.vdot(w));
            };
        }
    }

    private ImplicitOptions twoCgSteps(FailurePolicy policy) {
        return options(policy).withSolver(LinearSolver.cg().withMaxiter(2));
    }

    @Test
    void firstOrderSolvesOfTheMixingProblemConvergeInTwoCgSteps() {
        MixingProblem p = new MixingProblem();
        Function<Tensor, Tensor> f = p.loss(twoCgSteps(FailurePolicy.THROW));
        assertClose(p.firstDerivative(), Autodiff.grad(f).apply(Tensor.scalar(MixingProblem.L2REG)).item(), 1e-12, "grad");
        assertClose(p.firstDerivative(),
                Autodiff.jvp(f, Tensor.scalar(MixingProblem.L2REG), Tensor.scalar(1.0)).tangent().item(), 1e-12, "jvp");
        assertTrue(observed.stream().allMatch(ImplicitDiagnostics::certified), observed.toString());
        // With the default iteration limit the Hessian is exact.
        Function<Tensor, Tensor> full = p.loss(options(FailurePolicy.THROW).withSolver(LinearSolver.cg()));
        assertClose(p.secondDerivative(), Autodiff.hessian(full).apply(Tensor.scalar(MixingProblem.L2REG)).item(), 1e-10,
                "hessian with converged solves");
    }

    /**
     * Regression: the solves made by the derivative rules of the adjoint solve (here, under
     * jacfwd of jacrev) used to run with the IGNORE policy and nothing checked them: the Hessian
     * came back wrong (1.23996 instead of 1.23797) with every diagnostic certified.
     */
    @Test
    void starvedSecondOrderSolveThrowsInsteadOfReturningAWrongHessian() {
        MixingProblem p = new MixingProblem();
        Function<Tensor, Tensor> f = p.loss(twoCgSteps(FailurePolicy.THROW));
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.hessian(f).apply(Tensor.scalar(MixingProblem.L2REG)));
        assertContains(e.getMessage(), "higher-order", "did not converge", "after 2 iterations", "relative residual");
        assertFalse(e.diagnostics().certified());
        assertObservedUncertified();
        // Reverse over reverse too.
        Function<Tensor, Tensor> g = Autodiff.grad(f);
        assertThrows(ImplicitDiffException.class, () -> Autodiff.grad(g).apply(Tensor.scalar(MixingProblem.L2REG)));
    }

    @Test
    void starvedSecondOrderSolveWarnsUnderWarn() {
        MixingProblem p = new MixingProblem();
        Function<Tensor, Tensor> f = p.loss(twoCgSteps(FailurePolicy.WARN));
        double h = Autodiff.hessian(f).apply(Tensor.scalar(MixingProblem.L2REG)).item();
        assertTrue(Double.isFinite(h));
        assertTrue(Math.abs(h - p.secondDerivative()) > 1e-4, "the starved Hessian is visibly off: " + h);
        List<String> w = warnings();
        assertFalse(w.isEmpty(), "a warning is logged");
        assertContains(w.get(0), "higher-order", "did not converge", "iterations");
        assertObservedUncertified();
    }
}
