package dev.argdiff.linalg.dense;

import static dev.argdiff.linalg.dense.TestMatrices.maxAbsDiff;
import static dev.argdiff.linalg.dense.TestMatrices.relativeResidual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LUTest {

    private static final int N = 200;

    @Test
    void solvesRandomNonsymmetricSystemAndItsTranspose() {
        double[] a = TestMatrices.nonsymmetric(1, N);
        double[] aCopy = a.clone();
        double[] b = TestMatrices.random(2, N);
        double[] bCopy = b.clone();
        LU lu = LU.factor(a, N);
        double[] x = lu.solve(b);
        assertTrue(relativeResidual(a, N, N, x, 1, b) <= 1e-10);
        double[] y = lu.solveTransposed(b);
        assertTrue(relativeResidual(TestMatrices.transpose(a, N, N), N, N, y, 1, b) <= 1e-10);
        // A nonsymmetric matrix: the two solves must really differ.
        assertTrue(maxAbsDiff(x, y) > 1e-3);
        assertArrayEquals(aCopy, a, 0.0, "the caller's matrix is not modified");
        assertArrayEquals(bCopy, b, 0.0, "the caller's right-hand side is not modified");
        assertTrue(lu.rcond() > 0.01 && lu.rcond() <= 1, "rcond " + lu.rcond());
    }

    @Test
    void solvesMultipleRightHandSidesColumnByColumn() {
        int nrhs = 3;
        double[] a = TestMatrices.nonsymmetric(3, N);
        double[] b = TestMatrices.random(4, N * nrhs);
        LU lu = LU.factor(a, N);
        double[] x = lu.solve(b, nrhs);
        assertTrue(relativeResidual(a, N, N, x, nrhs, b) <= 1e-10);
        double[] xt = lu.solveTransposed(b, nrhs);
        assertTrue(relativeResidual(TestMatrices.transpose(a, N, N), N, N, xt, nrhs, b) <= 1e-10);
        for (int j = 0; j < nrhs; j++) {
            double[] column = new double[N];
            for (int i = 0; i < N; i++) {
                column[i] = b[i * nrhs + j];
            }
            double[] xj = lu.solve(column);
            for (int i = 0; i < N; i++) {
                assertEquals(xj[i], x[i * nrhs + j], 1e-12);
            }
        }
        assertEquals(0, lu.solve(new double[0], 0).length);
    }

    @Test
    void knownThreeByThreeInverseAndDeterminant() {
        double[] a = {
            2, -1, 0,
            -1, 2, -1,
            0, -1, 2,
        };
        // The 1-D Laplacian: det = 4, inverse = (1/4)·[[3, 2, 1], [2, 4, 2], [1, 2, 3]].
        double[] inverse = {0.75, 0.5, 0.25, 0.5, 1.0, 0.5, 0.25, 0.5, 0.75};
        LU lu = LU.factor(a, 3);
        assertEquals(4.0, lu.determinant(), 1e-14);
        assertEquals(Math.log(4.0), lu.logAbsDeterminant(), 1e-14);
        assertEquals(1.0, lu.determinantSign());
        assertArrayEquals(inverse, lu.inverse(), 1e-15);
        assertArrayEquals(new double[] {1, 2, 3}, lu.solve(new double[] {0, 0, 4}), 1e-14);
        // ‖A‖₁ = 4, ‖A⁻¹‖₁ = 2: rcond = 1/8, which dgecon finds exactly for this small matrix.
        assertEquals(0.125, lu.rcond(), 1e-14);
    }

    @Test
    void rcondIsInTheOneNormOfA() {
        // A = [[1, 1, 1], [0, 1, 0], [0, 0, 1]], A⁻¹ = [[1, -1, -1], [0, 1, 0], [0, 0, 1]]:
        // κ₁(A) = 2·2 = 4 but κ∞(A) = 3·3 = 9, so the layout translation must pick the right norm.
        double[] a = {1, 1, 1, 0, 1, 0, 0, 0, 1};
        assertEquals(0.25, LU.factor(a, 3).rcond(), 1e-14);
        assertEquals(1.0 / 9, LU.factor(TestMatrices.transpose(a, 3, 3), 3).rcond(), 1e-14);
    }

    @Test
    void determinantSignFollowsRowInterchanges() {
        // [[0, 1], [1, 0]]: a permutation, det = −1; [[1, 2], [3, 4]]: det = −2; [[4, 3], [6, 3]]: −6.
        assertEquals(-1.0, LU.factor(new double[] {0, 1, 1, 0}, 2).determinant(), 0.0);
        assertEquals(-2.0, LU.factor(new double[] {1, 2, 3, 4}, 2).determinant(), 1e-14);
        LU lu = LU.factor(new double[] {4, 3, 6, 3}, 2);
        assertEquals(-6.0, lu.determinant(), 1e-14);
        assertArrayEquals(new double[] {1, 2}, lu.solve(new double[] {10, 12}), 1e-14);
        assertArrayEquals(new double[] {1, 2}, lu.solveTransposed(new double[] {16, 9}), 1e-14);
    }

    @Test
    void exactlySingularMatrixNamesZeroPivot() {
        SingularMatrixException e = assertThrows(SingularMatrixException.class,
                () -> LU.factor(new double[] {1, 2, 2, 4}, 2));
        assertEquals("LU.factor: matrix is singular (n = 2): zero pivot at index 1", e.getMessage());
        assertEquals(1, e.pivotIndex());
        assertEquals("LU.factor", e.operation());
        assertEquals(2, e.rows());
        assertTrue(Double.isNaN(e.rcond()));
        ArithmeticException asArithmetic = e;
        assertEquals(e, asArithmetic);
    }

    @Test
    void duplicatedRowIsSingular() {
        int n = 50;
        double[] a = TestMatrices.nonsymmetric(5, n);
        System.arraycopy(a, 7 * n, a, 31 * n, n);   // row 31 := row 7
        SingularMatrixException e = assertThrows(SingularMatrixException.class, () -> LU.factor(a, n));
        assertTrue(e.getMessage().startsWith("LU.factor: matrix is singular"), e.getMessage());
        assertTrue(e.getMessage().contains("(n = 50)"), e.getMessage());
        // Either the pivot came out exactly zero, or rounding left a tiny one that rcond caught.
        assertTrue(e.pivotIndex() >= 0 || e.rcond() < e.threshold(), e.getMessage());
    }

    @Test
    void nearlySingularMatrixIsRefusedByRcond() {
        // [[1, 1], [1, 1 + 2ε]]: the second pivot is 2ε, not zero, and rcond ≈ ε/2 < 2ε.
        double[] a = {1, 1, 1, 1 + 2 * Math.ulp(1.0)};
        SingularMatrixException e = assertThrows(SingularMatrixException.class, () -> LU.factor(a, 2));
        assertEquals(-1, e.pivotIndex());
        assertEquals(2 * Math.ulp(1.0), e.threshold(), 0.0);
        assertTrue(e.rcond() < e.threshold());
        assertTrue(e.getMessage().startsWith("LU.factor: matrix is singular to working precision (n = 2): "
                + "estimated reciprocal condition number rcond = "), e.getMessage());
        assertTrue(e.getMessage().endsWith("is below the threshold " + e.threshold()), e.getMessage());
        // With the check switched off the factorization goes through and says how bad it is.
        LU lu = LU.factor(a, 2, 0.0);
        assertTrue(lu.rcond() < 1e-15);
    }

    @Test
    void nanAndInfinityAreRefused() {
        double[] a = TestMatrices.nonsymmetric(6, 5);
        a[3 * 5 + 4] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LU.factor(a, 5));
        assertEquals("LU.factor: matrix contains NaN at (3, 4)", e.getMessage());
        LU lu = LU.factor(TestMatrices.nonsymmetric(6, 5), 5);
        double[] b = new double[5];
        b[2] = Double.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> lu.solveTransposed(b));
        assertEquals("LU.solveTransposed: right-hand side contains -Infinity at index 2", e.getMessage());
    }

    @Test
    void emptyAndOneByOne() {
        LU empty = LU.factor(new double[0], 0);
        assertEquals(0, empty.size());
        assertEquals(1.0, empty.determinant());
        assertEquals(0, empty.solve(new double[0]).length);
        assertEquals(0, empty.solveTransposed(new double[0], 4).length);
        assertEquals(0, empty.inverse().length);

        LU one = LU.factor(new double[] {-5}, 1);
        assertArrayEquals(new double[] {-2}, one.solve(new double[] {10}), 0.0);
        assertArrayEquals(new double[] {-2, 0.2}, one.solve(new double[] {10, -1}, 2), 1e-16);
        assertEquals(-5.0, one.determinant());
        assertEquals(1.0, one.rcond());
        SingularMatrixException e = assertThrows(SingularMatrixException.class, () -> LU.factor(new double[] {0}, 1));
        assertEquals("LU.factor: matrix is singular (n = 1): zero pivot at index 0", e.getMessage());
    }
}
