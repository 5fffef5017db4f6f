package dev.argdiff.linalg.dense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SVDTest {

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"40,15", "15,40", "25,25", "1,7", "7,1"})
    void reconstructsMatrixWithOrthonormalFactors(int m, int n) {
        double[] a = TestMatrices.random(41 + m * 100L + n, m * n);
        double[] aCopy = a.clone();
        SVD svd = SVD.decompose(a, m, n);
        int k = Math.min(m, n);
        double[] u = svd.u();
        double[] s = svd.singularValues();
        double[] vt = svd.vt();
        assertEquals(m * k, u.length);
        assertEquals(k, s.length);
        assertEquals(k * n, vt.length);
        for (int j = 1; j < k; j++) {
            assertTrue(s[j - 1] >= s[j], "descending at " + j);
        }
        assertTrue(s[k - 1] >= 0);
        double[] us = u.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                us[i * k + j] *= s[j];
            }
        }
        double[] rebuilt = TestMatrices.multiply(us, m, k, vt, n);
        assertTrue(TestMatrices.maxAbsDiff(a, rebuilt) <= 1e-10, "max diff " + TestMatrices.maxAbsDiff(a, rebuilt));
        assertIdentity(TestMatrices.multiply(TestMatrices.transpose(u, m, k), k, m, u, k), k);
        assertIdentity(TestMatrices.multiply(vt, k, n, TestMatrices.transpose(vt, k, n), k), k);
        assertArrayEquals(s, SVD.singularValuesOf(a, m, n), 1e-10);
        assertEquals(k, svd.rank());
        assertArrayEquals(aCopy, a, 0.0);
    }

    private static void assertIdentity(double[] g, int k) {
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                assertEquals(i == j ? 1.0 : 0.0, g[i * k + j], 1e-10, "at (" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void diagonalMatrixHasKnownSingularValues() {
        // [[3, 0, 0], [0, -2, 0]]: singular values 3, 2; U = I up to signs, V's rows e₀, e₁ up to signs.
        SVD svd = SVD.decompose(new double[] {3, 0, 0, 0, -2, 0}, 2, 3);
        assertArrayEquals(new double[] {3, 2}, svd.singularValues(), 1e-15);
        double[] u = svd.u();
        double[] vt = svd.vt();
        assertEquals(1.0, Math.abs(u[0]), 1e-15);
        assertEquals(1.0, Math.abs(u[3]), 1e-15);
        assertEquals(3.0, u[0] * vt[0] * 3, 1e-15);
        assertEquals(-2.0, u[3] * vt[4] * 2, 1e-15);
        assertEquals(1.5, svd.conditionNumber(), 1e-15);
        double[] d = {0.5, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1};
        assertArrayEquals(new double[] {4, 1, 0.5, 0}, SVD.singularValuesOf(d, 4, 4), 1e-15);
    }

    @Test
    void rankOfRankDeficientMatrix() {
        double[] x = TestMatrices.random(42, 8 * 2);
        double[] y = TestMatrices.random(43, 2 * 6);
        SVD svd = SVD.decompose(TestMatrices.multiply(x, 8, 2, y, 6), 8, 6);
        assertEquals(2, svd.rank());
        assertTrue(svd.conditionNumber() > 1e12);
    }

    @Test
    void refusesBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SVD.decompose(new double[5], 2, 3));
        assertEquals("SVD.decompose: a has length 5, expected m*n = 6 for m = 2, n = 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SVD.decompose(new double[0], -1, 0));
        assertEquals("SVD.decompose: m must be >= 0, got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SVD.singularValuesOf(new double[] {1, Double.NEGATIVE_INFINITY}, 1, 2));
        assertEquals("SVD.singularValuesOf: matrix contains -Infinity at (0, 1)", e.getMessage());
    }

    @Test
    void emptyShapes() {
        SVD svd = SVD.decompose(new double[0], 3, 0);
        assertEquals(0, svd.u().length);
        assertEquals(0, svd.singularValues().length);
        assertEquals(0, svd.vt().length);
        assertEquals(0, svd.rank());
        assertTrue(Double.isNaN(svd.conditionNumber()));
        SVD one = SVD.decompose(new double[] {-4}, 1, 1);
        assertArrayEquals(new double[] {4}, one.singularValues(), 0.0);
        assertEquals(-4.0, one.u()[0] * 4 * one.vt()[0], 0.0);
    }
}
