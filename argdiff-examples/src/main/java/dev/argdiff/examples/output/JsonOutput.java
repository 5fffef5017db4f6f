package dev.argdiff.examples.output;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Machine-readable output of the examples ({@code --json}): one JSON object per line for
 * per-step records (JSON Lines) and/or one final JSON document.
 *
 * <p>Any object gson can serialize works: maps, records (component names become keys), arrays,
 * lists, numbers, strings. {@link #object(Object...)} builds an ordered map in place. A
 * {@code double} that is NaN or infinite is written as {@code null}, so that the output is
 * always strict JSON (RFC 8259 has no NaN); a consumer sees a missing value, never a parse
 * error. Reading with {@link #gson()} maps {@code null} back to NaN for {@code double} targets.
 *
 * <pre>{@code
 * JsonOutput json = new JsonOutput(System.out);
 * for (int k = 0; k < steps; k++) {
 *     json.step(JsonOutput.object("step", k, "loss", loss));   // {"step":0,"loss":28571.1}
 * }
 * json.document(result);                                       // pretty-printed record
 * }</pre>
 */
public final class JsonOutput {

    private static final Gson COMPACT = builder().create();
    private static final Gson PRETTY = builder().setPrettyPrinting().create();

    private final PrintStream out;

    /** Output to {@code out}; every record is flushed as soon as it is written. */
    public JsonOutput(PrintStream out) {
        this.out = out;
    }

    /** Writes {@code record} as one compact JSON value on one line, then flushes. */
    public void step(Object record) {
        out.println(COMPACT.toJson(record));
        out.flush();
    }

    /** Writes {@code document} as one pretty-printed JSON value followed by a newline, then flushes. */
    public void document(Object document) {
        out.println(PRETTY.toJson(document));
        out.flush();
    }

    /** {@code value} as compact JSON text, with the conventions of this class. */
    public static String toJson(Object value) {
        return COMPACT.toJson(value);
    }

    /** The gson instance used for compact output, for callers that also need to parse. */
    public static Gson gson() {
        return COMPACT;
    }

    /**
     * An insertion-ordered map from alternating keys and values:
     * {@code object("step", 1, "loss", 0.5)}.
     *
     * @throws IllegalArgumentException if the number of arguments is odd, a key is not a
     *         String, or a key repeats
     */
    public static Map<String, Object> object(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("JsonOutput.object: expected alternating keys and values, got "
                    + keysAndValues.length + " arguments");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (!(keysAndValues[i] instanceof String key)) {
                throw new IllegalArgumentException("JsonOutput.object: argument " + i + " must be a String key, got "
                        + keysAndValues[i]);
            }
            if (map.containsKey(key)) {
                throw new IllegalArgumentException("JsonOutput.object: key '" + key + "' appears twice");
            }
            map.put(key, keysAndValues[i + 1]);
        }
        return map;
    }

    private static GsonBuilder builder() {
        TypeAdapter<Double> finiteOrNull = new TypeAdapter<>() {
            @Override
            public void write(JsonWriter writer, Double value) throws IOException {
                if (value == null || !Double.isFinite(value)) {
                    writer.nullValue();
                } else {
                    writer.value(value.doubleValue());
                }
            }

            @Override
            public Double read(JsonReader reader) throws IOException {
                if (reader.peek() == JsonToken.NULL) {
                    // The inverse of write: a non-finite double was written as null.
                    reader.nextNull();
                    return Double.NaN;
                }
                return reader.nextDouble();
            }
        };
        return new GsonBuilder()
                .disableHtmlEscaping()
                .serializeNulls()
                .registerTypeAdapter(Double.class, finiteOrNull)
                .registerTypeAdapter(double.class, finiteOrNull);
    }
}
