package dev.argdiff.backend;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * netlib's "Failed to load implementation from" warnings stay off a library user's console when
 * a backend loads. Run in a fresh JVM (class initialization happens once per JVM) without
 * {@code --add-modules jdk.incubator.vector}, so netlib's VectorBLAS always fails to load and
 * warns: the control run, which asks netlib directly, shows that warning on standard error.
 */
class NetlibLoadingTest {

    /** The program of the child JVM: args[0] "netlib" asks netlib directly, "argdiff" goes through Blas and Lapack. */
    public static final class Child {
        public static void main(String[] args) {
            if (args[0].equals("netlib")) {
                System.out.println(dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getName());
            } else {
                System.out.println(Blas.name());
                double[] x = {1, 2, 3};
                System.out.println(Blas.dot(3, x, 0, x, 0));
                System.out.println(Lapack.class.getName());
                // A solve through LAPACK initializes it too.
                System.out.println(dev.argdiff.linalg.dense.Cholesky.factor(new double[] {4, 2, 2, 3}, 2)
                        .solve(new double[] {2, 5})[1]);
            }
        }
    }

    private static String[] runChild(String mode) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Child.class.getName(), mode).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), "child failed: " + err);
        return new String[] {out, err};
    }

    @Test
    void skippedBackendsAreNotReportedOnStandardErrorWhenOneLoaded() throws Exception {
        String[] control = runChild("netlib");
        assertTrue(control[1].contains("Failed to load implementation from"),
                "control: netlib itself warns about the missing VectorBLAS; stderr was: " + control[1]);

        String[] viaArgdiff = runChild("argdiff");
        assertFalse(viaArgdiff[1].contains("Failed to load"), "stderr: " + viaArgdiff[1]);
        assertEquals("", viaArgdiff[1].strip(), "nothing at all on stderr");
        String[] lines = viaArgdiff[0].strip().split("\\R");
        assertTrue(lines[0].startsWith("dev.ludovic.netlib.blas."), lines[0]);
        assertEquals(14.0, Double.parseDouble(lines[1]), 0.0);              // 1 + 4 + 9
        // [[4, 2], [2, 3]]·x = [2, 5]: x = [−0.5, 2].
        assertEquals(2.0, Double.parseDouble(lines[3]), 1e-12);
    }
}
