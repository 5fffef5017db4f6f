package dev.argdiff.examples;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Standard output that fails loudly. A {@link PrintStream} swallows write errors (it only sets a
 * flag that {@link PrintStream#checkError()} reports), so a full disk ({@code > /dev/full}) or a
 * reader that has gone ({@code | head -1}) would lose the results and let the command run on and
 * exit 0. Every write through a guarded stream either reaches its target or throws a
 * {@link Failure}, which stops the command where it is; {@link Main} turns it into exit status 1.
 */
final class StdoutGuard extends OutputStream {

    /** A write to standard output failed; the command cannot deliver its results. */
    static final class Failure extends UncheckedIOException {
        private static final long serialVersionUID = 1L;

        Failure(IOException cause) {
            super("cannot write to standard output: " + cause.getMessage(), cause);
        }

        /** The reader of a pipe went away (EPIPE): the user stopped reading, nothing to report. */
        boolean brokenPipe() {
            String m = getCause().getMessage();
            return m != null && m.contains("Broken pipe");
        }
    }

    private final OutputStream target;
    /** Set at the first failed write; the command is stopped and the failure reported once. */
    private volatile boolean failed;
    /** The same object as {@code target} when it is a PrintStream, whose errors come only from checkError(). */
    private final PrintStream printTarget;

    private StdoutGuard(OutputStream target) {
        this.target = target;
        this.printTarget = target instanceof PrintStream p ? p : null;
    }

    /**
     * The process's standard output, guarded, in the charset {@code System.out} uses: line-flushed,
     * and an I/O error (for example "No space left on device", "Broken pipe") keeps its cause.
     */
    static PrintStream system() {
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        Charset charset;
        try {
            charset = name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            charset = Charset.defaultCharset();
        }
        StdoutGuard guard = new StdoutGuard(new FileOutputStream(FileDescriptor.out));
        return new Guarded(guard, new BufferedOutputStream(guard, 8192), charset);
    }

    /**
     * {@code out} guarded (unchanged if it already is): text is written to it as UTF-8 bytes, and
     * after each write its error flag is checked, since a PrintStream keeps no cause.
     */
    static PrintStream guard(PrintStream out) {
        if (out.getClass() == Guarded.class) {
            return out;
        }
        StdoutGuard guard = new StdoutGuard(out);
        return new Guarded(guard, guard, StandardCharsets.UTF_8);
    }

    /**
     * Whether a write through this guarded stream has already failed (and been reported): its
     * buffered rest cannot be delivered either.
     */
    static boolean failed(PrintStream out) {
        return out instanceof Guarded g && g.guard.failed;
    }

    /** A stream that throws on a failed write. */
    private static final class Guarded extends PrintStream {
        private final StdoutGuard guard;

        Guarded(StdoutGuard guard, OutputStream out, Charset charset) {
            super(out, true, charset);
            this.guard = guard;
        }
    }

    @Override
    public void write(int b) {
        try {
            target.write(b);
        } catch (IOException e) {
            throw fail(e);
        }
        check();
    }

    @Override
    public void write(byte[] b, int off, int len) {
        try {
            target.write(b, off, len);
        } catch (IOException e) {
            throw fail(e);
        }
        check();
    }

    @Override
    public void flush() {
        try {
            target.flush();
        } catch (IOException e) {
            throw fail(e);
        }
        check();
    }

    private Failure fail(IOException e) {
        failed = true;
        return new Failure(e);
    }

    private void check() {
        if (printTarget != null && printTarget.checkError()) {
            throw fail(new IOException("write error (a full disk, a closed pipe or a closed stream)"));
        }
    }
}
