package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.gaussian;
import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.maxRelativeDifference;
import static dev.argdiff.linalg.LinalgFixtures.randomNonsymmetric;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.linalg.LinalgFixtures.relativeError;
import static dev.argdiff.testing.PlainLinearAlgebra.matvec;
import static dev.argdiff.testing.PlainLinearAlgebra.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Regressions of the linalg layer, each failing on the code before its fix: derivatives of
 * normal CG with a ridge, the preconditioner built for the system actually iterated on (normal
 * equations, solver ridge), stale POSITIVE_DEFINITE tags after a negative shift, and the
 * message of an unconverged Krylov solve.
 */
class LinearSolveRegressionTest {

    /**
     * Normal CG with ridge λ solves (AᵀA + λI)·x = Aᵀb, whose derivative has a term the rules of
     * A·x = b lack: dx = (AᵀA + λI)⁻¹(Aᵀ(db − dA·x) + dAᵀ(b − A·x)). Before the fix that term was
     * missing, so the derivative with respect to the operator was wrong whenever λ &gt; 0 (the
     * tangent was off by 73% here).
     */
    @Test
    void normalCgWithRidgeDifferentiatesTheRegularizedSystem() {
        int n = 5;
        double lambda = 0.5;
        double[][] a = randomNonsymmetric(49, n);
        double[] b = gaussianVector(50, n);
        double[][] at = transpose(a);
        double[][] normal = PlainLinearAlgebra.matmul(at, a);
        for (int i = 0; i < n; i++) {
            normal[i][i] += lambda;
        }
        double[] x = referenceSolve(normal, matvec(at, b));
        double[] ax = matvec(a, x);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = b[i] - ax[i];
        }
        LinearSolver solver = LinearSolver.normalCg().withRidge(lambda).withRtol(1e-12);
        Function<List<Tensor>, Tensor> f = in -> LinearSolve.solve(LinearOperator.fromMatrix(in.get(0)), in.get(1), solver);
        List<Tensor> point = List.of(Tensor.of(a), Tensor.of(b));

