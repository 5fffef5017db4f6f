package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.DenseTestSystems.Matrix;
import dev.argdiff.linalg.krylov.KrylovResult.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.argdiff.linalg.krylov.DenseTestSystems.directSolve;
import static dev.argdiff.linalg.krylov.DenseTestSystems.relativeError;
import static dev.argdiff.linalg.krylov.DenseTestSystems.residualNorm;
import static dev.argdiff.testing.PlainLinearAlgebra.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract every Krylov solver of the package must honour, run over all four. */
class KrylovContractTest {

    private static final int N = 30;

    @FunctionalInterface
    interface Solve {
        KrylovResult run(MatVec a, MatVec aT, double[] b, KrylovOptions opts);
    }

    /** A solver under test; {@code normal} marks the one that solves AᵀA·x = Aᵀb. */
    record Case(String className, Solve solve, boolean normal) {
        @Override
        public String toString() {
            return className;
        }

        KrylovResult run(Matrix a, double[] b, KrylovOptions opts) {
            return solve.run(a.matvec(), a.transposeMatvec(), b, opts);
        }

        /** The matrix of the system the solver actually solves. */
        Matrix system(Matrix a, double ridge) {
            return normal ? a.normal(ridge) : a.plusIdentity(ridge);
        }

        /** The right-hand side of the system the solver actually solves. */
        double[] rhs(Matrix a, double[] b) {
            return normal ? a.transposeMatvec().apply(b) : b;
        }

        String rhsName() {
            return normal ? "aT(b)" : "b";
        }
    }

    static Stream<Case> solvers() {
        return Stream.of(
                new Case("ConjugateGradient", (a, aT, b, o) -> ConjugateGradient.solve(a, b, o), false),
                new Case("NormalConjugateGradient", NormalConjugateGradient::solve, true),
                new Case("Gmres", (a, aT, b, o) -> Gmres.solve(a, b, o), false),
                new Case("BiCgStab", (a, aT, b, o) -> BiCgStab.solve(a, b, o), false));
    }

    private static Matrix spd() {
        return DenseTestSystems.randomSpd(new Random(11), N);
    }

