package dev.argdiff.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * Factors A = diag(2n) + Gaussian of order n on a thread with the given stack and returns
     * max |A·x − b| for the solve of A·x = b, b = A·1 (so x = 1).
     */
    private static double luResidualOnThread(int n, long stackBytes, boolean interruptFirst) throws Exception {
        java.util.Random random = new java.util.Random(n);
        double[] a = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            a[i * n + i] += 2 * n;
        }
        double[] b = new double[n];
        for (int col = 0; col < n; col++) {
            for (int row = 0; row < n; row++) {
                b[row] += a[col * n + row];
            }
        }
        double[] worst = {Double.NaN};
        boolean[] interruptKept = {false};
        Thread t = new Thread(null, () -> {
            if (interruptFirst) {
                Thread.currentThread().interrupt();
            }
            double[] lu = a.clone();
            int[] ipiv = new int[n];
            assertEquals(0, Lapack.getrf(n, n, lu, ipiv));
            interruptKept[0] = Thread.currentThread().isInterrupted();
            double[] x = b.clone();
            Lapack.getrs(false, n, 1, lu, ipiv, x);
            double w = 0;
            for (int i = 0; i < n; i++) {
                w = Math.max(w, Math.abs(x[i] - 1));
            }
            worst[0] = w;
        }, "small-stack", stackBytes);
        t.start();
        t.join();
        assertEquals(interruptFirst, interruptKept[0], "the caller's interrupt status is kept");
        return worst[0];
    }

    @Test
    void factorsLargeMatricesOnThreadsWithSmallStacks() throws Exception {
        // OpenBLAS's parallel dgetrf (from 10,000 entries) keeps megabytes of job tables on the
        // calling thread's stack and used to kill the JVM (SIGSEGV) on any thread of up to 2 MB:
        // a crash here fails the whole test run, not just this test.
        for (int n : new int[] {99, 100, 300, 1000}) {
            double err = luResidualOnThread(n, 256 * 1024, false);
            assertTrue(err <= 1e-12, "n = " + n + ": x off by " + err);
        }
        assertTrue(luResidualOnThread(200, 256 * 1024, true) <= 1e-12);
    }
}
