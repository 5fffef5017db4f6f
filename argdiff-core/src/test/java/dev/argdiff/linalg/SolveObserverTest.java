package dev.argdiff.linalg;

import static dev.argdiff.linalg.LinalgFixtures.gaussianVector;
import static dev.argdiff.linalg.LinalgFixtures.randomSpd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The observer of a {@link LinearSolver} receives exactly one {@link SolveInfo} per concrete
 * solve: the primal solve, and each tangent (forward mode) and adjoint (reverse mode) solve
 * that a derivative through {@link LinearSolve#solve} costs.
 */
class SolveObserverTest {

    private static final int N = 4;

    private final Tensor matrix = Tensor.of(randomSpd(71, N));
    private final Tensor b = Tensor.of(gaussianVector(72, N));
    private final Tensor c = Tensor.of(gaussianVector(73, N));
    private final List<SolveInfo> seen = new ArrayList<>();

    private LinearSolver observed(Method method) {
        return LinalgFixtures.solverFor(method).withObserver(seen::add);
    }

    private Tensor solve(Tensor m, Tensor rhs, LinearSolver solver) {
        return LinearSolve.solve(LinearOperator.fromMatrix(m.add(m.transpose()).mul(0.5))
                .withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), rhs, solver);
    }

    private void assertSeen(int expected, String methodName) {
        assertEquals(expected, seen.size(), "solves observed: " + seen);
        for (SolveInfo info : seen) {
            assertTrue(info.converged(), info.summary());
            assertEquals(N, info.size());
            assertEquals(methodName, info.method());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Method.class, names = {"LU", "CHOLESKY", "CG", "GMRES"})
    void primalSolveIsObservedOnce(Method method) {
        LinearSolver solver = observed(method);
        LinearSolve.Solution<Tensor> s = LinearSolve.solveWithInfo(
                LinearOperator.fromMatrix(matrix).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE), b, null, solver);
        assertEquals(1, seen.size());
        assertSame(s.info(), seen.get(0));
    }

    @Test
    void gradientWithRespectToBAddsOneAdjointSolve() {
        LinearSolver solver = observed(Method.CG);
        Autodiff.grad((Tensor bb) -> solve(matrix, bb, solver).vdot(c)).apply(b);
        assertSeen(2, "ConjugateGradient");
    }

    @Test
    void gradientWithRespectToTheMatrixAddsOneAdjointSolve() {
        LinearSolver solver = observed(Method.LU);
        Autodiff.grad((Tensor m) -> solve(m, b, solver).vdot(c)).apply(matrix);
        assertSeen(2, "lu");
    }

    @Test
    void jvpAddsOneTangentSolve() {
        LinearSolver solver = observed(Method.CHOLESKY);
        Autodiff.jvp((List<Tensor> in) -> solve(in.get(0), in.get(1), solver), List.of(matrix, b),
                List.of(Tensor.eye(N), c));
        assertSeen(2, "cholesky");
    }

    @Test
    void jacrevSolvesOncePlusOneAdjointPerOutput() {
        LinearSolver solver = observed(Method.CG);
        Autodiff.jacrev((Tensor bb) -> solve(matrix, bb, solver)).apply(b);
        assertSeen(1 + N, "ConjugateGradient");
    }

    @Test
    void jacfwdSolvesPrimalAndTangentPerInput() {
        LinearSolver solver = observed(Method.CG);
        Autodiff.jacfwd((Tensor bb) -> solve(matrix, bb, solver)).apply(b);
        assertSeen(2 * N, "ConjugateGradient");
    }

    @Test
    void hessianVectorProductCostsFourSolves() {
        // forward over reverse: primal and its tangent, adjoint and its tangent
        LinearSolver solver = observed(Method.GMRES);
        Function<Tensor, Tensor> loss = bb -> solve(matrix, bb, solver).tanh().sum();
        Autodiff.hvp(loss, b, c);
        assertSeen(4, "Gmres(restart=20)");
    }

    @Test
    void failedSolveIsObservedBeforeTheException() {
        LinearSolver solver = observed(Method.CG).withMaxiter(1).withRtol(1e-14);
        assertThrows(SolveFailedException.class, () -> solve(matrix, b, solver));
        assertEquals(1, seen.size());
        assertFalse(seen.get(0).converged());
        assertEquals(1, seen.get(0).iterations());
    }

    @Test
    void noObserverIsFine() {
        LinearSolver solver = LinearSolver.cg().withObserver(null);
        Autodiff.grad((Tensor bb) -> solve(matrix, bb, solver).vdot(c)).apply(b);
        assertTrue(seen.isEmpty());
    }
}