    private static double[] rhs() {
        return DenseTestSystems.gaussianVector(new Random(12), N);
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void solvesAccuratelyWithDefaults(Case c) {
        Matrix a = spd();
        double[] b = rhs();
        KrylovResult r = c.run(a, b, KrylovOptions.defaults());
        assertTrue(r.converged(), r.summary());
        assertEquals(Status.CONVERGED, r.status());
        assertTrue(r.relativeResidual() <= KrylovOptions.DEFAULT_RTOL, r.summary());
        assertTrue(relativeError(r.solution(), directSolve(a, b)) < 1e-7, r.summary());
        // The reported residual is the true one of the returned solution.
        Matrix s = c.system(a, 0);
        double trueResidual = residualNorm(s, r.solution(), c.rhs(a, b));
        assertEquals(trueResidual, r.residualNorm(), 1e-12 * norm(c.rhs(a, b)));
        assertEquals(r.residualNorm() / norm(c.rhs(a, b)), r.relativeResidual(), 1e-15);
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void zeroRightHandSideGivesZeroWithoutIterating(Case c) {
        double[] guess = rhs();
        KrylovResult r = c.run(spd(), new double[N], KrylovOptions.defaults().withInitialGuess(guess));
        assertTrue(r.converged());
        assertEquals(0, r.iterations());
        assertArrayEquals(new double[N], r.solution());
        assertEquals(0.0, r.residualNorm());
        assertEquals(0.0, r.relativeResidual());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void emptySystem(Case c) {
        MatVec empty = x -> new double[0];
        KrylovResult r = c.solve().run(empty, empty, new double[0], KrylovOptions.defaults());
        assertTrue(r.converged());
        assertEquals(0, r.solution().length);
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void nanInRightHandSideIsRefusedNamingB(Case c) {
        double[] b = rhs();
        b[2] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.run(spd(), b, KrylovOptions.defaults()));
        assertEquals(c.className() + ": b[2] is NaN; b must be finite", e.getMessage());
        b[2] = Double.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> c.run(spd(), b, KrylovOptions.defaults()));
        assertEquals(c.className() + ": b[2] is -Infinity; b must be finite", e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void wrongInitialGuessLengthIsRefusedWithBothLengths(Case c) {
        KrylovOptions opts = KrylovOptions.defaults().withInitialGuess(new double[N - 1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.run(spd(), rhs(), opts));
        assertEquals(c.className() + ": initialGuess has length " + (N - 1) + " but " + c.rhsName()
                + " has length " + N, e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void wrongMatvecOutputLengthIsRefusedWithBothLengths(Case c) {
        MatVec tooLong = x -> new double[N + 1];
        MatVec transpose = spd().transposeMatvec();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.solve().run(tooLong, transpose, rhs(), KrylovOptions.defaults()));
        assertEquals(c.className() + ": matvec a returned a vector of length " + (N + 1)
                + ", expected " + N + " (the length of b)", e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void wrongPreconditionerOutputLengthIsRefused(Case c) {
        KrylovOptions opts = KrylovOptions.defaults().withPreconditioner(x -> new double[N - 2]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.run(spd(), rhs(), opts));
        assertEquals(c.className() + ": preconditioner returned a vector of length " + (N - 2)
                + ", expected " + N + " (the number of unknowns)", e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void nullArgumentsAreRefusedByName(Case c) {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> c.solve().run(null, spd().transposeMatvec(), rhs(), KrylovOptions.defaults()));
        assertEquals(c.className() + ": a is null", e.getMessage());
        e = assertThrows(NullPointerException.class,
                () -> c.run(spd(), null, KrylovOptions.defaults()));
        assertEquals(c.className() + ": b is null", e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void initialGuessAtTheSolutionConvergesInZeroIterations(Case c) {
        Matrix a = spd();
        double[] b = rhs();
        double[] exact = directSolve(a, b);
        KrylovResult r = c.run(a, b, KrylovOptions.defaults().withInitialGuess(exact));
        assertTrue(r.converged(), r.summary());
        assertEquals(0, r.iterations());
        assertArrayEquals(exact, r.solution());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void tooFewIterationsReportsMaxIterationsWithTheLastIterate(Case c) {
        Matrix a = spd();
        double[] b = rhs();
        KrylovOptions opts = KrylovOptions.defaults().withMaxiter(2);
        KrylovResult r = c.run(a, b, opts);
        assertFalse(r.converged());
        assertEquals(Status.MAX_ITERATIONS, r.status());
        assertEquals(2, r.iterations());
        assertTrue(r.relativeResidual() > opts.rtol(), r.summary());
        double[] x = r.solution();
        assertTrue(norm(x) > 0, "the last iterate, not the initial zero guess");
        // The reported residual belongs to the returned iterate, and it improved on x = 0.
        double[] systemRhs = c.rhs(a, b);
        double residual = residualNorm(c.system(a, 0), x, systemRhs);
        assertEquals(residual, r.residualNorm(), 1e-12 * norm(systemRhs));
        assertTrue(r.relativeResidual() < 1, r.summary());
        assertTrue(r.summary().contains("did not converge (MAX_ITERATIONS) after 2 iterations"), r.summary());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void ridgeSolvesTheShiftedSystem(Case c) {
        Matrix a = spd();
        double[] b = rhs();
        double ridge = 7.5;
        KrylovResult r = c.run(a, b, KrylovOptions.defaults().withRidge(ridge).withRtol(1e-11));
        assertTrue(r.converged(), r.summary());
        Matrix shifted = c.system(a, ridge);
        double[] systemRhs = c.rhs(a, b);
        assertTrue(residualNorm(shifted, r.solution(), systemRhs) <= 1e-11 * norm(systemRhs) * 1.0001,
                r.summary());
        assertTrue(relativeError(r.solution(), directSolve(shifted, systemRhs)) < 1e-9);
        // ... and not the unshifted one.
        assertTrue(relativeError(r.solution(), directSolve(c.system(a, 0), systemRhs)) > 1e-3);
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void nonFiniteMatvecOutputStopsWithNonFinite(Case c) {
        Matrix a = spd();
        AtomicInteger calls = new AtomicInteger();
        MatVec good = a.matvec();
        MatVec failing = x -> {
            double[] y = good.apply(x);
            if (calls.incrementAndGet() == 4) {
                y[3] = Double.NaN;
            }
            return y;
        };
        KrylovResult r = c.solve().run(failing, a.transposeMatvec(), rhs(), KrylovOptions.defaults());
        assertEquals(Status.NON_FINITE, r.status(), r.summary());
        assertFalse(r.converged());
        assertTrue(r.iterations() >= 1, r.summary());
        assertTrue(Arrays.stream(r.solution()).allMatch(Double::isFinite), "the last finite iterate");
        assertTrue(r.summary().contains("matvec a returned NaN at index 3"), r.summary());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void identityReturningItsArgumentIsTolerated(Case c) {
        double[] b = rhs();
        double[] copy = b.clone();
        MatVec identity = x -> x;
        KrylovResult r = c.solve().run(identity, identity, b, KrylovOptions.defaults());
        assertTrue(r.converged(), r.summary());
        assertArrayEquals(copy, b, "b is not modified");
        assertTrue(relativeError(r.solution(), b) < 1e-14);
        assertTrue(r.iterations() <= 1, r.summary());
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void inputsAreNotModifiedAndResultsAreCopies(Case c) {
        Matrix a = spd();
        double[] b = rhs();
        double[] bCopy = b.clone();
        double[] guess = DenseTestSystems.gaussianVector(new Random(3), N);
        double[] guessCopy = guess.clone();
        KrylovOptions opts = KrylovOptions.defaults().withInitialGuess(guess);
        KrylovResult r = c.run(a, b, opts);
        assertArrayEquals(bCopy, b);
        assertArrayEquals(guessCopy, guess);
        assertArrayEquals(guessCopy, opts.initialGuess());
        double[] x = r.solution();
        x[0] = 1e300;
        assertTrue(r.solution()[0] != 1e300);
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void extremeScalesOfTheRightHandSide(Case c) {
        Matrix a = spd();
        double[] b = rhs();
        double[] exact = directSolve(a, b);
        for (double s : new double[] {1e-200, 1e200}) {
            double[] sb = b.clone();
            for (int i = 0; i < N; i++) {
                sb[i] *= s;
            }
            KrylovResult r = c.run(a, sb, KrylovOptions.defaults());
            assertTrue(r.converged(), s + ": " + r.summary());
            assertTrue(r.relativeResidual() <= KrylovOptions.DEFAULT_RTOL, r.summary());
            // Compare unscaled: squares of 1e-200 underflow in the test's plain norm.
            double[] x = r.solution();
            for (int i = 0; i < N; i++) {
                x[i] /= s;
            }
            assertTrue(relativeError(x, exact) < 1e-7, r.summary());
        }
    }

    @ParameterizedTest
    @MethodSource("solvers")
    void jacobiPreconditionerKeepsTheAnswer(Case c) {
        Matrix a = spd();
        double[] b = rhs();
        double[] diagonal = c.normal() ? a.normal(0).diagonal() : a.diagonal();
        KrylovOptions opts = KrylovOptions.defaults().withRtol(1e-12)
                .withPreconditioner(Preconditioners.jacobi(diagonal));
        KrylovResult r = c.run(a, b, opts);
        assertTrue(r.converged(), r.summary());
        // Convergence is judged on the unpreconditioned residual.
        assertTrue(residualNorm(c.system(a, 0), r.solution(), c.rhs(a, b))
                <= 1e-12 * norm(c.rhs(a, b)) * 1.0001, r.summary());
        assertTrue(relativeError(r.solution(), directSolve(a, b)) < 1e-10, r.summary());
    }
}
