package dev.argdiff.examples.output;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The closing summary of an example: the same facts as readable text (after the table) and as
 * the last JSON record of {@code --json} output, {@code {"summary": {...}}}.
 *
 * <pre>{@code
 * Summary.titled("Summary")
 *     .value("finalTheta", "final θ", theta, "%.6f")
 *     .note("The outer loop did not converge in 50 steps; run it longer with --steps 300.")
 *     .print(out, json);
 * }</pre>
 */
public final class Summary {

    private final String title;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final List<String> lines = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private Summary(String title) {
        this.title = title;
    }

    /** An empty summary whose text form starts with {@code title}. */
    public static Summary titled(String title) {
        return new Summary(title);
    }

    /** A number: {@code key} in JSON, "{@code label}: value" (formatted with {@code format}) in text. */
    public Summary value(String key, String label, double value, String format) {
        values.put(key, value);
        lines.add(label + ": " + String.format(java.util.Locale.ROOT, format, value));
        return this;
    }

    /** Any JSON value under {@code key}, shown in text as "{@code label}: {@code text}". */
    public Summary shown(String key, String label, Object jsonValue, String text) {
        values.put(key, jsonValue);
        lines.add(label + ": " + text);
        return this;
    }

    /** A JSON-only value (already shown in text some other way, e.g. in a line of its own). */
    public Summary json(String key, Object jsonValue) {
        values.put(key, jsonValue);
        return this;
    }

    /** A text-only line of the facts block. */
    public Summary line(String text) {
        lines.add(text);
        return this;
    }

    /** A sentence for a newcomer, after the facts; also in JSON under "notes". */
    public Summary note(String text) {
        notes.add(text);
        return this;
    }

    /** The JSON record's body. */
    public Map<String, Object> record() {
        Map<String, Object> r = new LinkedHashMap<>(values);
        if (!notes.isEmpty()) {
            r.put("notes", List.copyOf(notes));
        }
        return r;
    }

    /** Prints the summary: one JSON line {@code {"summary": {...}}} if {@code json}, else the text form. */
    public void print(PrintStream out, boolean json) {
        if (json) {
            new JsonOutput(out).step(Map.of("summary", record()));
            return;
        }
        out.println();
        out.println(title);
        for (String line : lines) {
            out.println("  " + line);
        }
        for (String note : notes) {
            out.println();
            out.println(wrap(note, 100));
        }
    }

    /** {@code text} broken at spaces into lines of at most {@code width} characters. */
    public static String wrap(String text, int width) {
        StringBuilder out = new StringBuilder();
        int lineStart = 0;
        for (String word : text.split(" ")) {
            if (out.length() - lineStart + word.length() + 1 > width && out.length() > lineStart) {
                out.append('\n');
                lineStart = out.length();
            } else if (out.length() > lineStart) {
                out.append(' ');
            }
            out.append(word);
        }
        return out.toString();
    }
}
