package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** {@code argdiff bench qp} on a tiny size: the row's KKT residuals, recomputed from the solution, are at rounding level. */
class QpBenchTest {

    @Test
    void benchQpReportsAConvergedSolveWithItsResiduals() {
        MainTest.Run r = MainTest.run("bench", "qp", "--sizes", "16", "--repeats", "1", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject row = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("rows").get(0).getAsJsonObject();
        assertEquals(16, row.get("n").getAsInt());
        assertEquals(8, row.get("m").getAsInt());
        assertEquals("CONVERGED", row.get("status").getAsString());
        assertTrue(row.get("primalResidual").getAsDouble() <= 1e-9, row.toString());
        assertTrue(row.get("dualResidual").getAsDouble() <= 1e-9, row.toString());
        assertTrue(row.get("complementarity").getAsDouble() <= 1e-9, row.toString());
        assertTrue(row.get("gradNormC").getAsDouble() > 0, row.toString());
    }

    @Test
    void rejectsABadSize() {
        MainTest.Run r = MainTest.run("bench", "qp", "--sizes", "1");
        assertEquals(Main.EXIT_USAGE, r.status());
        assertTrue(r.err().contains("--sizes: n must be >= 2, got 1"), r.err());
    }
}
