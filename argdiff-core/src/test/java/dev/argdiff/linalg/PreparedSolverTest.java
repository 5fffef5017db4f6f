package dev.argdiff.linalg;

import dev.argdiff.linalg.dense.NotPositiveDefiniteException;
import dev.argdiff.linalg.dense.SingularMatrixException;
import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.needsSpd;
import static dev.argdiff.linalg.LinalgFixtures.randomNonsymmetric;
import static dev.argdiff.linalg.LinalgFixtures.randomSpd;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static dev.argdiff.linalg.LinalgFixtures.relativeError;
import static dev.argdiff.testing.PlainLinearAlgebra.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prepared-solver protocol, for every built-in method: one preparation solves several
 * right-hand sides and, transposed, the adjoint system, each against plain Gaussian elimination;
 * and {@link LinearSolver#reusing} hands the same preparation back only for the same operator at
 * equal parameter values and options.
 */
class PreparedSolverTest {

    private static final int N = 12;

    private static double[][] matrixFor(Method method) {
        return needsSpd(method) ? randomSpd(41, N) : randomNonsymmetric(42, N);
    }

    @ParameterizedTest
    @EnumSource(Method.class)
    void onePreparationSolvesManyRightHandSidesAndTheTransposedSystem(Method method) {
        double[][] a = matrixFor(method);
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(Tensor.of(a));
        if (needsSpd(method)) {
            op = op.withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
        }
        PreparedSolver p = method.solver().withRtol(1e-12).prepare(op);
        for (long seed = 1; seed <= 3; seed++) {
            double[] b = gaussianVector(seed, N);
            PreparedSolver.Result r = p.solve(b, null);
            assertEquals(SolveInfo.Status.CONVERGED, r.info().status(), r.info().summary());
            assertTrue(relativeError(r.x(), referenceSolve(a, b)) < 1e-9, method + " seed " + seed);
            PreparedSolver.Result t = p.transpose().solve(b, null);
            assertEquals(SolveInfo.Status.CONVERGED, t.info().status(), t.info().summary());
            assertTrue(relativeError(t.x(), referenceSolve(transpose(a), b)) < 1e-9, method + " transposed, seed " + seed);
        }
        double[] b = gaussianVector(9, N);
        assertTrue(relativeError(p.transpose().transpose().solve(b, null).x(), referenceSolve(a, b)) < 1e-9);
    }

    @Test
    void aNullOperatorIsRefused() {
        for (Method m : Method.values()) {
            assertEquals("LinearSolver.prepare: operator is null",
                    assertThrows(IllegalArgumentException.class, () -> m.solver().prepare(null)).getMessage(), m.name());
            assertEquals("LinearSolver.prepare: operator is null", assertThrows(IllegalArgumentException.class,
                    () -> LinearSolver.reusing(m.solver()).prepare(null)).getMessage(), m.name());
        }
    }

    @Test
    void aMatrixThatCannotBeFactoredFailsAtPreparation() {
        double[][] singular = {{1, 2}, {2, 4}};
        assertThrows(SingularMatrixException.class,
                () -> LinearSolver.lu().prepare(LinearOperator.fromMatrix(Tensor.of(singular))));
        double[][] indefinite = {{1, 0}, {0, -1}};
        assertThrows(NotPositiveDefiniteException.class,
                () -> LinearSolver.cholesky().prepare(LinearOperator.fromMatrix(Tensor.of(indefinite))));
        // Through LinearSolve the status names the cause, for callers that branch on it.
        List<SolveInfo> seen = new ArrayList<>();
        assertThrows(SolveFailedException.class, () -> LinearSolve.solve(LinearOperator.fromMatrix(Tensor.of(indefinite)),
                Tensor.of(1, 1), LinearSolver.cholesky().withObserver(seen::add)));
        assertEquals(SolveInfo.Status.NOT_POSITIVE_DEFINITE, seen.get(0).status());
        seen.clear();
        assertThrows(SolveFailedException.class, () -> LinearSolve.solve(LinearOperator.fromMatrix(Tensor.of(singular)),
                Tensor.of(1, 1), LinearSolver.lu().withObserver(seen::add)));
        assertEquals(SolveInfo.Status.SINGULAR, seen.get(0).status());
    }

    @Test
    void krylovFailuresCarryTheirStatus() {
        List<SolveInfo> seen = new ArrayList<>();
        double[][] a = randomSpd(5, 50);
        LinearSolve.solveWithInfo(LinearOperator.fromMatrix(Tensor.of(a)), Tensor.of(gaussianVector(6, 50)), null,
                LinearSolver.cg().withMaxiter(2).withFailurePolicy(FailurePolicy.IGNORE).withObserver(seen::add));
        assertEquals(SolveInfo.Status.MAX_ITERATIONS, seen.get(0).status());
        assertTrue(seen.get(0).message().startsWith("MAX_ITERATIONS"), "the message stays readable");
        seen.clear();
        double[][] indefinite = {{1, 0}, {0, -1}};
        LinearSolve.solveWithInfo(LinearOperator.fromMatrix(Tensor.of(indefinite)), Tensor.of(1, 1), null,
                LinearSolver.cg().withFailurePolicy(FailurePolicy.IGNORE).withObserver(seen::add));
        assertEquals(SolveInfo.Status.BREAKDOWN, seen.get(0).status());
    }

    /** A solver counting its preparations: the protocol is open to implementations outside the library. */
    private record Counting(LinearSolver inner, AtomicInteger prepares) implements LinearSolver {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Options options() {
            return inner.options();
        }

        @Override
        public LinearSolver with(Options options) {
            return new Counting(inner.with(options), prepares);
        }

        @Override
        public PreparedSolver prepare(LinearOperator<?> operator) {
            prepares.incrementAndGet();
            return inner.prepare(operator);
        }
    }

    @Test
    void aDelegatingNormalCgWithARidgeIsDifferentiatedAsTheNormalEquations() {
        // The wrapper forwards name() but not select(). x solves (AᵀA + λI)·x = Aᵀb, so its tangent is
        // (AᵀA + λI)⁻¹(Aᵀ(db − dA·x) + dAᵀ·r) with r = b − A·x; the rule of A·x = b would miss dAᵀ·r.
        int n = 6;
        double lambda = 0.7;
        double[][] a = randomNonsymmetric(61, n);
        double[][] at = transpose(a);
        double[][] normal = PlainLinearAlgebra.matmul(at, a);
        for (int i = 0; i < n; i++) {
            normal[i][i] += lambda;
        }
        double[] b = gaussianVector(62, n);
        double[] db = gaussianVector(63, n);
        double[][] da = LinalgFixtures.gaussian(64, n, n);
        double[] x = referenceSolve(normal, PlainLinearAlgebra.matvec(at, b));
        double[] ax = PlainLinearAlgebra.matvec(a, x);
        double[] dax = PlainLinearAlgebra.matvec(da, x);
        double[] r = new double[n];
        double[] dbMinusDax = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = b[i] - ax[i];
            dbMinusDax[i] = db[i] - dax[i];
        }
        double[] rhs = PlainLinearAlgebra.matvec(at, dbMinusDax);
        double[] daTr = PlainLinearAlgebra.matvec(transpose(da), r);
        for (int i = 0; i < n; i++) {
            rhs[i] += daTr[i];
        }
        LinearSolver wrapped = new Counting(LinearSolver.normalCg().withRidge(lambda).withRtol(1e-12), new AtomicInteger());
        dev.argdiff.ad.Autodiff.JvpResult<Tensor> jvp = dev.argdiff.ad.Autodiff.jvp(
                (List<Tensor> in) -> LinearSolve.solve(LinearOperator.fromMatrix(in.get(0)), in.get(1), wrapped),
                List.of(Tensor.of(a), Tensor.of(b)), List.of(Tensor.of(da), Tensor.of(db)));
        assertTrue(relativeError(jvp.value().toArray(), x) < 1e-9);
        assertTrue(relativeError(jvp.tangent().toArray(), referenceSolve(normal, rhs)) < 1e-8);
    }

    @Test
    void reusingHandsBackThePreparationOnlyForTheSameOperatorValuesAndOptions() {
        double[][] a = randomNonsymmetric(7, N);
        Tensor m = Tensor.of(a);
        LinearOperator<Tensor> op = LinearOperator.fromMatrix(m);
        AtomicInteger prepares = new AtomicInteger();
        LinearSolver reusing = LinearSolver.reusing(new Counting(LinearSolver.lu(), prepares));

        PreparedSolver first = reusing.prepare(op);
        assertSame(first, reusing.prepare(op));
        assertSame(first, reusing.prepare(op.withParams(Tensor.of(a))), "equal values, another tensor");
        assertSame(first, reusing.withObserver(info -> { }).withFailurePolicy(FailurePolicy.WARN).prepare(op),
                "policy and observer act after the solve");
        assertEquals(1, prepares.get());

        double[] b = gaussianVector(8, N);
        PreparedSolver t = reusing.prepare(op.transpose());
        assertEquals(1, prepares.get(), "the transpose reuses the factors");
        assertTrue(relativeError(t.solve(b, null).x(), referenceSolve(transpose(a), b)) < 1e-10);

        double[][] other = randomNonsymmetric(9, N);
        PreparedSolver changed = reusing.prepare(op.withParams(Tensor.of(other)));
        assertEquals(2, prepares.get(), "other parameter values");
        assertTrue(relativeError(changed.solve(b, null).x(), referenceSolve(other, b)) < 1e-10);

        reusing.prepare(op);
        assertEquals(3, prepares.get(), "only the last preparation is remembered");
        assertNotSame(first, reusing.withRtol(1e-6).prepare(op));
        assertEquals(4, prepares.get(), "another tolerance");
        reusing.withRidge(0.5).prepare(op);
        assertEquals(5, prepares.get(), "another ridge");
        reusing.prepare(op.withTags(Tag.POSITIVE_DEFINITE));
        assertEquals(6, prepares.get(), "other tags (they may change what auto selects)");
        reusing.prepare(op.plusIdentity(2.0));
        assertEquals(7, prepares.get(), "another shift is another operator");
    }
}