        double[][] da = gaussian(51, n, n);
        double[] db = gaussianVector(52, n);
        Autodiff.JvpResult<Tensor> jvp = Autodiff.jvp(f, point, List.of(Tensor.of(da), Tensor.of(db)));
        double[] daX = matvec(da, x);
        double[] dbMinusDaX = new double[n];
        for (int i = 0; i < n; i++) {
            dbMinusDaX[i] = db[i] - daX[i];
        }
        double[] rhs = matvec(at, dbMinusDaX);
        double[] daTr = matvec(transpose(da), r);
        for (int i = 0; i < n; i++) {
            rhs[i] += daTr[i];
        }
        assertClose(jvp.value().toArray(), x, 1e-9, "normal CG + ridge primal");
        assertClose(jvp.tangent().toArray(), referenceSolve(normal, rhs), 1e-9, "normal CG + ridge tangent");
        GradCheck.checkGrads(f, point, 2, new GradCheck.Options(1e-5, 1e-6, 1e-8, 5));
    }

    /**
     * For normal CG the preconditioner must approximate (AᵀA)⁻¹: Jacobi uses the diagonal of AᵀA
     * (the squared column norms), which is positive. Before the fix it used diag(A), so a negative
     * diagonal entry broke CG down ("the preconditioner is not positive definite"), and badly
     * scaled columns were only half corrected.
     */
    @Test
    void jacobiForNormalCgUsesTheDiagonalOfTheNormalEquations() {
        int n = 100;
        double[][] m = randomNonsymmetric(23, n);
        for (int i = 0; i < n; i++) {
            double scale = Math.pow(1e3, (double) i / (n - 1));
            for (int k = 0; k < n; k++) {
                m[k][i] *= scale;           // badly scaled columns: κ(AᵀA) ≈ 1e6·κ₀²
            }
        }
        m[3][3] = -m[3][3];
        double[] rhs = gaussianVector(24, n);
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(m));
        LinearSolver normalCg = LinearSolver.normalCg().withRtol(1e-10).withMaxiter(50 * n);
        SolveInfo plain = LinearSolve.solveWithInfo(op, Tensor.of(rhs), null, normalCg).info();
        LinearSolve.Solution<Tensor> jacobi = LinearSolve.solveWithInfo(op, Tensor.of(rhs), null,
                normalCg.withPreconditioner(Preconditioner.jacobi()));
        System.out.printf(Locale.ROOT, "normal CG, badly scaled columns, n = %d: %d iterations, with Jacobi %d%n",
                n, plain.iterations(), jacobi.info().iterations());
        assertTrue(jacobi.info().converged(), jacobi.info().summary());
        assertTrue(relativeError(jacobi.x().toArray(), referenceSolve(m, rhs)) <= 1e-6);
        assertTrue(5 * jacobi.info().iterations() <= plain.iterations(),
                "Jacobi " + jacobi.info().iterations() + " vs plain " + plain.iterations());
    }

    /**
     * Jacobi preconditions the system solved, A + ridge·I. Before the fix it took the diagonal of
     * A alone and refused a zero diagonal entry that the ridge makes nonzero.
     */
    @Test
    void jacobiIncludesTheSolverRidge() {
        Tensor m = Tensor.of(new double[][] {{0, 1, 0}, {1, 0, 1}, {0, 1, 0}});
        LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(LinearOperator.fromMatrix(m), Tensor.of(1, 2, 3), null,
                LinearSolver.cg().withRidge(3).withPreconditioner(Preconditioner.jacobi()));
        double[][] shifted = {{3, 1, 0}, {1, 3, 1}, {0, 1, 3}};
        assertTrue(s.info().converged(), s.info().summary());
        assertTrue(relativeError(s.x().toArray(), referenceSolve(shifted, new double[] {1, 2, 3})) <= 1e-10);
    }

    /**
     * A negative ridge can make a positive definite operator indefinite, so it drops that tag and
     * auto() no longer sends the system to Cholesky. Before the fix the tag was kept, and a
     * nonsingular indefinite system was refused ("cannot be solved by cholesky").
     */
    @Test
    void negativeRidgeDropsPositiveDefinite() {
        int n = 7;
        double[][] spd = LinalgFixtures.randomSpd(70, n);     // eigenvalues in about [1, 5]
        double[] v = gaussianVector(63, n);
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(spd)).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        assertEquals(Set.of(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), op.plusIdentity(0.5).tags());
        LinearOperator<Tensor> shifted = op.plusIdentity(-3);
        assertEquals(Set.of(Tag.SYMMETRIC), shifted.tags());
        assertEquals(Method.LU, Method.chosen(LinearSolver.auto(), shifted));
        double[][] expected = new double[n][];
        for (int i = 0; i < n; i++) {
            expected[i] = spd[i].clone();
            expected[i][i] -= 3;
        }
        double[] x = LinearSolve.solve(shifted, Tensor.of(v)).toArray();
        assertTrue(maxRelativeDifference(x, referenceSolve(expected, v)) <= 1e-10);
    }

    /** The message of an unconverged Krylov solve is its status, without a dangling ": " (it had one). */
    @Test
    void unconvergedMessageIsTheStatusAlone() {
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(LinalgFixtures.randomSpd(31, 50)));
        SolveInfo info = LinearSolve.solveWithInfo(op, Tensor.of(gaussianVector(32, 50)), null,
                LinearSolver.cg().withMaxiter(3).withFailurePolicy(FailurePolicy.IGNORE)).info();
        assertEquals("MAX_ITERATIONS", info.message());
        assertTrue(info.summary().endsWith("— MAX_ITERATIONS"), info.summary());
    }

    private static void assertClose(double[] actual, double[] expected, double tol, String what) {
        double d = maxRelativeDifference(actual, expected);
        assertTrue(d <= tol, String.format(Locale.ROOT, "%s: max relative difference %.3e > %.1e", what, d, tol));
    }
}
