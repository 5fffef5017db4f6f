package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.flat;
import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.randomNonsymmetric;
import static dev.argdiff.linalg.LinalgFixtures.randomSpd;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.linalg.LinalgFixtures.relativeError;
import static dev.argdiff.linalg.LinalgFixtures.relativeResidual;
import static dev.argdiff.linalg.LinalgFixtures.solverFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every method of {@link LinearSolve#solveWithInfo} on random n = 200 systems, against an
 * independent Gaussian elimination and an explicitly recomputed residual: all agree to 1e-10
 * relative when asked for rtol 1e-12.
 */
class LinearSolveAccuracyTest {

    private static final int N = 200;
    private static final double RTOL = 1e-12;
    private static final double AGREE = 1e-10;

    private static double[][] spd;
    private static double[][] nonsym;
    private static double[] b;
    private static double[] xSpd;
    private static double[] xNonsym;

    @BeforeAll
    static void systems() {
        spd = randomSpd(11, N);
        nonsym = randomNonsymmetric(12, N);
        b = gaussianVector(13, N);
        xSpd = referenceSolve(spd, b);
        xNonsym = referenceSolve(nonsym, b);
    }

    private static LinearSolve.Solution<Tensor> solve(double[][] a, Method method, Tag... tags) {
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(a)).withTags(tags);
        LinearSolver solver = solverFor(method).withRtol(RTOL);
        return LinearSolve.solveWithInfo(op, Tensor.of(b), null, solver);
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"CG", "NORMAL_CG", "GMRES", "BICGSTAB", "LU", "CHOLESKY"})
    void spdSystemMatchesReference(Method method) {
        LinearSolve.Solution<Tensor> s = solve(spd, method, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        double[] x = s.x().toArray();
        SolveInfo info = s.info();
        System.out.println("SPD n=200, " + method + ": " + info.summary());
        assertTrue(info.converged(), info.summary());
        assertEquals(N, info.size());
        assertEquals(RTOL, info.tolerance());
        assertTrue(relativeResidual(spd, x, b) <= AGREE, "residual " + relativeResidual(spd, x, b));
        assertTrue(relativeError(x, xSpd) <= AGREE, "error " + relativeError(x, xSpd));
        if (method != Method.NORMAL_CG) {
            // The reported residual is the true one, recomputed: it agrees with ours. (Normal CG reports the
            // residual of AᵀA·x = Aᵀb, the system it solves.)
            assertEquals(relativeResidual(spd, x, b), info.relativeResidual(), 1e-3 * RTOL);
            assertTrue(info.relativeResidual() <= RTOL, info.summary());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"NORMAL_CG", "GMRES", "BICGSTAB", "LU"})
    void nonsymmetricSystemMatchesReference(Method method) {
        LinearSolve.Solution<Tensor> s = solve(nonsym, method);
        double[] x = s.x().toArray();
        System.out.println("nonsymmetric n=200, " + method + ": " + s.info().summary());
        assertTrue(s.info().converged(), s.info().summary());
        assertTrue(relativeResidual(nonsym, x, b) <= AGREE, "residual " + relativeResidual(nonsym, x, b));
        assertTrue(relativeError(x, xNonsym) <= AGREE, "error " + relativeError(x, xNonsym));
    }

    @Test
    void allMethodsAgreeWithEachOther() {
        Map<Method, double[]> xs = new EnumMap<>(Method.class);
        for (Method m : new Method[] {Method.CG, Method.NORMAL_CG, Method.GMRES, Method.BICGSTAB, Method.LU,
                Method.CHOLESKY}) {
            xs.put(m, solve(spd, m, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE).x().toArray());
        }
        for (Map.Entry<Method, double[]> p : xs.entrySet()) {
            for (Map.Entry<Method, double[]> q : xs.entrySet()) {
                double d = relativeError(p.getValue(), q.getValue());
                assertTrue(d <= AGREE, String.format(Locale.ROOT, "%s vs %s: %.3e", p.getKey(), q.getKey(), d));
            }
        }
    }

    @Test
    void directMethodsReportOneStepAndTheirName() {
        SolveInfo lu = solve(nonsym, Method.LU).info();
        SolveInfo chol = solve(spd, Method.CHOLESKY, Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE).info();
        assertEquals("lu", lu.method());
        assertEquals("cholesky", chol.method());
        assertEquals(1, lu.iterations());
        assertEquals(1, chol.iterations());
    }

    @Test
    void exactInitialGuessConvergesInZeroIterations() {
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(spd));
        LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(op, Tensor.of(b), Tensor.of(xSpd),
                LinearSolver.cg().withRtol(1e-10));
        assertTrue(s.info().converged(), s.info().summary());
        assertEquals(0, s.info().iterations());
        assertTrue(relativeError(s.x().toArray(), xSpd) <= 1e-13);
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"CG", "GMRES", "BICGSTAB", "LU", "CHOLESKY"})
    void ridgeSolvesTheShiftedSystem(Method method) {
        double ridge = 0.75;
        double[][] shifted = new double[N][N];
        for (int i = 0; i < N; i++) {
            shifted[i] = spd[i].clone();
            shifted[i][i] += ridge;
        }
        double[] expected = referenceSolve(shifted, b);
        LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(LinearOperator.fromMatrix(Tensor.of(spd)),
                Tensor.of(b), null, solverFor(method).withRtol(RTOL).withRidge(ridge));
        assertTrue(s.info().converged(), s.info().summary());
        assertTrue(relativeError(s.x().toArray(), expected) <= AGREE, method + ": " + relativeError(s.x().toArray(), expected));
        // plusIdentity on the operator is the same system
        LinearSolve.Solution<Tensor> t = LinearSolve.solveWithInfo(
                LinearOperator.fromMatrix(Tensor.of(spd)).plusIdentity(ridge), Tensor.of(b), null,
                solverFor(method).withRtol(RTOL));
        assertTrue(relativeError(t.x().toArray(), expected) <= AGREE, method + ": " + relativeError(t.x().toArray(), expected));
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void emptyScalarAndZeroRightHandSideSystems(Method method) {
        LinearSolver solver = solverFor(method);
        LinearSolve.Solution<Tensor> empty = LinearSolve.solveWithInfo(LinearOperator.fromMatrix(Tensor.zeros(0, 0)),
                Tensor.zeros(0), null, solver);
        assertEquals(0, empty.x().size());
        assertTrue(empty.info().converged(), empty.info().summary());

        // a 0-d unknown: 3·x = 6, and d x / d a = −b / a² = −2/3 for the operator x ↦ a·x
        LinearOperator<Tensor> scalar = LinearOperator.fromMatvec(Tensor.scalar(3), (Tensor a, Tensor x) -> x.mul(a),
                Tensor.scalar(0)).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        Tensor x = LinearSolve.solve(scalar, Tensor.scalar(6), solver);
        assertEquals(0, x.rank());
        assertEquals(2.0, x.item(), 1e-14);
        double g = dev.argdiff.ad.Autodiff.grad((Tensor a) -> LinearSolve.solve(scalar.withParams(a), Tensor.scalar(6), solver))
                .apply(Tensor.scalar(3)).item();
        assertEquals(-2.0 / 3, g, 1e-14);

        LinearSolve.Solution<Tensor> zero = LinearSolve.solveWithInfo(LinearOperator.fromMatrix(Tensor.of(spd))
                .withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), Tensor.zeros(N), null, solver);
        assertTrue(zero.info().converged(), zero.info().summary());
        assertEquals(0.0, PlainLinearAlgebra.norm(zero.x().toArray()));
    }

    @Test
    void matrixFreeOperatorMatchesMatrixOperator() {
        Tensor m = Tensor.of(flat(nonsym)).reshape(N, N);
        LinearOperator<Tensor> op = LinearOperator.fromMatvec(v -> m.matmul(v), Tensor.zeros(N));
        for (Method method : new Method[] {Method.GMRES, Method.BICGSTAB, Method.LU, Method.NORMAL_CG}) {
            LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(op, Tensor.of(b), null,
                    solverFor(method).withRtol(RTOL));
            assertTrue(s.info().converged(), s.info().summary());
            assertTrue(relativeError(s.x().toArray(), xNonsym) <= AGREE, method + ": " + relativeError(s.x().toArray(), xNonsym));
        }
    }
}
