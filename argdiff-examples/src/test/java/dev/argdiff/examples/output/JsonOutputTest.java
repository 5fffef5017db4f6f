package dev.argdiff.examples.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonOutputTest {

    record Summary(String solver, int iterations, double[] solution, double residual, boolean converged) {
    }

    @Test
    void stepsAreOneParsableObjectPerLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        JsonOutput json = new JsonOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        json.step(JsonOutput.object("step", 0, "loss", 28571.122030179566, "theta", 1.0));
        json.step(JsonOutput.object("step", 1, "loss", 28567.852830463864, "theta", 0.99));

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size());
        JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertEquals(List.of("step", "loss", "theta"), List.copyOf(first.keySet()));
        assertEquals(0, first.get("step").getAsInt());
        assertEquals(28571.122030179566, first.get("loss").getAsDouble());
        assertEquals(0.99, JsonParser.parseString(lines.get(1)).getAsJsonObject().get("theta").getAsDouble());
    }

    @Test
    void documentRoundTripsARecordExactly() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Summary s = new Summary("cg", 17, new double[] {1.366430146091226, -2.9308823877965438, 0.1 + 0.2},
                3.4e-13, true);
        new JsonOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8)).document(s);

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"));
        Summary back = JsonOutput.gson().fromJson(text, Summary.class);
        assertEquals(s.solver(), back.solver());
        assertEquals(s.iterations(), back.iterations());
        assertArrayEquals(s.solution(), back.solution()); // doubles survive bit for bit
        assertEquals(s.residual(), back.residual());
        assertEquals(s.converged(), back.converged());
    }

    @Test
    void nonFiniteDoublesBecomeNullSoTheOutputStaysStrictJson() {
        String text = JsonOutput.toJson(JsonOutput.object("loss", Double.NaN, "grad", new double[] {1.0,
                Double.POSITIVE_INFINITY}, "boxed", Double.NEGATIVE_INFINITY));
        assertEquals("{\"loss\":null,\"grad\":[1.0,null],\"boxed\":null}", text);
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        assertTrue(o.get("loss").isJsonNull());
        Summary back = JsonOutput.gson().fromJson("{\"solver\":\"x\",\"iterations\":1,\"solution\":[null],"
                + "\"residual\":null,\"converged\":false}", Summary.class);
        assertTrue(Double.isNaN(back.residual()));
        assertTrue(Double.isNaN(back.solution()[0]));
    }

    @Test
    void objectRefusesMalformedKeyValueLists() {
        assertEquals("JsonOutput.object: expected alternating keys and values, got 3 arguments",
                assertThrows(IllegalArgumentException.class, () -> JsonOutput.object("a", 1, "b")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> JsonOutput.object(1, 2));
        assertEquals("JsonOutput.object: key 'a' appears twice",
                assertThrows(IllegalArgumentException.class, () -> JsonOutput.object("a", 1, "a", 2)).getMessage());
    }
}
