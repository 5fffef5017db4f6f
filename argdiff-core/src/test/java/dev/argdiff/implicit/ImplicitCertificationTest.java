package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Args;
import dev.argdiff.implicit.RidgeFixtures.Split;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certification of implicit derivatives: an unconverged forward solve (optimality residual
 * above tolerance), a starved adjoint/tangent linear solve and a singular optimality Jacobian
 * raise {@link ImplicitDiffException} under the default policy, log a warning and return a value
 * under WARN, and always reach the observer with {@code certified() == false}; good cases are
 * certified.
 */
class ImplicitCertificationTest {
    private final Split data = RidgeFixtures.diabetes();
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

    /** θ ↦ validation loss through a decorated solver. */
    private Function<Tensor, Tensor> outer(BiFunction<Tensor, Args, Tensor> solver, ImplicitOptions options) {
        BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality, solver, options);
        return theta -> RidgeFixtures.validationLoss(sol.apply(Tensor.zeros(data.features()), data.args(theta.exp())), data);
    }

    /** Gradient descent stopped after 2 iterations: far from optimal. */
    private BiFunction<Tensor, Args, Tensor> unconverged() {
        double eta = 1.0 / RidgeFixtures.largestEigenvalue(data, Math.E);
        return (init, a) -> RidgeFixtures.gradientDescent(init, a, eta, 2);
    }

    private List<String> warnings() {
        return log.warnings();
    }

    private void assertObservedUncertified() {
        assertFalse(observed.isEmpty(), "the observer received no diagnostics");
        assertTrue(observed.stream().anyMatch(d -> !d.certified()), "expected uncertified diagnostics: " + observed);
    }

    static void assertContains(String message, String... fragments) {
        assertNotNull(message);
        for (String f : fragments) {
            assertTrue(message.contains(f), "message should mention '" + f + "': " + message);
        }
    }

    // ------------------------------------------------------------------ good case

    @Test
    void convergedSolvesAreCertifiedInBothModes() {
        Function<Tensor, Tensor> f = outer(RidgeFixtures.denseSolver(LinearSolver.lu()), options(FailurePolicy.THROW));
        Autodiff.grad(f).apply(Tensor.scalar(1.0));
        Autodiff.jvp(f, Tensor.scalar(1.0), Tensor.scalar(1.0));
        assertEquals(2, observed.size(), "one diagnostics per derivative computation: " + observed);
        assertEquals(ImplicitDiagnostics.Mode.VJP, observed.get(0).mode());
        assertEquals(ImplicitDiagnostics.Mode.JVP, observed.get(1).mode());
        for (ImplicitDiagnostics d : observed) {
            assertTrue(d.certified(), d.summary());
            assertTrue(d.optimalityResidual() <= 1e-12, d.summary());
            assertTrue(d.linearSolve().converged(), d.summary());
        }
        assertTrue(warnings().isEmpty(), "no warning expected: " + warnings());
    }

    // ------------------------------------------------------------------ unconverged forward solve

    @Test
    void unconvergedForwardSolveThrowsUnderTheDefaultPolicy() {
        Function<Tensor, Tensor> f = outer(unconverged(), options(FailurePolicy.THROW));
        Tensor theta = Tensor.scalar(1.0);
        // The primal value alone is computed (the check happens when differentiating).
        assertTrue(Double.isFinite(f.apply(theta).item()));
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class, () -> Autodiff.grad(f).apply(theta));
        assertContains(e.getMessage(), "not a root of the optimality condition", "exceeds the tolerance");
        assertNotNull(e.diagnostics());
        assertFalse(e.diagnostics().certified());
        assertTrue(e.diagnostics().optimalityResidual() > 1e-6, e.diagnostics().summary());
        assertContains(e.getMessage(), String.format(java.util.Locale.ROOT, "%.3e", e.diagnostics().optimalityResidual()));
        assertObservedUncertified();
        // Forward mode is certified the same way.
        ImplicitDiffException ef = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.jvp(f, theta, Tensor.scalar(1.0)));
        assertContains(ef.getMessage(), "rootJvp", "optimality");
        assertTrue(warnings().isEmpty());
    }

    @Test
    void defaultOptionsThrowOnAnUnconvergedForwardSolve() {
        // ImplicitOptions.defaults() itself (no explicit policy) is THROW.
        BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality, unconverged());
        Function<Tensor, Tensor> f = theta -> RidgeFixtures.validationLoss(
                sol.apply(Tensor.zeros(data.features()), data.args(theta.exp())), data);
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.grad(f).apply(Tensor.scalar(1.0)));
        assertContains(e.getMessage(), "optimality", "residual");
    }

    @Test
    void unconvergedForwardSolveWarnsAndReturnsUnderWarn() {
        Function<Tensor, Tensor> f = outer(unconverged(), options(FailurePolicy.WARN));
        Tensor g = Autodiff.grad(f).apply(Tensor.scalar(1.0));
        assertTrue(g.isFinite(), "a value is returned: " + g);
        List<String> w = warnings();
        assertEquals(1, w.size(), "one warning: " + w);
        assertContains(w.get(0), "not a root of the optimality condition", "residual");
        assertObservedUncertified();
    }

    @Test
    void unconvergedForwardSolveIsSilentUnderIgnoreButStillObserved() {
        Function<Tensor, Tensor> f = outer(unconverged(), options(FailurePolicy.IGNORE));
        assertTrue(Autodiff.grad(f).apply(Tensor.scalar(1.0)).isFinite());
        assertTrue(warnings().isEmpty(), "no warning under IGNORE: " + warnings());
        assertObservedUncertified();
    }

    // ------------------------------------------------------------------ starved adjoint / tangent solve

    private ImplicitOptions starved(FailurePolicy policy) {
        return options(policy).withSolver(LinearSolver.cg().withMaxiter(1));
    }

    @Test
    void starvedAdjointSolveThrows() {
        Function<Tensor, Tensor> f = outer(RidgeFixtures.denseSolver(LinearSolver.lu()), starved(FailurePolicy.THROW));
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.grad(f).apply(Tensor.scalar(1.0)));
        assertContains(e.getMessage(), "adjoint", "did not converge", "after 1 iterations", "relative residual");
        ImplicitDiagnostics d = e.diagnostics();
        assertNotNull(d);
        assertEquals(ImplicitDiagnostics.Mode.VJP, d.mode());
        assertFalse(d.certified());
        assertTrue(d.optimalityResidual() <= d.optimalityTolerance(), "the forward solve was fine: " + d.summary());
        assertEquals(1, d.linearSolve().iterations());
        assertFalse(d.linearSolve().converged());
        assertTrue(d.linearSolve().relativeResidual() > 1e-10, d.summary());
        assertObservedUncertified();
    }

    @Test
    void starvedTangentSolveThrows() {
        Function<Tensor, Tensor> f = outer(RidgeFixtures.denseSolver(LinearSolver.lu()), starved(FailurePolicy.THROW));
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.jvp(f, Tensor.scalar(1.0), Tensor.scalar(1.0)));
        assertContains(e.getMessage(), "tangent", "did not converge", "iterations", "residual");
        assertEquals(ImplicitDiagnostics.Mode.JVP, e.diagnostics().mode());
        assertObservedUncertified();
    }

    @Test
    void starvedAdjointSolveWarnsAndReturnsUnderWarn() {
        Function<Tensor, Tensor> f = outer(RidgeFixtures.denseSolver(LinearSolver.lu()), starved(FailurePolicy.WARN));
        Tensor g = Autodiff.grad(f).apply(Tensor.scalar(1.0));
        assertTrue(g.isFinite(), "a value is returned: " + g);
        List<String> w = warnings();
        assertEquals(1, w.size(), "one warning: " + w);
        assertContains(w.get(0), "adjoint", "did not converge", "iterations", "residual");
        assertObservedUncertified();
        ImplicitDiagnostics d = observed.get(observed.size() - 1);
        assertEquals(1, d.linearSolve().iterations());
    }

    // ------------------------------------------------------------------ singular optimality Jacobian

    /** Least squares (no regularization) with feature 1 duplicated as feature 2: ∂ₓF = XᵀX/n is singular. */
    static Args duplicatedFeatureArgs() {
        Tensor base = Tensor.randomNormal(11, 12, 2);
        double[][] b = base.toArray2d();
        double[][] x = new double[12][3];
        for (int i = 0; i < 12; i++) {
            x[i][0] = b[i][0];
            x[i][1] = b[i][1];
            x[i][2] = b[i][1];
        }
        Tensor y = Tensor.randomNormal(12, 12);
        return new Args(Tensor.scalar(0.0), Tensor.of(x), y, "singular");
    }

    /**
     * A least-squares solution: solve the problem on the distinct features, then split the
     * duplicated feature's weight in two. It is an exact root of F.
     */
    static Tensor leastSquaresSolution(Tensor init, Args a) {
        double[][] x = a.x().toArray2d();
        double[] y = a.y().toArray();
        double[][] reduced = new double[x.length][2];
        for (int i = 0; i < x.length; i++) {
            reduced[i][0] = x[i][0];
            reduced[i][1] = x[i][1];
        }
        double[][] rt = PlainLinearAlgebra.transpose(reduced);
        double[] v = PlainLinearAlgebra.solve(PlainLinearAlgebra.matmul(rt, reduced), PlainLinearAlgebra.matvec(rt, y));
        return Tensor.of(v[0], v[1] / 2, v[1] / 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto-symmetric", "auto", "lu", "cholesky"})
    void singularJacobianWithDenseSolverThrowsAClearException(String which) {
        ImplicitOptions o = ImplicitOptions.defaults().withObserver(observed::add);
        switch (which) {
            case "auto-symmetric":
                o = o.withSymmetric(true);
                break;
            case "lu":
                o = o.withSolver(LinearSolver.lu());
                break;
            case "cholesky":
                o = o.withSolver(LinearSolver.cholesky());
                break;
            default:
                break;
        }
        BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality,
                ImplicitCertificationTest::leastSquaresSolution, o);
        Args a = duplicatedFeatureArgs();
        Tensor w = sol.apply(Tensor.zeros(3), a);
        assertTrue(RidgeFixtures.optimality(w, a).norm().item() < 1e-12, "the forward solution is a root");
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.grad((Tensor y) -> sol.apply(Tensor.zeros(3), a.withY(y)).sum()).apply(a.y()));
        assertContains(e.getMessage(), "singular", "∂ₓF", "not locally unique");
        assertNotNull(e.diagnostics());
        assertFalse(e.diagnostics().certified());
        ImplicitDiffException ef = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.jvp((Tensor y) -> sol.apply(Tensor.zeros(3), a.withY(y)), a.y(), Tensor.ones(12)));
        assertContains(ef.getMessage(), "rootJvp", "singular");
        assertObservedUncertified();
    }

    @Test
    void singularJacobianWithCgRaisesTheDocumentedExceptionNotNaN() {
        BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality,
                ImplicitCertificationTest::leastSquaresSolution,
                options(FailurePolicy.THROW).withSolver(LinearSolver.cg()));
        Args a = duplicatedFeatureArgs();
        // The cotangent e₁ has a component along the null space (e₁ − e₂ of the duplicated pair), so
        // Aᵀu = e₁ has no solution.
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.vjp((Tensor y) -> sol.apply(Tensor.zeros(3), a.withY(y)), a.y()).pullback()
                        .apply(Tensor.of(0.0, 1.0, 0.0)));
        assertContains(e.getMessage(), "adjoint");
        assertTrue(e.getMessage().contains("did not converge") || e.getMessage().contains("non-finite")
                || e.getMessage().contains("singular"), e.getMessage());
        assertNotNull(e.diagnostics());
        assertFalse(e.diagnostics().certified());
        // Under WARN a value comes back, and it is not NaN.
        BiFunction<Tensor, Args, Tensor> warn = ImplicitDiff.customRoot(RidgeFixtures::optimality,
                ImplicitCertificationTest::leastSquaresSolution,
                options(FailurePolicy.WARN).withSolver(LinearSolver.cg()));
        Tensor g = Autodiff.vjp((Tensor y) -> warn.apply(Tensor.zeros(3), a.withY(y)), a.y()).pullback()
                .apply(Tensor.of(0.0, 1.0, 0.0));
        RidgeFixtures.assertAllFinite(g.toArray(), "gradient under WARN");
        assertFalse(warnings().isEmpty());
        assertObservedUncertified();
    }

    @Test
    void modesNameTheirOperationAndSystemAndSummariesKeepTheirText() {
        assertEquals("vjp: optimality residual 1.000e-09 (tolerance 1.0e-06); no linear solve",
                new ImplicitDiagnostics(ImplicitDiagnostics.Mode.VJP, 1e-9, 1e-6, null).summary());
        assertEquals("rootJvp", ImplicitDiagnostics.Mode.JVP.operation());
        assertEquals("tangent", ImplicitDiagnostics.Mode.JVP.system());
        assertEquals("rootVjp", ImplicitDiagnostics.Mode.VJP.operation());
        assertEquals("adjoint", ImplicitDiagnostics.Mode.VJP.system());
    }
}
