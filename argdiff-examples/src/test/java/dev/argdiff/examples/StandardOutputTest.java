package dev.argdiff.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Results that cannot be delivered are a failure, not a success: a write error on standard output
 * (PrintStream only sets a flag) stops the command with status 1, and a pipe whose reader left
 * stops the computation instead of running on for nothing.
 */
class StandardOutputTest {

    @TempDir
    Path dir;

    /** Accepts {@code lines} lines, then fails every write like a full disk; counts the lines offered. */
    private static final class FailingOutput extends OutputStream {
        private final int lines;
        int newlines;

        FailingOutput(int lines) {
            this.lines = lines;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (newlines >= lines) {
                newlines++;
                throw new IOException("No space left on device");
            }
            for (int i = off; i < off + len; i++) {
                newlines += b[i] == '\n' ? 1 : 0;
            }
        }
    }

    @Test
    void aFullStandardOutputIsStatus1AndOneLine() {
        // Was status 0 with the results lost.
        FailingOutput full = new FailingOutput(0);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new Streams(new PrintStream(full, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)), "example", "ridge", "--steps", "3");
        assertEquals(1, status);
        assertEquals("argdiff: cannot write to standard output: write error (a full disk, a closed pipe or a closed "
                + "stream)\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theProcessOnDevFullExitsWith1AndSaysWhy() throws Exception {
        File devFull = new File("/dev/full");
        assumeTrue(devFull.exists(), "/dev/full exists on Linux");
        File err = dir.resolve("err.txt").toFile();
        Process p = ChildProcess.start(List.of(), ProcessBuilder.Redirect.to(devFull), err, "example", "ridge",
                "--steps", "2");
        assertEquals(1, ChildProcess.waitFor(p, 120));
        assertEquals("argdiff: cannot write to standard output: No space left on device\n", ChildProcess.stderr(err));
    }

    @Test
    void aCommandStopsAtTheFirstWriteThatFails() {
        // 2 000 000 outer steps would run for many minutes; the reader takes one line and fails the rest.
        FailingOutput oneLine = new FailingOutput(1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.run(new Streams(
                new PrintStream(oneLine, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)),
                "example", "ridge", "--steps", "2000000", "--json"));
        assertEquals(1, status);
        assertEquals(2, oneLine.newlines, "one line delivered, the second refused, no third attempted");
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("argdiff: cannot write to standard output"));
    }

    @Test
    void theProcessStopsQuietlyWhenThePipeReaderLeaves() throws Exception {
        // `argdiff example ridge --steps 2000000 --json | head -1` kept computing after head exited.
        File err = dir.resolve("err.txt").toFile();
        Process p = ChildProcess.start(List.of(), ProcessBuilder.Redirect.PIPE, err, "example", "ridge", "--steps",
                "2000000", "--json");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = r.readLine();
            assertTrue(first != null && first.startsWith("{\"step\":1,"), String.valueOf(first));
        } // closing the reading end is what `head -1` does when it exits
        assertEquals(1, ChildProcess.waitFor(p, 60));
        assertEquals("", ChildProcess.stderr(err), "a reader that leaves is not an error to report");
    }
}
