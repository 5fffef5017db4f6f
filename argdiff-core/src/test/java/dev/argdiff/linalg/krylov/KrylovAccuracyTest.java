package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.DenseTestSystems.Matrix;
import dev.argdiff.linalg.krylov.KrylovResult.Status;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static dev.argdiff.linalg.krylov.DenseTestSystems.directSolve;
import static dev.argdiff.linalg.krylov.DenseTestSystems.relativeError;
import static dev.argdiff.linalg.krylov.DenseTestSystems.residualNorm;
import static dev.argdiff.testing.PlainLinearAlgebra.norm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Solutions against a direct reference solve, on n = 200 systems. */
class KrylovAccuracyTest {

    private static final int N = 200;

    @Test
    void allFourSolversAgreeWithTheDirectSolveOnARandomSpdSystem() {
        Random rng = new Random(20240601);
        Matrix a = DenseTestSystems.randomSpd(rng, N);
        double[] b = DenseTestSystems.gaussianVector(rng, N);
        double[] reference = directSolve(a, b);
        assertTrue(residualNorm(a, reference, b) < 1e-13 * norm(b), "reference solve");

        KrylovOptions opts = KrylovOptions.defaults().withRtol(1e-12);
        Map<String, KrylovResult> results = new LinkedHashMap<>();
        results.put("cg", ConjugateGradient.solve(a.matvec(), b, opts));
        results.put("normal cg", NormalConjugateGradient.solve(a.matvec(), a.transposeMatvec(), b, opts));
        results.put("gmres", Gmres.solve(a.matvec(), b, opts.withRestart(N)));
        results.put("bicgstab", BiCgStab.solve(a.matvec(), b, opts));

        for (KrylovResult r : results.values()) {
            System.out.println("SPD n=200: " + r.summary());
            assertTrue(r.converged(), r.summary());
            assertTrue(r.relativeResidual() <= 1e-12, r.summary());
            assertTrue(relativeError(r.solution(), reference) < 1e-10, r.summary());
            // The true residual of A·x = b itself (for normal CG too, A being square here).
            assertTrue(residualNorm(a, r.solution(), b) <= 1e-10 * norm(b), r.summary());
        }
        for (KrylovResult r : results.values()) {
            for (KrylovResult s : results.values()) {
                assertTrue(relativeError(r.solution(), s.solution()) < 1e-10, r.summary() + " vs " + s.summary());
            }
        }
    }

    @Test
    void gmresAndBiCgStabSolveANonsymmetricDiagonallyDominantSystem() {
        Random rng = new Random(77);
        Matrix a = DenseTestSystems.diagonallyDominant(rng, N);
        double[] b = DenseTestSystems.gaussianVector(rng, N);
        double[] reference = directSolve(a, b);
        KrylovOptions opts = KrylovOptions.defaults().withRtol(1e-12);

        for (KrylovResult r : new KrylovResult[] {
                Gmres.solve(a.matvec(), b, opts.withRestart(N)),
                Gmres.solve(a.matvec(), b, opts),
                BiCgStab.solve(a.matvec(), b, opts)}) {
            System.out.println("nonsymmetric n=200: " + r.summary());
            assertTrue(r.converged(), r.summary());
            assertTrue(r.relativeResidual() <= 1e-12, r.summary());
            assertTrue(residualNorm(a, r.solution(), b) <= 1e-12 * norm(b) * 1.0001, r.summary());
            assertTrue(relativeError(r.solution(), reference) < 1e-10, r.summary());
        }
    }

    @Test
    void gmresWithRestartMuchSmallerThanNStillConverges() {
        Random rng = new Random(78);
        Matrix a = DenseTestSystems.diagonallyDominant(rng, N);
        double[] b = DenseTestSystems.gaussianVector(rng, N);
        KrylovOptions opts = KrylovOptions.defaults().withRtol(1e-10).withRestart(5);
        KrylovResult r = Gmres.solve(a.matvec(), b, opts);
        System.out.println("GMRES(5), n=200: " + r.summary());
        assertTrue(r.converged(), r.summary());
        assertTrue(r.iterations() > 5, "several restart cycles: " + r.summary());
        assertTrue(relativeError(r.solution(), directSolve(a, b)) < 1e-8, r.summary());
        // Full GMRES needs no more Arnoldi steps than the restarted one.
        KrylovResult full = Gmres.solve(a.matvec(), b, opts.withRestart(N));
        assertTrue(full.iterations() <= r.iterations(), full.summary() + " vs " + r.summary());
    }

