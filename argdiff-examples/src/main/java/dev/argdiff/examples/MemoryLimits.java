package dev.argdiff.examples;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Memory and the command line: sizes that cannot fit are refused before anything is allocated
 * ({@link #require}), and an {@link OutOfMemoryError} that happens anyway is one line
 * ({@link #report}): what ran out, the options the user gave (the likely cause: a size, an
 * iteration count with unrolling, a data file) and how to give Java more memory through the
 * launcher ({@code ARGDIFF_JAVA_OPTS=-Xmx…}).
 */
final class MemoryLimits {
    private MemoryLimits() {
    }

    /** Beyond this, more memory is not a practical suggestion (256 GiB). */
    private static final double SUGGEST_LIMIT = 256.0 * (1L << 30);

    /**
     * Refuses a run whose data alone needs more than the heap Java may use.
     *
     * @param bytes   a lower bound of what the run keeps in memory at once (a double, so that a
     *                product of large sizes cannot wrap around)
     * @param options the options that set those sizes, with their values, for the message
     * @throws IllegalArgumentException if {@code bytes} exceeds {@link Runtime#maxMemory()}
     */
    static void require(double bytes, String options) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            String more = bytes > SUGGEST_LIMIT ? "" : String.format(Locale.ROOT,
                    ", or let Java use more memory, e.g. ARGDIFF_JAVA_OPTS=-Xmx%dg", suggestGiB(bytes));
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s need at least %s of memory, more than "
                    + "the %s Java may use; lower them%s", options, size(bytes), size(max), more));
        }
    }

    /** Prints the report on the command line's standard error and returns {@link Main#EXIT_FAILURE}. */
    static int report(OutOfMemoryError e, CommandLine cl) {
        PrintWriter err = cl.getErr();
        err.println("argdiff: " + message(e, cl.getParseResult()));
        err.flush();
        return Main.EXIT_FAILURE;
    }

    static String message(OutOfMemoryError e, ParseResult parsed) {
        long max = Runtime.getRuntime().maxMemory();
        String command = "the command";
        List<String> given = new ArrayList<>();
        if (parsed != null) {
            ParseResult p = parsed;
            while (p.hasSubcommand()) {
                p = p.subcommand();
            }
            command = "'" + p.commandSpec().qualifiedName() + "'";
            for (OptionSpec o : p.matchedOptions()) {
                List<String> values = o.originalStringValues();
                given.add(o.longestName() + (o.arity().max() == 0 || values.isEmpty() ? "" : " "
                        + values.get(values.size() - 1)));
            }
        }
        return String.format(Locale.ROOT, "out of memory (%s; Java may use at most %s): %s%s needs more; use "
                        + "smaller sizes or fewer iterations, or let Java use more memory, e.g. "
                        + "ARGDIFF_JAVA_OPTS=-Xmx%dg", e.getMessage() == null ? "heap" : e.getMessage(), size(max),
                command, given.isEmpty() ? "" : " with " + String.join(" ", given), suggestGiB(2.0 * max));
    }

    /** A byte count in MiB, GiB or TiB, for messages. */
    static String size(double bytes) {
        double mib = bytes / (1L << 20);
        if (mib >= 1024.0 * 1024) {
            return String.format(Locale.ROOT, "%.3g TiB", mib / (1024.0 * 1024));
        }
        return mib >= 1024 ? String.format(Locale.ROOT, "%.1f GiB", mib / 1024)
                : String.format(Locale.ROOT, "%.0f MiB", mib);
    }

    /** A whole number of GiB at least {@code bytes} (and at least 2), for an -Xmx suggestion. */
    private static long suggestGiB(double bytes) {
        return Math.max(2, (long) Math.ceil(bytes / (1L << 30)));
    }
}
