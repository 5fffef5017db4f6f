package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.randomSpd;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.linalg.LinalgFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link LinearSolver#auto()} picks what its Javadoc promises: a dense factorization up to
 * {@link LinearSolver#DENSE_MAX_SIZE} unknowns (Cholesky when tagged symmetric positive
 * definite, LU otherwise), then CG when tagged symmetric positive definite, GMRES otherwise; the
 * dense limit is {@link LinearSolver#DENSE_MAX_SIZE} for explicit matrices and
 * {@link LinearSolver#DENSE_MAX_SIZE_MATRIX_FREE} for matrix-free operators.
 */
class LinearSolverAutoTest {

    private static LinearOperator<Tensor> identityOfSize(int n, Tag... tags) {
        return LinearOperator.fromMatvec((Tensor v) -> v, Tensor.zeros(n)).withTags(tags);
    }

    private static LinearOperator<Tensor> identityMatrix(int n, Tag... tags) {
        return LinearOperator.fromMatrix(Tensor.eye(n)).withTags(tags);
    }

    @Test
    void denseMaxSizesAreTheDocumentedBoundaries() {
        assertEquals(200, LinearSolver.DENSE_MAX_SIZE);
        assertEquals(20, LinearSolver.DENSE_MAX_SIZE_MATRIX_FREE);
    }

    @Test
    void smallUntaggedUsesLu() {
        assertEquals(Method.LU, Method.chosen(LinearSolver.auto(), identityOfSize(1)));
        assertEquals(Method.LU, Method.chosen(LinearSolver.auto(), identityOfSize(5)));
        assertEquals(Method.LU, Method.chosen(LinearSolver.auto(), identityOfSize(LinearSolver.DENSE_MAX_SIZE_MATRIX_FREE)));
        assertEquals(Method.LU, Method.chosen(LinearSolver.auto(), identityMatrix(LinearSolver.DENSE_MAX_SIZE)));
    }

    @Test
    void matrixFreeOperatorsAboveTheirDenseLimitUseKrylov() {
        assertEquals(Method.GMRES, Method.chosen(LinearSolver.auto(),
                identityOfSize(LinearSolver.DENSE_MAX_SIZE_MATRIX_FREE + 1)));
        assertEquals(Method.CG, Method.chosen(LinearSolver.auto(),
                identityOfSize(LinearSolver.DENSE_MAX_SIZE, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE)));
        assertEquals(Method.GMRES, Method.chosen(LinearSolver.auto(), identityMatrix(LinearSolver.DENSE_MAX_SIZE + 1)));
    }

    @Test
    void smallSymmetricPositiveDefiniteUsesCholesky() {
        assertEquals(Method.CHOLESKY,
                Method.chosen(LinearSolver.auto(), identityOfSize(5, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE)));
        assertEquals(Method.CHOLESKY, Method.chosen(LinearSolver.auto(),
                identityMatrix(LinearSolver.DENSE_MAX_SIZE, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE)));
    }

    @Test
    void oneTagAloneIsNotEnoughForCholeskyOrCg() {
        assertEquals(Method.LU, Method.chosen(LinearSolver.auto(), identityOfSize(5, Tag.SYMMETRIC)));
        assertEquals(Method.LU, Method.chosen(LinearSolver.auto(), identityOfSize(5, Tag.POSITIVE_DEFINITE)));
        assertEquals(Method.GMRES, Method.chosen(LinearSolver.auto(), identityOfSize(201, Tag.SYMMETRIC)));
        assertEquals(Method.GMRES, Method.chosen(LinearSolver.auto(), identityOfSize(201, Tag.POSITIVE_DEFINITE)));
    }

    @Test
    void largeUntaggedUsesGmres() {
        assertEquals(Method.GMRES, Method.chosen(LinearSolver.auto(), identityOfSize(LinearSolver.DENSE_MAX_SIZE + 1)));
        assertEquals(Method.GMRES, Method.chosen(LinearSolver.auto(), identityOfSize(5000)));
    }

    @Test
    void largeSymmetricPositiveDefiniteUsesCg() {
        assertEquals(Method.CG, Method.chosen(LinearSolver.auto(),
                identityOfSize(LinearSolver.DENSE_MAX_SIZE + 1, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE)));
    }

    @Test
    void tagsSurvivePlusIdentityAndTranspose() {
        LinearOperator<Tensor> op = identityOfSize(300, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        assertEquals(Method.CG, Method.chosen(LinearSolver.auto(), op.plusIdentity(1.0)));
        assertEquals(Method.CG, Method.chosen(LinearSolver.auto(), op.transpose()));
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = "AUTO", mode = EnumSource.Mode.EXCLUDE)
    void aFixedMethodIsKeptWhateverTheTags(Method method) {
        LinearSolver s = LinalgFixtures.solverFor(method);
        assertEquals(method, Method.chosen(s, identityOfSize(3)));
        assertEquals(method, Method.chosen(s, identityOfSize(3, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE)));
        assertEquals(method, Method.chosen(s, identityOfSize(500)));
    }

    /** The choice is not only reported but used: SolveInfo names the method that ran. */
    @Test
    void theChosenMethodIsTheOneThatRuns() {
        int small = 50;
        int large = 260;
        double[][] a = randomSpd(3, large);
        double[] b = gaussianVector(4, large);
        Tensor m = Tensor.of(a);
        LinearOperator<Tensor> spdLarge = LinearOperator.fromMatrix(m).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        LinearOperator<Tensor> plainLarge = LinearOperator.fromMatrix(m);
        Tensor mSmall = m.slice(0, 0, small).slice(1, 0, small);
        LinearOperator<Tensor> spdSmall = LinearOperator.fromMatrix(mSmall).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        LinearOperator<Tensor> plainSmall = LinearOperator.fromMatrix(mSmall);

        assertEquals("ConjugateGradient", run(spdLarge, b).method());
        assertEquals("Gmres(restart=20)", run(plainLarge, b).method());
        double[] bSmall = java.util.Arrays.copyOf(b, small);
        assertEquals("cholesky", run(spdSmall, bSmall).method());
        assertEquals("lu", run(plainSmall, bSmall).method());

        double[] x = LinearSolve.solve(spdLarge, Tensor.of(b)).toArray();
        assertTrue(relativeError(x, referenceSolve(a, b)) < 1e-8);
    }

    private static SolveInfo run(LinearOperator<Tensor> op, double[] b) {
        SolveInfo info = LinearSolve.solveWithInfo(op, Tensor.of(b), null, LinearSolver.auto()).info();
        assertTrue(info.converged(), info.summary());
        return info;
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        LinearSolver s = LinearSolver.auto();
        assertEquals(Method.AUTO, Method.of(s));
        assertEquals(1e-10, s.options().rtol());
        assertEquals(0.0, s.options().atol());
        assertNull(s.options().maxiter(), "null: 10·n, as KrylovOptions");
        assertEquals(0.0, s.options().ridge());
        assertEquals(20, s.options().restart());
        assertEquals(FailurePolicy.THROW, s.options().policy());
    }

    @Test
    void badOptionsAreRefused() {
        assertEquals("LinearSolver.withMaxiter: maxiter must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> LinearSolver.cg().withMaxiter(0)).getMessage());
        assertEquals("LinearSolver.withRtol: rtol must be finite and >= 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> LinearSolver.cg().withRtol(Double.NaN)).getMessage());
        assertEquals("LinearSolver.withRidge: ridge must be finite and >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> LinearSolver.cg().withRidge(-1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearSolver.gmres().withRestart(0));
        assertThrows(IllegalArgumentException.class, () -> LinearSolver.cg().withPreconditioner(null));
        assertThrows(IllegalArgumentException.class, () -> LinearSolver.cg().withFailurePolicy(null));
    }
}