    @Test
    void gmresRestartCyclesContinueFromTheCurrentIterate() {
        // A restart of 1 is steepest-descent-like minimal residual iteration: it must still
        // make progress cycle after cycle on a positive definite (nonsymmetric) operator.
        Random rng = new Random(79);
        Matrix a = DenseTestSystems.diagonallyDominant(rng, 50);
        double[] b = DenseTestSystems.gaussianVector(rng, 50);
        KrylovResult r = Gmres.solve(a.matvec(), b, KrylovOptions.defaults().withRestart(1));
        assertTrue(r.converged(), r.summary());
        assertTrue(relativeError(r.solution(), directSolve(a, b)) < 1e-6, r.summary());
    }

    /**
     * A = D·S·D with S SPD and well conditioned and D spanning 10^-1.5 … 10^1.5, so the diagonal
     * of A spans six orders of magnitude and κ(A) ≥ max aᵢᵢ / min aᵢᵢ ≥ 1e6. Jacobi
     * preconditioning undoes D exactly.
     */
    @Test
    void jacobiPreconditionedCgNeedsFarFewerIterationsOnABadlyScaledSystem() {
        Random rng = new Random(5);
        Matrix s = DenseTestSystems.randomSpd(rng, N);
        double[] d = new double[N];
        for (int i = 0; i < N; i++) {
            d[i] = Math.pow(10, -1.5 + 3.0 * i / (N - 1));
        }
        // Shuffle the scaling so it is not aligned with any structure.
        for (int i = N - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            double t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        Matrix a = DenseTestSystems.scaled(s, d);
        double[] diagonal = a.diagonal();
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (double v : diagonal) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(max / min >= 1e6, "condition number >= 1e6: diagonal spread " + max / min);

        double[] b = DenseTestSystems.gaussianVector(rng, N);
        double[] reference = directSolve(a, b);
        // Plain CG needs far more than the default 10·n iterations here; give it room.
        KrylovOptions opts = KrylovOptions.defaults().withRtol(1e-10).withMaxiter(20 * 1000);
        KrylovResult plain = ConjugateGradient.solve(a.matvec(), b, opts);
        KrylovResult jacobi = ConjugateGradient.solve(a.matvec(), b,
                opts.withPreconditioner(Preconditioners.jacobi(diagonal)));
        System.out.printf("badly scaled SPD n=200 (diagonal spread %.1e): plain CG %d iterations, "
                + "Jacobi CG %d iterations%n", max / min, plain.iterations(), jacobi.iterations());
        System.out.println("  plain:  " + plain.summary());
        System.out.println("  jacobi: " + jacobi.summary());

        assertTrue(plain.converged(), plain.summary());
        assertTrue(jacobi.converged(), jacobi.summary());
        assertTrue(jacobi.iterations() <= 40, jacobi.summary());
        assertTrue(plain.iterations() >= 1000, plain.summary());
        assertTrue(50 * jacobi.iterations() < plain.iterations(),
                "jacobi " + jacobi.iterations() + " vs plain " + plain.iterations());
        assertTrue(relativeError(jacobi.solution(), reference) < 1e-6, jacobi.summary());
        assertTrue(relativeError(plain.solution(), reference) < 1e-6, plain.summary());

        // Within the default limit of 10·n iterations plain CG does not get there, and says so.
        KrylovResult limited = ConjugateGradient.solve(a.matvec(), b, opts.withDefaultMaxiter());
        assertEquals(Status.MAX_ITERATIONS, limited.status(), limited.summary());
        assertEquals(10 * N, limited.iterations());

        // The matrix-free diagonal gives the same preconditioner.
        KrylovResult extracted = ConjugateGradient.solve(a.matvec(), b,
                opts.withPreconditioner(Preconditioners.jacobi(a.matvec(), N)));
        assertEquals(jacobi.iterations(), extracted.iterations());
    }

    @Test
    void jacobiPreconditionedGmresAndBiCgStabOnABadlyScaledNonsymmetricSystem() {
        Random rng = new Random(6);
        Matrix base = DenseTestSystems.diagonallyDominant(rng, N);
        double[] d = new double[N];
        for (int i = 0; i < N; i++) {
            d[i] = Math.pow(10, 2 * rng.nextDouble() - 1);
        }
        Matrix a = DenseTestSystems.scaled(base, d);
        double[] b = DenseTestSystems.gaussianVector(rng, N);
        double[] reference = directSolve(a, b);
        KrylovOptions opts = KrylovOptions.defaults().withRtol(1e-10)
                .withPreconditioner(Preconditioners.jacobi(a.diagonal()));
        for (KrylovResult r : new KrylovResult[] {
                Gmres.solve(a.matvec(), b, opts),
                BiCgStab.solve(a.matvec(), b, opts)}) {
            System.out.println("scaled nonsymmetric, Jacobi: " + r.summary());
            assertTrue(r.converged(), r.summary());
            // Right preconditioning: the tolerance holds for the unpreconditioned residual.
            assertTrue(residualNorm(a, r.solution(), b) <= 1e-10 * norm(b) * 1.0001, r.summary());
            assertTrue(relativeError(r.solution(), reference) < 1e-8, r.summary());
        }
    }

    /** JAXopt's solve_normal_cg semantics: the ridge goes on AᵀA, and A may be rectangular. */
    @Test
    void normalCgSolvesRidgeRegularizedLeastSquaresForARectangularMatrix() {
        Random rng = new Random(9);
        int m = 300;
        int n = 80;
        Matrix a = DenseTestSystems.gaussian(rng, m, n);
        double[] b = DenseTestSystems.gaussianVector(rng, m);
        double[] atb = a.transposeMatvec().apply(b);
        for (double ridge : new double[] {0.0, 25.0}) {
            KrylovResult r = NormalConjugateGradient.solve(a.matvec(), a.transposeMatvec(), b,
                    KrylovOptions.defaults().withRidge(ridge).withRtol(1e-12));
            assertTrue(r.converged(), r.summary());
            assertEquals(n, r.solution().length);
            double[] reference = directSolve(a.normal(ridge), atb);
            assertTrue(relativeError(r.solution(), reference) < 1e-10, r.summary());
            assertTrue(residualNorm(a.normal(ridge), r.solution(), atb) <= 1e-12 * norm(atb) * 1.0001);
            // A least-squares residual ‖b − A·x‖ stays large: it is not what is reported.
            assertTrue(residualNorm(a, r.solution(), b) > 0.1 * norm(b));
        }
    }

    @Test
    void cgDetectsAnIndefiniteOperator() {
        double[] diag = {3, 1, -2, 4, 5};
        MatVec a = x -> {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = diag[i] * x[i];
            }
            return y;
        };
        KrylovResult r = ConjugateGradient.solve(a, new double[] {1, 1, 1, 1, 1});
        assertEquals(Status.BREAKDOWN, r.status(), r.summary());
        assertFalse(r.converged());
        assertTrue(r.message().contains("not positive definite"), r.message());
    }

