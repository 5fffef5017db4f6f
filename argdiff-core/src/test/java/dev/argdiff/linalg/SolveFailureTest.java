package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.randomSpd;
import static dev.argdiff.linalg.LinalgFixtures.referenceSolve;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What a solve does when it fails: the three {@link FailurePolicy} choices for a solve that
 * runs out of iterations, singular and indefinite systems in the dense factorizations, and
 * bad right-hand sides refused at the boundary.
 */
class SolveFailureTest {

    private static final int N = 200;
    private static final int MAXITER = 3;

    private final LinearOperator<Tensor> spd = LinearOperator.fromMatrix(Tensor.of(randomSpd(31, N)))
            .withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
    private final Tensor b = Tensor.of(gaussianVector(32, N));

    // A strong reference: java.util.logging holds its loggers weakly.
    private Logger julLogger;
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        julLogger = Logger.getLogger("dev.argdiff.linalg");
        julLogger.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        julLogger.removeHandler(capture);
    }

    // ------------------------------------------------------------------ too few iterations

    @Test
    void ignoreReturnsTheUnconvergedResultWithItsDiagnostics() {
        LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(spd, b, null,
                LinearSolver.cg().withMaxiter(MAXITER).withFailurePolicy(FailurePolicy.IGNORE));
        SolveInfo info = s.info();
        assertFalse(info.converged());
        assertEquals(MAXITER, info.iterations());
        assertTrue(info.relativeResidual() > info.tolerance(), info.summary());
        assertTrue(info.message().startsWith("MAX_ITERATIONS"), info.message());
        assertTrue(info.summary().contains("NOT converged after 3 iterations"), info.summary());
        assertTrue(s.x().isFinite());
        assertTrue(records.isEmpty(), "IGNORE must not log");
    }

    @Test
    void throwIsTheDefaultAndNamesResidualAndIterations() {
        for (LinearSolver solver : List.of(LinearSolver.cg(), LinearSolver.gmres(), LinearSolver.bicgstab(),
                LinearSolver.normalCg())) {
            assertEquals(FailurePolicy.THROW, solver.options().policy());
            SolveFailedException e = assertThrows(SolveFailedException.class,
                    () -> LinearSolve.solve(spd, b, solver.withMaxiter(MAXITER)));
            String m = e.getMessage();
            assertTrue(m.startsWith("solve: "), m);
            assertTrue(m.contains("NOT converged after 3 iterations"), m);
            assertTrue(m.contains("relative residual"), m);
            assertTrue(m.contains("tolerance 1.0e-10"), m);
            assertTrue(m.contains("n=200"), m);
            assertNotNull(e.info());
            assertFalse(e.info().converged());
            assertEquals(MAXITER, e.info().iterations());
            assertTrue(m.contains(String.format(java.util.Locale.ROOT, "%.3e", e.info().relativeResidual())), m);
        }
    }

    @Test
    void warnLogsAWarningAndReturnsTheResult() {
        LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(spd, b, null,
                LinearSolver.cg().withMaxiter(MAXITER).withFailurePolicy(FailurePolicy.WARN));
        assertFalse(s.info().converged());
        assertEquals(1, records.size(), "one warning expected, got " + records.size());
        LogRecord r = records.get(0);
        assertEquals(Level.WARNING, r.getLevel());
        assertEquals("dev.argdiff.linalg", r.getLoggerName());
        assertTrue(r.getMessage().contains("NOT converged after 3 iterations"), r.getMessage());
        assertTrue(r.getMessage().contains("relative residual"), r.getMessage());
    }

    @Test
    void convergedSolveDoesNotLog() {
        LinearSolve.solveWithInfo(spd, b, null, LinearSolver.cg().withFailurePolicy(FailurePolicy.WARN));
        assertTrue(records.isEmpty());
    }

    /**
     * A primal solve started at its solution converges at once; the adjoint solve of its gradient
     * starts at zero and cannot converge in 3 iterations. The wrong gradient is not returned.
     */
    @Test
    void anUnconvergedAdjointSolveThrowsToo() {
        double[][] a = randomSpd(31, N);
        Tensor exact = Tensor.of(referenceSolve(a, b.toArray()));
        LinearSolver solver = LinearSolver.cg().withMaxiter(MAXITER);
        assertTrue(LinearSolve.solveWithInfo(spd, b, exact, solver).info().converged());
        SolveFailedException e = assertThrows(SolveFailedException.class, () -> Autodiff.grad(
                (Tensor bb) -> LinearSolve.solveWithInfo(spd, bb, exact, solver).x().sum()).apply(b));
        assertTrue(e.getMessage().contains("NOT converged after 3 iterations"), e.getMessage());
    }

    // ------------------------------------------------------------------ singular dense systems

    @Test
    void singularMatrixInLu() {
        Tensor singular = Tensor.of(new double[][] {
                {1, 2, 3},
                {4, 5, 6},
                {5, 7, 9}});          // row 3 = row 1 + row 2
        List<SolveInfo> seen = new ArrayList<>();
        SolveFailedException e = assertThrows(SolveFailedException.class, () -> LinearSolve.solve(
                LinearOperator.fromMatrix(singular), Tensor.of(1, 2, 3), LinearSolver.lu().withObserver(seen::add)));
        String m = e.getMessage();
        assertTrue(m.startsWith("solve: the system LinearOperator(matrix, n=3, tags=[]) cannot be solved by lu: "), m);
        assertTrue(m.contains("LU.factor: matrix is singular"), m);
        assertFalse(e.info().converged());
        assertEquals(1, seen.size());
        assertFalse(seen.get(0).converged());
        assertTrue(seen.get(0).message().contains("singular"), seen.get(0).message());
    }

    @Test
    void exactlySingularMatrixInLu() {
        Tensor zeroColumn = Tensor.of(new double[][] {{1, 0}, {2, 0}});
        SolveFailedException e = assertThrows(SolveFailedException.class,
                () -> LinearSolve.solve(LinearOperator.fromMatrix(zeroColumn), Tensor.of(1, 1), LinearSolver.lu()));
        assertTrue(e.getMessage().contains("cannot be solved by lu"), e.getMessage());
        assertTrue(e.getMessage().contains("singular"), e.getMessage());
    }

    @Test
    void indefiniteMatrixInCholesky() {
        Tensor indefinite = Tensor.of(new double[][] {{2, 0, 0}, {0, -1, 0}, {0, 0, 3}});
        SolveFailedException e = assertThrows(SolveFailedException.class, () -> LinearSolve.solve(
                LinearOperator.fromMatrix(indefinite), Tensor.of(1, 2, 3), LinearSolver.cholesky()));
        String m = e.getMessage();
        assertTrue(m.contains("cannot be solved by cholesky"), m);
        assertTrue(m.contains("Cholesky.factor: matrix is not positive definite"), m);
        assertTrue(m.contains("leading minor of order 2"), m);
    }

    @Test
    void singularMatrixInCholesky() {
        Tensor singular = Tensor.of(new double[][] {{1, 1}, {1, 1}});
        SolveFailedException e = assertThrows(SolveFailedException.class, () -> LinearSolve.solve(
                LinearOperator.fromMatrix(singular), Tensor.of(1, 2), LinearSolver.cholesky()));
        assertTrue(e.getMessage().contains("cannot be solved by cholesky"), e.getMessage());
        assertTrue(e.getMessage().contains("Cholesky.factor"), e.getMessage());
    }

    @Test
    void singularFailureIsNotSubjectToThePolicy() {
        Tensor singular = Tensor.of(new double[][] {{1, 2}, {2, 4}});
        assertThrows(SolveFailedException.class, () -> LinearSolve.solve(LinearOperator.fromMatrix(singular),
                Tensor.of(1, 2), LinearSolver.lu().withFailurePolicy(FailurePolicy.IGNORE)));
    }

    // ------------------------------------------------------------------ bad right-hand sides

    @Test
    void nanInBIsRefused() {
        double[] bad = b.toArray();
        bad[7] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearSolve.solve(spd, Tensor.of(bad), LinearSolver.cg()));
        assertEquals("solve: b contains NaN at entry 7", e.getMessage());
    }

    @Test
    void infinityInBIsRefusedByEveryMethod() {
        double[] bad = b.toArray();
        bad[0] = Double.NEGATIVE_INFINITY;
        for (Method m : Method.values()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LinearSolve.solve(spd, Tensor.of(bad), LinalgFixtures.solverFor(m)));
            assertEquals("solve: b contains -Infinity at entry 0", e.getMessage());
        }
    }

    @Test
    void nanInTheInitialGuessIsRefused() {
        double[] bad = new double[N];
        bad[3] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearSolve.solveWithInfo(spd, b, Tensor.of(bad), LinearSolver.cg()));
        assertEquals("solve: initialGuess contains NaN at entry 3", e.getMessage());
    }

    @Test
    void wrongLengthOfBIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearSolve.solve(spd, Tensor.zeros(N - 1), LinearSolver.cg()));
        assertEquals("solve: b leaf 0 has shape [199], the operator expects [200]", e.getMessage());
    }

    @Test
    void wrongRankOfBIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearSolve.solve(spd, Tensor.zeros(N, 1), LinearSolver.cg()));
        assertEquals("solve: b leaf 0 has shape [200, 1], the operator expects [200]", e.getMessage());
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void wrongStructureOfBIsRefused() {
        LinearOperator raw = spd;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearSolve.solve(raw, List.of(Tensor.zeros(N)), LinearSolver.cg()));
        assertTrue(e.getMessage().startsWith("solve: b has structure"), e.getMessage());
        assertTrue(e.getMessage().contains("but the operator acts on"), e.getMessage());
    }

    @Test
    void wrongShapeOfTheInitialGuessIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearSolve.solveWithInfo(spd, b, Tensor.zeros(3), LinearSolver.cg()));
        assertEquals("solve: initialGuess leaf 0 has shape [3], the operator expects [200]", e.getMessage());
    }

    @Test
    void nullArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LinearSolve.solve(null, b, LinearSolver.cg()));
        assertThrows(IllegalArgumentException.class, () -> LinearSolve.solve(spd, null, LinearSolver.cg()));
        assertThrows(IllegalArgumentException.class, () -> LinearSolve.solve(spd, b, null));
    }
}
