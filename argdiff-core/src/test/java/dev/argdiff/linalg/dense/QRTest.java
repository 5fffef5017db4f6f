package dev.argdiff.linalg.dense;

import dev.argdiff.testing.PlainLinearAlgebra;

import static dev.argdiff.linalg.dense.TestMatrices.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QRTest {

    @Test
    void matchesNormalEquationsOnRandomProblem() {
        int m = 50;
        int n = 10;
        double[] a = TestMatrices.random(21, m * n);
        double[] b = TestMatrices.random(22, m);
        double[] aCopy = a.clone();
        double[] bCopy = b.clone();
        double[] x = QR.leastSquares(a, m, n, b);
        // Closed form x = (AᵀA)⁻¹Aᵀb, with naive products and a Cholesky solve.
        double[] at = TestMatrices.transpose(a, m, n);
        double[] ata = TestMatrices.multiply(at, n, m, a, n);
        double[] atb = TestMatrices.multiply(at, n, m, b, 1);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                ata[j * n + i] = ata[i * n + j];
            }
        }
        double[] expected = Cholesky.factor(ata, n).solve(atb);
        assertTrue(maxAbsDiff(expected, x) <= 1e-10, "max diff " + maxAbsDiff(expected, x));
        // Optimality: the residual is orthogonal to the columns of A.
        double[] r = TestMatrices.subtract(TestMatrices.multiply(a, m, n, x, 1), b);
        double[] atr = TestMatrices.multiply(at, n, m, r, 1);
        assertTrue(PlainLinearAlgebra.norm(atr) <= 1e-12, "‖Aᵀr‖ = " + PlainLinearAlgebra.norm(atr));
        assertArrayEquals(aCopy, a, 0.0);
        assertArrayEquals(bCopy, b, 0.0);
    }

    @Test
    void multipleRightHandSidesMatchSingleSolves() {
        int m = 50;
        int n = 10;
        int nrhs = 3;
        double[] a = TestMatrices.random(23, m * n);
        double[] b = TestMatrices.random(24, m * nrhs);
        double[] x = QR.leastSquares(a, m, n, b, nrhs);
        assertEquals(n * nrhs, x.length);
        for (int j = 0; j < nrhs; j++) {
            double[] column = new double[m];
            for (int i = 0; i < m; i++) {
                column[i] = b[i * nrhs + j];
            }
            double[] xj = QR.leastSquares(a, m, n, column);
            for (int i = 0; i < n; i++) {
                assertEquals(xj[i], x[i * nrhs + j], 1e-13);
            }
        }
    }

    @Test
    void exactLineFit() {
        double[] c = QR.leastSquares(new double[] {1, 0, 1, 1, 1, 2}, 3, 2, new double[] {1, 3, 5});
        assertArrayEquals(new double[] {1, 2}, c, 1e-14);
    }

    @Test
    void squareSystemIsSolvedExactly() {
        int n = 20;
        double[] a = TestMatrices.nonsymmetric(25, n);
        double[] b = TestMatrices.random(26, n);
        assertTrue(maxAbsDiff(LU.factor(a, n).solve(b), QR.leastSquares(a, n, n, b)) <= 1e-12);
    }

    @Test
    void dependentColumnsAreRankDeficient() {
        int m = 30;
        int n = 5;
        double[] a = TestMatrices.random(27, m * n);
        for (int i = 0; i < m; i++) {
            a[i * n + 4] = 2 * a[i * n + 1] - a[i * n + 3];   // column 4 = 2·col 1 − col 3
        }
        SingularMatrixException e = assertThrows(SingularMatrixException.class,
                () -> QR.leastSquares(a, m, n, new double[m]));
        assertTrue(e.getMessage().startsWith("QR.leastSquares: matrix is rank deficient"), e.getMessage());
        assertTrue(e.getMessage().contains("(m = 30, n = 5)"), e.getMessage());
        assertEquals(30, e.rows());
        assertEquals(5, e.cols());
    }

    @Test
    void zeroColumnIsRankDeficientWithExactPivot() {
        double[] a = {1, 0, 2, 0, 3, 0};   // 3×2, second column zero
        SingularMatrixException e = assertThrows(SingularMatrixException.class,
                () -> QR.leastSquares(a, 3, 2, new double[] {1, 2, 3}));
        assertEquals("QR.leastSquares: matrix is rank deficient (m = 3, n = 2): R(1, 1) = 0, zero pivot at index 1",
                e.getMessage());
        assertEquals(1, e.pivotIndex());
    }

    @Test
    void refusesUnderdeterminedAndBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QR.leastSquares(new double[6], 2, 3, new double[2]));
        assertEquals("QR.leastSquares: need m >= n (an overdetermined or square system), got m = 2, n = 3;"
                + " for an underdetermined system use SVD", e.getMessage());
        double[] a = {1, 2, 3, Double.POSITIVE_INFINITY, 5, 6};
        e = assertThrows(IllegalArgumentException.class, () -> QR.leastSquares(a, 3, 2, new double[3]));
        assertEquals("QR.leastSquares: matrix contains Infinity at (1, 1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QR.leastSquares(new double[6], 3, 2, new double[2]));
        assertEquals("QR.leastSquares: b has length 2, expected m = 3", e.getMessage());
    }

    @Test
    void emptyShapes() {
        assertEquals(0, QR.leastSquares(new double[0], 0, 0, new double[0]).length);
        assertEquals(0, QR.leastSquares(new double[0], 4, 0, new double[4]).length);
        assertEquals(0, QR.leastSquares(new double[0], 4, 0, new double[8], 2).length);
        assertArrayEquals(new double[] {2.5}, QR.leastSquares(new double[] {2}, 1, 1, new double[] {5}), 1e-15);
    }
}