    @Test
    void singularInconsistentSystemsDoNotConvergeAndDoNotThrow() {
        // A = diag(1, 2, 0): b = (1, 1, 1) has no solution.
        MatVec a = x -> new double[] {x[0], 2 * x[1], 0.0};
        double[] b = {1, 1, 1};
        for (KrylovResult r : new KrylovResult[] {
                Gmres.solve(a, b), BiCgStab.solve(a, b), ConjugateGradient.solve(a, b)}) {
            System.out.println("singular: " + r.summary());
            assertFalse(r.converged(), r.summary());
            assertTrue(r.status() == Status.BREAKDOWN || r.status() == Status.MAX_ITERATIONS, r.summary());
            // The best they can do is the least-squares residual, 1.
            assertTrue(r.residualNorm() >= 1 - 1e-12, r.summary());
        }
    }

    @Test
    void biCgStabBreaksDownOnASkewSymmetricOperatorWhereGmresSucceeds() {
        // With r̂ = r₀, r̂ᵀA·r₀ = 0 for skew-symmetric A: the textbook BiCGSTAB breakdown.
        int n = 20;
        Random rng = new Random(31);
        Matrix g = DenseTestSystems.gaussian(rng, n, n);
        double[] k = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                k[i * n + j] = g.get(i, j) - g.get(j, i);
            }
        }
        Matrix a = new Matrix(n, n, k);
        double[] b = DenseTestSystems.gaussianVector(rng, n);
        KrylovResult bicg = BiCgStab.solve(a.matvec(), b);
        System.out.println("skew-symmetric: " + bicg.summary());
        assertEquals(Status.BREAKDOWN, bicg.status(), bicg.summary());
        assertTrue(bicg.message().contains("r̂ᵀA·p ≈ 0"), bicg.message());
        assertTrue(Double.isFinite(bicg.residualNorm()));

        KrylovResult gmres = Gmres.solve(a.matvec(), b, KrylovOptions.defaults().withRestart(n));
        System.out.println("skew-symmetric: " + gmres.summary());
        assertTrue(gmres.converged(), gmres.summary());
        assertTrue(relativeError(gmres.solution(), directSolve(a, b)) < 1e-6, gmres.summary());
    }
}
