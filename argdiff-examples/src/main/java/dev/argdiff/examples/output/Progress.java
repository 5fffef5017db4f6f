package dev.argdiff.examples.output;

import java.io.Console;
import java.lang.reflect.Method;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error that shows only on an interactive terminal and is silent
 * otherwise (CI, pipes, redirected output), so that logs and {@code --json} output stay clean.
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

    /**
     * Whether the JVM runs attached to an interactive terminal: {@link System#console()} exists
     * and, on Java 22 and later (where it exists even for redirected streams), says it is a
     * terminal.
     */
    public static boolean interactive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // Java 17..21: a console exists only for a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
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
