package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.badlyScaledSpd;
import static dev.argdiff.linalg.LinalgFixtures.flat;
import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.linalg.LinalgFixtures.relativeError;
import static dev.argdiff.linalg.LinalgFixtures.relativeResidual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.linalg.dense.SymmetricEigen;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Locale;

/**
 * Jacobi preconditioning on a badly scaled SPD system (κ ≥ 1e6): CG converges in far fewer
 * iterations, to the same solution, whether the diagonal is read from a matrix or extracted
 * from a matrix-free operator.
 */
class PreconditionerTest {

    private static final int N = 200;
    private static final double RTOL = 1e-10;

    private static double[][] a;
    private static double[] b;
    private static double[] reference;
    private static double condition;

    @BeforeAll
    static void system() {
        a = badlyScaledSpd(21, N, 1e6);
        b = gaussianVector(22, N);
        reference = referenceSolve(a, b);
        double[] eig = SymmetricEigen.eigenvaluesOf(flat(a), N);
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (double e : eig) {
            lo = Math.min(lo, e);
            hi = Math.max(hi, e);
        }
        condition = hi / lo;
    }

    private static SolveInfo solveCg(LinearOperator<Tensor> op, Preconditioner pre) {
        LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(op, Tensor.of(b), null,
                LinearSolver.cg().withRtol(RTOL).withMaxiter(50 * N).withPreconditioner(pre));
        assertTrue(s.info().converged(), s.info().summary());
        assertTrue(relativeResidual(a, s.x().toArray(), b) <= 1.01 * RTOL);
        // the forward error is bounded by κ·(relative residual)
        assertTrue(relativeError(s.x().toArray(), reference) <= condition * 1.01 * RTOL);
        return s.info();
    }

    @Test
    void systemIsBadlyConditioned() {
        assertTrue(condition >= 1e6, "condition number " + condition);
    }

    @Test
    void jacobiCutsCgIterationsOnAMatrix() {
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(a)).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        SolveInfo plain = solveCg(op, Preconditioner.none());
        SolveInfo jacobi = solveCg(op, Preconditioner.jacobi());
        System.out.printf(Locale.ROOT, "κ = %.2e, n = %d: CG %d iterations, Jacobi-preconditioned CG %d iterations%n",
                condition, N, plain.iterations(), jacobi.iterations());
        assertTrue(10 * jacobi.iterations() <= plain.iterations(),
                "Jacobi " + jacobi.iterations() + " vs plain " + plain.iterations());
    }

    @Test
    void jacobiOnAMatrixFreeOperatorExtractsTheSameDiagonal() {
        Tensor m = Tensor.of(a);
        LinearOperator<Tensor> matrixFree = LinearOperator.fromMatvec(v -> m.matmul(v), Tensor.zeros(N));
        assertEquals(0.0, LinalgFixtures.maxRelativeDifference(matrixFree.diagonal(),
                LinearOperator.fromMatrix(m).diagonal()));
        SolveInfo fromMatrix = solveCg(LinearOperator.fromMatrix(m), Preconditioner.jacobi());
        SolveInfo fromMatvec = solveCg(matrixFree, Preconditioner.jacobi());
        assertEquals(fromMatrix.iterations(), fromMatvec.iterations());
    }

    @Test
    void userPreconditionersMatchJacobi() {
        double[] inv = new double[N];
        for (int i = 0; i < N; i++) {
            inv[i] = 1.0 / a[i][i];
        }
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(a));
        int jacobi = solveCg(op, Preconditioner.jacobi()).iterations();
        int flatArray = solveCg(op, Preconditioner.of(x -> {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = inv[i] * x[i];
            }
            return y;
        })).iterations();
        Tensor invDiag = Tensor.of(inv);
        int asOperator = solveCg(op, Preconditioner.ofOperator(
                LinearOperator.fromMatvec((Tensor v) -> v.mul(invDiag), Tensor.zeros(N)))).iterations();
        assertEquals(jacobi, flatArray);
        assertEquals(jacobi, asOperator);
    }

    @Test
    void jacobiHelpsGmresToo() {
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(a));
        LinearSolver gmres = LinearSolver.gmres().withRtol(RTOL).withMaxiter(20 * N)
                .withFailurePolicy(FailurePolicy.IGNORE);
        SolveInfo plain = LinearSolve.solveWithInfo(op, Tensor.of(b), null, gmres).info();
        SolveInfo jacobi = LinearSolve.solveWithInfo(op, Tensor.of(b), null,
                gmres.withPreconditioner(Preconditioner.jacobi())).info();
        System.out.println("GMRES(20): plain " + plain.summary() + "; Jacobi " + jacobi.summary());
        assertTrue(jacobi.converged(), jacobi.summary());
        assertTrue(!plain.converged() || 5 * jacobi.iterations() <= plain.iterations(),
                "Jacobi " + jacobi.iterations() + " vs plain " + plain.iterations());
    }

    @Test
    void nullPreconditionersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Preconditioner.of(null));
        assertThrows(IllegalArgumentException.class, () -> Preconditioner.ofOperator(null));
    }
}
