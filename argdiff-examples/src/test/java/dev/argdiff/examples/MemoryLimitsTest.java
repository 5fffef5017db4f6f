package dev.argdiff.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory: sizes whose data cannot fit are refused before anything is allocated, and running out
 * of memory anyway is one line with status 1 that names the options given and ARGDIFF_JAVA_OPTS,
 * not a 16-line "Exception in thread main java.lang.OutOfMemoryError" trace.
 */
class MemoryLimitsTest {

    @TempDir
    Path dir;

    @Test
    void imamlRefusesTaskCountsWhoseDataCannotFit() {
        // (2e9 + 100 tasks) × (5 + 10 points) × 22 doubles = 5.28e12 bytes = 4.80 TiB, beyond any test heap.
        MainTest.Run r = MainTest.run("example", "imaml", "--tasks", "2000000000", "--steps", "1");
        assertEquals(2, r.status(), r.err());
        assertEquals("", r.out(), "refused before the run prints anything");
        assertTrue(r.err().startsWith("argdiff: --tasks 2000000000 and --held-out-tasks 100 tasks of --shots 5 + "
                + "--queries 10 points need at least 4.80 TiB of memory, more than the "), r.err());
        assertTrue(r.err().endsWith(" Java may use; lower them\n"), r.err());
        MainTest.Run shots = MainTest.run("example", "imaml", "--shots", "2000000000", "--steps", "1");
        assertEquals(2, shots.status(), shots.err());
        assertTrue(shots.err().startsWith("argdiff: --tasks 25 and --held-out-tasks 100 tasks of --shots 2000000000"
                + " + --queries 10 points need at least 40.0 TiB"), shots.err());
    }

    @Test
    void theEstimateSuggestsAHeapWhenOneCouldDo() {
        long max = Runtime.getRuntime().maxMemory();
        double bytes = 1.5 * max;
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MemoryLimits.require(bytes, "--things 3"));
        long gib = Math.max(2, (long) Math.ceil(bytes / (1L << 30)));
        assertTrue(e.getMessage().startsWith("--things 3 need at least "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; lower them, or let Java use more memory, e.g. ARGDIFF_JAVA_OPTS=-Xmx"
                + gib + "g"), e.getMessage());
        MemoryLimits.require(0.5 * max, "--things 1"); // fits: no exception
    }

    @Test
    void runningOutOfMemoryIsOneLineWithStatus1() throws Exception {
        // Any out-of-memory error must end as one line. FISTA with tol 0 now stops once its step error is exactly 0
        // (about 150 iterations on this lasso, whose tape is small), so the heap is made smaller than the run's
        // baseline (data, solver, output) rather than relying on the length of the unrolled tape.
        File err = dir.resolve("err.txt").toFile();
        Process p = ChildProcess.start(List.of("-Xmx8m"), ProcessBuilder.Redirect.DISCARD, err, "example", "lasso",
                "--unrolling", "--inner-tol", "0", "--inner-maxiter", "1000000", "--steps", "1");
        assertEquals(1, ChildProcess.waitFor(p, 300));
        String message = ChildProcess.stderr(err);
        assertEquals(1, message.strip().split("\n").length, message);
        assertTrue(message.startsWith("argdiff: out of memory (Java heap space; Java may use at most "), message);
        assertTrue(message.contains("): 'argdiff example lasso' with --unrolling --inner-tol 0 --inner-maxiter 1000000"
                + " --steps 1 needs more; use smaller sizes or fewer iterations, or let Java use more memory, e.g. "
                + "ARGDIFF_JAVA_OPTS=-Xmx2g\n"), message);
    }
}
