package dev.argdiff.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/** The column-major convention of the raw {@link Lapack} wrappers. */
class LapackTest {

    @Test
    void reportsImplementation() {
        assertNotNull(Lapack.name());
    }

    @Test
    void getrsSolvesColumnMajorSystemAndItsTranspose() {
        // A = [[2, 1], [0, 4]] column-major is {2, 0, 1, 4}.
        double[] a = {2, 0, 1, 4};
        int[] ipiv = new int[2];
        assertEquals(0, Lapack.getrf(2, 2, a, ipiv));
        double[] b = {4, 8};                 // A·[1, 2] = [4, 8]
        Lapack.getrs(false, 2, 1, a, ipiv, b);
        assertArrayEquals(new double[] {1, 2}, b, 1e-15);
        double[] c = {2, 9};                 // Aᵀ·[1, 2] = [2, 9]
        Lapack.getrs(true, 2, 1, a, ipiv, c);
        assertArrayEquals(new double[] {1, 2}, c, 1e-15);
    }

    @Test
    void positiveInfoIsReturnedNotThrown() {
        double[] singular = {1, 2, 2, 4};
        assertEquals(2, Lapack.getrf(2, 2, singular, new int[2]));
        double[] indefinite = {1, 2, 2, 1};
        assertEquals(2, Lapack.potrf(true, 2, indefinite));
    }
}
