package dev.argdiff.linalg.krylov;

import dev.argdiff.linalg.krylov.DenseTestSystems.Matrix;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PreconditionersTest {

    @Test
    void jacobiDividesByTheDiagonal() {
        double[] diagonal = {2, -4, 0.5};
        MatVec m = Preconditioners.jacobi(diagonal);
        diagonal[0] = 1000; // copied
        assertArrayEquals(new double[] {0.5, -0.25, 6}, m.apply(new double[] {1, 1, 3}));
    }

    @Test
    void jacobiRefusesZeroAndNonFiniteEntriesNamingTheIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preconditioners.jacobi(new double[] {1, 2, 0.0}));
        assertEquals("Preconditioners.jacobi: diagonal[2] is 0.0; a Jacobi preconditioner needs"
                + " finite nonzero diagonal entries", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Preconditioners.jacobi(new double[] {Double.NaN}));
        assertEquals("Preconditioners.jacobi: diagonal[0] is NaN; a Jacobi preconditioner needs"
                + " finite nonzero diagonal entries", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Preconditioners.jacobi(new double[] {1, Double.NEGATIVE_INFINITY}));
        assertEquals("Preconditioners.jacobi: diagonal[1] is -Infinity; a Jacobi preconditioner needs"
                + " finite nonzero diagonal entries", e.getMessage());
    }

    @Test
    void jacobiRefusesAVectorOfTheWrongLength() {
        MatVec m = Preconditioners.jacobi(new double[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.apply(new double[3]));
        assertEquals("Preconditioners.jacobi: a preconditioner of size 2 was applied to a vector of"
                + " length 3", e.getMessage());
    }

    @Test
    void identityCopies() {
        double[] x = {1, 2};
        double[] y = Preconditioners.identity().apply(x);
        assertArrayEquals(x, y);
        assertNotSame(x, y);
    }

    @Test
    void diagonalOfUsesNUnitMatvecs() {
        Matrix a = DenseTestSystems.gaussian(new Random(1), 7, 7);
        AtomicInteger calls = new AtomicInteger();
        MatVec counting = x -> {
            calls.incrementAndGet();
            return a.matvec().apply(x);
        };
        assertArrayEquals(a.diagonal(), Preconditioners.diagonalOf(counting, 7));
        assertEquals(7, calls.get());
        assertEquals(0, Preconditioners.diagonalOf(counting, 0).length);
    }

    @Test
    void diagonalOfRefusesBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preconditioners.diagonalOf(x -> new double[2], 3));
        assertEquals("Preconditioners.diagonalOf: matvec a returned a vector of length 2 for a unit"
                + " vector of length 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Preconditioners.diagonalOf(x -> x, -1));
        assertEquals("Preconditioners.diagonalOf: n must be >= 0, got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Preconditioners.diagonalOf(x -> new double[] {Double.NaN}, 1));
        assertEquals("Preconditioners.diagonalOf: diagonal entry 0 is NaN", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Preconditioners.jacobi(x -> new double[] {1, 0}, 2));
        assertEquals("Preconditioners.jacobi: diagonal[1] is 0.0; a Jacobi preconditioner needs"
                + " finite nonzero diagonal entries", e.getMessage());
    }
}
