package dev.argdiff.examples;

import java.io.PrintStream;

/**
 * Where a command writes: results on {@code out}, diagnostics and errors on {@code err}.
 * A command class with a constructor taking {@code Streams} receives the streams of the
 * {@link Main#run} call, so tests can capture its output.
 */
public record Streams(PrintStream out, PrintStream err) {

    /**
     * The process's standard output and standard error; standard output throws on a failed write
     * (a full disk, a closed pipe) instead of dropping the results silently.
     */
    public static Streams system() {
        return new Streams(StdoutGuard.system(), System.err);
    }
}
