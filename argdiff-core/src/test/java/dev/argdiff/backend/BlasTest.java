package dev.argdiff.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Row-major and transpose conventions of {@link Blas}, against naive loops. */
class BlasTest {

    private static final double TOL = 1e-12;

    private static double[] random(SplittableRandom rng, int len) {
        double[] x = new double[len];
        for (int i = 0; i < len; i++) {
            x[i] = rng.nextDouble(-1, 1);
        }
        return x;
    }

    /** Entry (i, j) of op(M) where M is stored row-major with {@code cols} columns. */
    private static double op(double[] m, int off, int cols, boolean trans, int i, int j) {
        return trans ? m[off + j * cols + i] : m[off + i * cols + j];
    }

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4}")
    @CsvSource({
        "false,false,3,5,4", "true,false,3,5,4", "false,true,3,5,4", "true,true,3,5,4",
        "false,false,7,2,9", "true,false,7,2,9", "false,true,7,2,9", "true,true,7,2,9",
        "false,false,1,6,1", "true,true,6,1,3", "false,true,40,33,65", "true,false,33,40,65"
    })
    void gemmMatchesNaiveLoopsForEveryTransposeCombination(boolean transA, boolean transB, int m, int n, int k) {
        SplittableRandom rng = new SplittableRandom(17 + m * 31L + n * 7L + k);
        int aOff = 2;
        int bOff = 3;
        int cOff = 1;
        // A stored k×m when transposed, else m×k; B stored n×k when transposed, else k×n.
        int aCols = transA ? m : k;
        int bCols = transB ? k : n;
        double[] a = random(rng, aOff + m * k);
        double[] b = random(rng, bOff + k * n + 4);
        double[] c = random(rng, cOff + m * n + 2);
        double alpha = 1.5;
        double beta = -0.75;
        double[] expected = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += op(a, aOff, aCols, transA, i, p) * op(b, bOff, bCols, transB, p, j);
                }
                expected[cOff + i * n + j] = alpha * sum + beta * c[cOff + i * n + j];
            }
        }
        double[] aCopy = a.clone();
        double[] bCopy = b.clone();
        Blas.gemm(transA, transB, m, n, k, alpha, a, aOff, b, bOff, beta, c, cOff);
        assertArrayEquals(expected, c, TOL, "C, including the entries outside the offset window");
        assertArrayEquals(aCopy, a, 0.0);
        assertArrayEquals(bCopy, b, 0.0);
    }

    @Test
    void gemmWithBetaZeroIgnoresGarbageInC() {
        double[] a = {1, 2, 3, 4};           // [[1, 2], [3, 4]]
        double[] b = {5, 6, 7, 8};           // [[5, 6], [7, 8]]
        double[] c = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Blas.gemm(false, false, 2, 2, 2, 1.0, a, 0, b, 0, 0.0, c, 0);
        assertArrayEquals(new double[] {19, 22, 43, 50}, c, 0.0);
    }

    @Test
    void gemmWithEmptyInnerDimensionScalesC() {
        double[] c = {1, 2, Double.NaN};
        Blas.gemm(false, false, 1, 2, 0, 1.0, new double[0], 0, new double[0], 0, 3.0, c, 0);
        assertArrayEquals(new double[] {3, 6, Double.NaN}, c, 0.0);
        double[] d = {Double.NaN, 1};
        Blas.gemm(true, true, 1, 2, 0, 1.0, new double[0], 0, new double[0], 0, 0.0, d, 0);
        assertArrayEquals(new double[] {0, 0}, d, 0.0);
    }

    @Test
    void gemmWithEmptyOutputDoesNothing() {
        double[] c = {42};
        Blas.gemm(false, false, 0, 3, 2, 1.0, new double[0], 0, new double[6], 0, 0.0, c, 0);
        Blas.gemm(false, false, 3, 0, 2, 1.0, new double[6], 0, new double[0], 0, 0.0, c, 0);
        assertArrayEquals(new double[] {42}, c, 0.0);
    }

    @ParameterizedTest(name = "trans={0} m={1} n={2}")
    @CsvSource({"false,3,5", "true,3,5", "false,5,3", "true,5,3", "false,1,4", "true,1,4", "false,37,64", "true,37,64",
        // above Blas.smallLimit() (2^18 entries at most): the native library's kernels when one is loaded
        "false,600,500", "true,600,500", "false,1,300000", "true,300000,1",
        // between OpenBLAS's threading threshold and the limit: the Java kernels
        "false,200,50", "true,200,50", "false,1000,200", "true,1000,200"})
    void gemvMatchesNaiveLoops(boolean trans, int m, int n) {
        SplittableRandom rng = new SplittableRandom(5 + m * 13L + n);
        int aOff = 1;
        int xOff = 2;
        int yOff = 3;
        int inLen = trans ? m : n;
        int outLen = trans ? n : m;
        double[] a = random(rng, aOff + m * n);
        double[] x = random(rng, xOff + inLen);
        double[] y = random(rng, yOff + outLen + 1);
        double alpha = -2.0;
        double beta = 0.5;
        double[] expected = y.clone();
        for (int i = 0; i < outLen; i++) {
            double sum = 0;
            for (int p = 0; p < inLen; p++) {
                // op(A)(i, p) with A row-major m×n
                double aip = trans ? a[aOff + p * n + i] : a[aOff + i * n + p];
                sum += aip * x[xOff + p];
            }
            expected[yOff + i] = alpha * sum + beta * y[yOff + i];
        }
        Blas.gemv(trans, m, n, alpha, a, aOff, x, xOff, beta, y, yOff);
        // Rounding grows with the length of the sums (the rows of up to 64 terms keep TOL).
        assertArrayEquals(expected, y, TOL * Math.max(1.0, inLen / 64.0));
    }

    @Test
    void midSizedProductsGoToTheJavaKernelsAndOthersToTheImplementationInUse() {
        int limit = Blas.smallLimit();
        assertTrue(limit == 1 << 18 || limit == 1 << 15, "limit " + limit);
        String mid = Blas.forSize(limit).getClass().getName();
        assertTrue(mid.startsWith("dev.ludovic.netlib.blas.") && !mid.contains("JNI"), mid);
        assertEquals(mid, Blas.forSize(Blas.OPENBLAS_THREADED).getClass().getName());
        assertEquals(Blas.name(), Blas.forSize(Blas.OPENBLAS_THREADED - 1L).getClass().getName());
        assertEquals(Blas.name(), Blas.forSize(limit + 1L).getClass().getName());
    }

    @Test
    void gemvWithEmptyInputScalesY() {
        double[] y = {1, 2};
        Blas.gemv(true, 0, 2, 1.0, new double[0], 0, new double[0], 0, 2.0, y, 0);
        assertArrayEquals(new double[] {2, 4}, y, 0.0);
        double[] z = {Double.NaN};
        Blas.gemv(false, 1, 0, 1.0, new double[0], 0, new double[0], 0, 0.0, z, 0);
        assertArrayEquals(new double[] {0}, z, 0.0);
    }

    @Test
    void levelOneHelpersMatchDefinitions() {
        double[] x = {9, 3, -4, 12};
        double[] y = {1, 1, 1, 1};
        assertEquals(5.0, Blas.nrm2(2, x, 1), TOL);
        assertEquals(19.0, Blas.asum(3, x, 1), TOL);
        assertEquals(3 - 4 + 12, Blas.dot(3, x, 1, y, 0), TOL);
        Blas.axpy(2, 2.0, x, 1, y, 2);
        assertArrayEquals(new double[] {1, 1, 7, -7}, y, 0.0);
        Blas.scal(2, -0.5, x, 2);
        assertArrayEquals(new double[] {9, 3, 2, -6}, x, 0.0);
        assertEquals(0.0, Blas.nrm2(0, x, 0));
        assertEquals(0.0, Blas.asum(0, x, 0));
        Blas.axpy(0, 1.0, x, 0, y, 0);
        Blas.scal(0, 0.0, x, 0);
        assertArrayEquals(new double[] {9, 3, 2, -6}, x, 0.0);
    }

    @Test
    void nrm2NeitherOverflowsNorUnderflows() {
        assertEquals(5e200, Blas.nrm2(2, new double[] {3e200, 4e200}, 0), 1e186);
        assertEquals(5e-200, Blas.nrm2(2, new double[] {7, 3e-200, -4e-200}, 1), 1e-214);
        double[] big = new double[100];
        java.util.Arrays.fill(big, -3e200);
        assertEquals(3e201, Blas.nrm2(100, big, 0), 1e187);
        assertEquals(Double.MIN_VALUE, Blas.nrm2(1, new double[] {-Double.MIN_VALUE}, 0));
        assertEquals(0.0, Blas.nrm2(2, new double[2], 0));
        assertEquals(Double.POSITIVE_INFINITY, Blas.nrm2(2, new double[] {1, Double.NEGATIVE_INFINITY}, 0));
        assertTrue(Double.isNaN(Blas.nrm2(2, new double[] {Double.POSITIVE_INFINITY, Double.NaN}, 0)));
        assertFalse(Double.isNaN(Blas.nrm2(2, new double[] {1e300, 1e-300}, 0)));
    }

    @Test
    void gerIsRowMajorRankOneUpdate() {
        double[] x = {0, 1, 2};          // offset 1: x = [1, 2]
        double[] y = {3, 4, 5};          // y = [3, 4, 5]
        double[] a = {7, 0, 0, 0, 0, 0, 1};  // offset 1: 2×3 with a(1, 2) = 1
        Blas.ger(2, 3, 2.0, x, 1, y, 0, a, 1);
        assertArrayEquals(new double[] {7, 6, 8, 10, 12, 16, 21}, a, 0.0);
    }
}
