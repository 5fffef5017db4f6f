package dev.argdiff.examples.output;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error, drawn only when standard error is a terminal and standard
 * output is not (see {@link #interactive()}): it never interleaves with table rows, and CI logs
 * and pipes stay clean.
 *
 * <pre>{@code
 * try (Progress progress = Progress.start("outer steps", steps, !json)) {
 *     for (int k = 0; k < steps; k++) {
 *         ...
 *         progress.step("loss " + loss);
 *     }
 * }
 * }</pre>
 */
public final class Progress implements AutoCloseable {

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A progress bar over {@code total} steps, shown iff {@link #interactive()}. */
    public static Progress start(String task, long total) {
        return start(task, total, true);
    }

    /**
     * A progress bar over {@code total} steps, shown iff {@code wanted} and {@link #interactive()}.
     *
     * @throws IllegalArgumentException if {@code total} is negative
     */
    public static Progress start(String task, long total, boolean wanted) {
        if (total < 0) {
            throw new IllegalArgumentException("Progress: total must be ≥ 0, got " + total);
        }
        if (!wanted || !interactive()) {
            return new Progress(null);
        }
        return new Progress(new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .build());
    }

    /** The system property the {@code argdiff} launcher sets to {@code true} when a bar may be drawn. */
    public static final String PROPERTY = "argdiff.progress";

    /**
     * Whether a bar may be drawn: only when standard error is a terminal and standard output is
     * not (redirected to a file or a pipe), so the bar never lands between the rows of a table
     * printed to the same screen, and a long run whose results go to a file still shows progress.
     * Java cannot tell whether standard error is a terminal, so the {@code argdiff} launcher
     * decides ({@code [ -t 2 ] && ! [ -t 1 ]}) and passes {@code -Dargdiff.progress=true}; without
     * it (tests, CI, {@code java -jar} directly) nothing is drawn.
     */
    public static boolean interactive() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** Whether this progress bar is drawn. */
    public boolean visible() {
        return bar != null;
    }

    /** One step done. */
    public void step() {
        if (bar != null) {
            bar.step();
        }
    }

    /** One step done; {@code message} is shown after the bar (for example the current loss). */
    public void step(String message) {
        if (bar != null) {
            bar.setExtraMessage(message);
            bar.step();
        }
    }

    /** {@code done} steps done in total. */
    public void stepTo(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    /** Finishes the bar (prints its final state and a newline when visible). */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
