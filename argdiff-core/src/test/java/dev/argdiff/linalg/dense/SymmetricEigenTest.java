package dev.argdiff.linalg.dense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void eigenpairsAndOrthonormalityOnRandomSymmetricMatrix() {
        int n = 60;
        double[] r = TestMatrices.random(31, n * n);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i * n + j] = r[i * n + j] + r[j * n + i];   // symmetric, indefinite
            }
        }
        double[] aCopy = a.clone();
        SymmetricEigen eig = SymmetricEigen.decompose(a, n);
        double[] lambda = eig.eigenvalues();
        double[] v = eig.eigenvectors();
        for (int j = 1; j < n; j++) {
            assertTrue(lambda[j - 1] <= lambda[j], "ascending at " + j);
        }
        assertTrue(lambda[0] < 0 && lambda[n - 1] > 0, "indefinite test matrix");
        for (int j = 0; j < n; j++) {
            double[] vj = eig.eigenvector(j);
            for (int i = 0; i < n; i++) {
                assertEquals(v[i * n + j], vj[i], 0.0, "eigenvector(j) is column j of eigenvectors()");
            }
            double[] av = TestMatrices.multiply(a, n, n, vj, 1);
            for (int i = 0; i < n; i++) {
                assertEquals(lambda[j] * vj[i], av[i], 1e-10, "A·v = λ·v for pair " + j);
            }
        }
        double[] vtv = TestMatrices.multiply(TestMatrices.transpose(v, n, n), n, n, v, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(i == j ? 1.0 : 0.0, vtv[i * n + j], 1e-10, "VᵀV at (" + i + ", " + j + ")");
            }
        }
        assertArrayEquals(lambda, SymmetricEigen.eigenvaluesOf(a, n), 1e-10);
        assertArrayEquals(aCopy, a, 0.0);
    }

    @Test
    void knownTwoByTwo() {
        SymmetricEigen e = SymmetricEigen.decompose(new double[] {2, 1, 1, 2}, 2);
        assertArrayEquals(new double[] {1, 3}, e.eigenvalues(), 1e-15);
        double[] v1 = e.eigenvector(1);
        double s = Math.signum(v1[0]);
        assertArrayEquals(new double[] {Math.sqrt(0.5), Math.sqrt(0.5)}, new double[] {s * v1[0], s * v1[1]}, 1e-15);
        double[] v0 = e.eigenvector(0);
        assertEquals(0.0, v0[0] + v0[1], 1e-15);
    }

    @Test
    void diagonalMatrixEigenvaluesAreSortedDiagonal() {
        double[] a = {5, 0, 0, 0, -1, 0, 0, 0, 2};
        assertArrayEquals(new double[] {-1, 2, 5}, SymmetricEigen.eigenvaluesOf(a, 3), 1e-15);
    }

    @Test
    void refusesNonSymmetricAndNan() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SymmetricEigen.decompose(new double[] {1, 2, 3, 4}, 2));
        assertEquals("SymmetricEigen.decompose: matrix is not symmetric: a(1, 0) = 3.0 but a(0, 1) = 2.0",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SymmetricEigen.eigenvaluesOf(new double[] {1, Double.NaN, Double.NaN, 1}, 2));
        assertEquals("SymmetricEigen.eigenvaluesOf: matrix contains NaN at (0, 1)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class,
                () -> SymmetricEigen.decompose(new double[] {1}, 1).eigenvector(1));
    }

    @Test
    void emptyAndOneByOne() {
        SymmetricEigen empty = SymmetricEigen.decompose(new double[0], 0);
        assertEquals(0, empty.eigenvalues().length);
        assertEquals(0, empty.eigenvectors().length);
        assertEquals(0, SymmetricEigen.eigenvaluesOf(new double[0], 0).length);
        SymmetricEigen one = SymmetricEigen.decompose(new double[] {-7}, 1);
        assertArrayEquals(new double[] {-7}, one.eigenvalues(), 0.0);
        assertEquals(1.0, Math.abs(one.eigenvectors()[0]), 0.0);
    }
}
