package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.RidgeFixtures.Args;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.SolveFailedException;
import dev.argdiff.linalg.dense.Cholesky;
import dev.argdiff.linalg.dense.LU;
import dev.argdiff.linalg.dense.NotPositiveDefiniteException;
import dev.argdiff.linalg.dense.NotSymmetricException;
import dev.argdiff.linalg.dense.SingularMatrixException;
import dev.argdiff.tensor.ArgdiffFailure;
import dev.argdiff.tensor.NumericalFailureException;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;

import static dev.argdiff.implicit.ImplicitCertificationTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One exception family, and the certification policy honoured where a factorization fails: a
 * singular optimality Jacobian, or one wrongly declared symmetric.
 */
class FailurePolicyPathsTest {

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

    @Test
    void everyDeliberateFailureIsInTheFamily() {
        ShapeException shape = assertThrows(ShapeException.class, () -> Tensor.zeros(3).add(Tensor.zeros(4)));
        SingularMatrixException singular = assertThrows(SingularMatrixException.class,
                () -> LU.factor(new double[] {1, 2, 2, 4}, 2));
        NotPositiveDefiniteException indefinite = assertThrows(NotPositiveDefiniteException.class,
                () -> Cholesky.factor(new double[] {1, 2, 2, 1}, 2));
        NotSymmetricException asymmetric = assertThrows(NotSymmetricException.class,
                () -> Cholesky.factor(new double[] {2, 1, 0, 2}, 2));
        SolveFailedException solve = assertThrows(SolveFailedException.class, () -> LinearSolve.solve(
                LinearOperator.fromMatrix(Tensor.of(new double[][] {{1, 2}, {2, 4}})), Tensor.of(1.0, 1.0),
                LinearSolver.lu()));
        ImplicitDiffException certification = assertThrows(ImplicitDiffException.class, () -> Autodiff.grad(
                (Tensor y) -> ImplicitDiff.customRoot((Tensor w, Tensor t) -> w.sub(t), (Tensor w, Tensor t) -> t.add(1.0))
                        .apply(Tensor.zeros(2), y).sum()).apply(Tensor.of(1.0, 2.0)));
        for (RuntimeException e : List.of(shape, singular, indefinite, asymmetric, solve, certification)) {
            assertInstanceOf(ArgdiffFailure.class, e, e.getClass().getName());
        }
        // Numerical failures share a catchable class; blame on the caller's argument stays an IllegalArgumentException.
        for (RuntimeException e : List.of(singular, indefinite, solve, certification)) {
            assertInstanceOf(NumericalFailureException.class, e, e.getClass().getName());
        }
        assertInstanceOf(IllegalArgumentException.class, shape);
        assertInstanceOf(IllegalArgumentException.class, asymmetric);
        assertEquals("Cholesky.factor: matrix is not symmetric: a(1, 0) = 0.0 but a(0, 1) = 1.0", asymmetric.getMessage());
    }

    // ------------------------------------------------------------------ singular ∂ₓF under WARN / IGNORE

