package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.KrylovResult.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KrylovResultTest {

    @Test
    void summaryOfAConvergedSolve() {
        KrylovResult r = new KrylovResult("ConjugateGradient", new double[] {1}, 37, 1.2e-9, 3.4e-12,
                1e-8, Status.CONVERGED, "");
        assertTrue(r.converged());
        assertEquals("ConjugateGradient: converged after 37 iterations, residual 1.200e-09"
                + " (relative 3.400e-12, tolerance 1.000e-08)", r.summary());
    }

    @Test
    void summaryOfAFailedSolveCarriesTheReason() {
        KrylovResult r = new KrylovResult("BiCgStab", new double[] {1}, 1, 2.0, 1.0, 1e-8,
                Status.BREAKDOWN, "ρ = r̂ᵀr ≈ 0");
        assertFalse(r.converged());
        assertEquals("BiCgStab: did not converge (BREAKDOWN) after 1 iteration, residual 2.000e+00"
                + " (relative 1.000e+00, tolerance 1.000e-08): ρ = r̂ᵀr ≈ 0", r.summary());
    }

    @Test
    void solutionIsCopiedInAndOut() {
        double[] x = {1, 2};
        KrylovResult r = new KrylovResult("s", x, 0, 0, 0, 0, Status.CONVERGED, "");
        x[0] = 5;
        r.solution()[1] = 5;
        assertArrayEquals(new double[] {1, 2}, r.solution());
        assertEquals(r, new KrylovResult("s", new double[] {1, 2}, 0, 0, 0, 0, Status.CONVERGED, ""));
    }

    @Test
    void invalidConstruction() {
        assertThrows(NullPointerException.class,
                () -> new KrylovResult("s", null, 0, 0, 0, 0, Status.CONVERGED, ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KrylovResult("s", new double[0], -1, 0, 0, 0, Status.CONVERGED, ""));
        assertEquals("KrylovResult: iterations must be >= 0, got -1", e.getMessage());
    }
}
