package dev.argdiff.linalg.dense;

import dev.argdiff.testing.PlainLinearAlgebra;

import static dev.argdiff.linalg.dense.TestMatrices.maxAbsDiff;
import static dev.argdiff.linalg.dense.TestMatrices.relativeResidual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CholeskyTest {

    private static final int N = 200;

    @Test
    void agreesWithLUOnRandomSpdSystem() {
        double[] a = TestMatrices.spd(11, N);
        double[] aCopy = a.clone();
        double[] b = TestMatrices.random(12, N);
        Cholesky chol = Cholesky.factor(a, N);
        LU lu = LU.factor(a, N);
        double[] x = chol.solve(b);
        double[] y = lu.solve(b);
        assertTrue(relativeResidual(a, N, N, x, 1, b) <= 1e-10);
        assertTrue(relativeResidual(a, N, N, y, 1, b) <= 1e-10);
        assertTrue(maxAbsDiff(x, y) <= 1e-10 * PlainLinearAlgebra.norm(x), "max diff " + maxAbsDiff(x, y));
        assertEquals(lu.logAbsDeterminant(), chol.logDeterminant(), 1e-9 * Math.abs(chol.logDeterminant()));
        assertArrayEquals(aCopy, a, 0.0);
    }

    @Test
    void multipleRightHandSides() {
        int nrhs = 4;
        double[] a = TestMatrices.spd(13, N);
        double[] b = TestMatrices.random(14, N * nrhs);
        double[] x = Cholesky.factor(a, N).solve(b, nrhs);
        assertTrue(relativeResidual(a, N, N, x, nrhs, b) <= 1e-10);
        assertTrue(maxAbsDiff(x, LU.factor(a, N).solve(b, nrhs)) <= 1e-10);
    }

    @Test
    void lowerFactorReconstructsMatrix() {
        int n = 30;
        double[] a = TestMatrices.spd(15, n);
        double[] l = Cholesky.factor(a, n).lower();
        for (int i = 0; i < n; i++) {
            assertTrue(l[i * n + i] > 0);
            for (int j = i + 1; j < n; j++) {
                assertEquals(0.0, l[i * n + j], "L is lower triangular at (" + i + ", " + j + ")");
            }
        }
        double[] llt = TestMatrices.multiply(l, n, n, TestMatrices.transpose(l, n, n), n);
        assertTrue(maxAbsDiff(a, llt) <= 1e-13, "max diff " + maxAbsDiff(a, llt));
    }

    @Test
    void knownTwoByTwo() {
        Cholesky c = Cholesky.factor(new double[] {4, 2, 2, 3}, 2);
        assertArrayEquals(new double[] {2, 0, 1, Math.sqrt(2)}, c.lower(), 1e-15);
        assertArrayEquals(new double[] {1, 1}, c.solve(new double[] {6, 5}), 1e-15);
        assertEquals(8.0, c.determinant(), 1e-14);
        assertEquals(Math.log(8.0), c.logDeterminant(), 1e-14);
    }

    @Test
    void indefiniteMatrixNamesLeadingMinor() {
        // Leading minors: 2, 2·1 − 1·1 = 1, then det = −4 < 0.
        double[] a = {
            2, 1, 1,
            1, 1, 2,
            1, 2, 1,
        };
        NotPositiveDefiniteException e = assertThrows(NotPositiveDefiniteException.class,
                () -> Cholesky.factor(a, 3));
        assertEquals("Cholesky.factor: matrix is not positive definite (n = 3): the leading minor of order 3"
                + " is not positive (pivot at index 2)", e.getMessage());
        assertEquals(3, e.leadingMinorOrder());
        assertEquals(3, e.size());
        // LU handles the same symmetric indefinite matrix.
        assertEquals(-4.0, LU.factor(a, 3).determinant(), 1e-14);
    }

    @Test
    void negativeDiagonalFailsAtFirstMinor() {
        NotPositiveDefiniteException e = assertThrows(NotPositiveDefiniteException.class,
                () -> Cholesky.factor(new double[] {-1}, 1));
        assertEquals(1, e.leadingMinorOrder());
        assertTrue(e.getMessage().contains("leading minor of order 1"), e.getMessage());
    }

    @Test
    void nearlySingularSpdIsRefusedByRcond() {
        double[] a = {1, 1, 1, 1 + 2 * Math.ulp(1.0)};
        SingularMatrixException e = assertThrows(SingularMatrixException.class, () -> Cholesky.factor(a, 2));
        assertTrue(e.getMessage().startsWith("Cholesky.factor: matrix is singular to working precision (n = 2)"),
                e.getMessage());
        assertTrue(Cholesky.factor(a, 2, 0.0).rcond() < 1e-15);
    }

    @Test
    void nonSymmetricMatrixIsRefused() {
        double[] a = {4, 1, 0, 4};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cholesky.factor(a, 2));
        assertEquals("Cholesky.factor: matrix is not symmetric: a(1, 0) = 0.0 but a(0, 1) = 1.0", e.getMessage());
        // Roundoff-level asymmetry is accepted.
        double[] b = {4, 1 + 1e-14, 1, 4};
        assertEquals(15.0, Cholesky.factor(b, 2).determinant(), 1e-12);
    }

    @Test
    void nanIsRefused() {
        double[] a = {4, 1, 1, Double.NaN};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cholesky.factor(a, 2));
        assertEquals("Cholesky.factor: matrix contains NaN at (1, 1)", e.getMessage());
    }

    @Test
    void emptyAndOneByOne() {
        Cholesky empty = Cholesky.factor(new double[0], 0);
        assertEquals(0, empty.solve(new double[0]).length);
        assertEquals(1.0, empty.determinant());
        assertEquals(0.0, empty.logDeterminant());
        Cholesky one = Cholesky.factor(new double[] {9}, 1);
        assertArrayEquals(new double[] {3}, one.lower(), 0.0);
        assertArrayEquals(new double[] {2}, one.solve(new double[] {18}), 0.0);
    }
}