    /** d(Σw*)/dy of the least-squares solution that splits the duplicated feature: R(RᵀR)⁻¹(1, 1), R the distinct features. */
    private static double[] singularReference(Args a) {
        double[][] x = a.x().toArray2d();
        double[][] r = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            r[i] = new double[] {x[i][0], x[i][1]};
        }
        double[] z = PlainLinearAlgebra.solve(PlainLinearAlgebra.matmul(PlainLinearAlgebra.transpose(r), r), new double[] {1, 1});
        return PlainLinearAlgebra.matvec(r, z);
    }

    private Tensor singularGradient(FailurePolicy policy) {
        BiFunction<Tensor, Args, Tensor> sol = ImplicitDiff.customRoot(RidgeFixtures::optimality,
                ImplicitCertificationTest::leastSquaresSolution,
                ImplicitOptions.defaults().withPolicy(policy).withObserver(observed::add));
        Args a = ImplicitCertificationTest.duplicatedFeatureArgs();
        return Autodiff.grad((Tensor y) -> sol.apply(Tensor.zeros(3), a.withY(y)).sum()).apply(a.y());
    }

    @Test
    void singularJacobianWarnsAndFallsBackUnderWarn() {
        // Before: the LU failure threw ImplicitDiffException whatever the policy, and nothing was logged.
        Tensor g = singularGradient(FailurePolicy.WARN);
        // ∂ₓF is singular but Aᵀu = 1 is consistent (1 is orthogonal to the null space e₂ − e₃), and every solution u
        // gives the same uᵀB: GMRES returns the derivative of the split least-squares solution.
        double[] expected = singularReference(ImplicitCertificationTest.duplicatedFeatureArgs());
        double[] got = g.toArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 1e-8 * (1 + Math.abs(expected[i])), "entry " + i);
        }
        assertFalse(log.warnings().isEmpty(), "a warning under WARN");
        assertContains(log.warnings().get(0), "rootVjp", "singular", "Falling back to GMRES (policy WARN)");
        assertTrue(observed.stream().anyMatch(d -> !d.certified()), "the observer saw the failure: " + observed);
    }

    @Test
    void singularJacobianIsSilentButObservedUnderIgnore() {
        Tensor g = singularGradient(FailurePolicy.IGNORE);
        assertEquals(12, g.size());
        assertTrue(g.isFinite());
        assertTrue(log.warnings().isEmpty(), "no warning under IGNORE: " + log.warnings());
        assertTrue(observed.stream().anyMatch(d -> !d.certified()), "the observer saw the failure: " + observed);
    }

    // ------------------------------------------------------------------ Jacobian wrongly declared symmetric

    /** T(x, θ) = Mx + θc with M a nonsymmetric contraction: ∂ₓF = M − I is not symmetric. */
    private static final double[][] M = {{0.2, 0.5, 0.0}, {-0.1, 0.3, 0.4}, {0.0, -0.2, 0.1}};
    private static final double[] C = {1.0, -2.0, 0.5};

    private static BiFunction<Tensor, Tensor, Tensor> map() {
        Tensor m = Tensor.of(M);
        Tensor c = Tensor.of(C);
        return (x, theta) -> m.matmul(x).add(c.mul(theta));
    }

    private static double[][] iMinusM() {
        double[][] out = PlainLinearAlgebra.identity(3);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                out[i][j] -= M[i][j];
            }
        }
        return out;
    }

    /** x*(θ) = θ(I − M)⁻¹c, solved exactly. */
    private static Tensor exactSolver(Tensor init, Tensor theta) {
        return Tensor.of(PlainLinearAlgebra.solve(iMinusM(), C)).mul(theta);
    }

    @Test
    void wronglyDeclaredSymmetricIsACertificationFailure() {
        // Before: IllegalArgumentException "Cholesky.factor: matrix is not symmetric" from inside the linear solve.
        BiFunction<Tensor, Tensor, Tensor> sol = ImplicitDiff.customFixedPoint(map(),
                FailurePolicyPathsTest::exactSolver, ImplicitOptions.defaults().withSymmetric(true));
        ImplicitDiffException e = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.grad((Tensor t) -> sol.apply(Tensor.zeros(3), t).sum()).apply(Tensor.scalar(0.7)));
        assertContains(e.getMessage(), "rootVjp", "declared symmetric", "withSymmetric(true)", "not symmetric");
        assertInstanceOf(NotSymmetricException.class, e.getCause());
        ImplicitDiffException ef = assertThrows(ImplicitDiffException.class,
                () -> Autodiff.jvp((Tensor t) -> sol.apply(Tensor.zeros(3), t), Tensor.scalar(0.7), Tensor.scalar(1.0)));
        assertContains(ef.getMessage(), "rootJvp", "declared symmetric");
    }

    @Test
    void wronglyDeclaredSymmetricWarnsAndIsRightUnderWarn() {
        BiFunction<Tensor, Tensor, Tensor> sol = ImplicitDiff.customFixedPoint(map(),
                FailurePolicyPathsTest::exactSolver,
                ImplicitOptions.defaults().withSymmetric(true).withPolicy(FailurePolicy.WARN).withObserver(observed::add));
        double g = Autodiff.grad((Tensor t) -> sol.apply(Tensor.zeros(3), t).sum()).apply(Tensor.scalar(0.7)).item();
        double[] dx = PlainLinearAlgebra.solve(iMinusM(), C);
        assertEquals(dx[0] + dx[1] + dx[2], g, 1e-9);
        assertEquals(1, log.warnings().size(), log.warnings().toString());
        assertContains(log.warnings().get(0), "declared symmetric", "Falling back to GMRES (policy WARN)");
    }
}
