package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/**
 * {@code argdiff bench lasso} on the smallest reference problem, one timed run: the values it prints
 * next to the reference's agree with them (JAXopt's implicit and PyTorch's unrolled hypergradient
 * after 200 iterations, to the 1e-8 the reference file states), and the implicit floor it reports
 * is 1 + (adjoint Krylov iterations)/(solver iterations).
 */
class LassoBenchTest {

    @Test
    void benchLassoReportsTheReferenceValuesAndTheImplicitFloor() {
        MainTest.Run r = MainTest.run("bench", "lasso", "--sizes", "200x50", "--repeats", "1", "--stepsize",
                "lipschitz", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject row = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("rows").get(0)
                .getAsJsonObject();
        assertEquals(37, row.get("nnz").getAsInt());
        assertEquals(row.get("refNnz").getAsInt(), row.get("nnz").getAsInt());
        double ref = row.get("refGradImplicit").getAsDouble();
        assertEquals(ref, row.get("gradImplicit").getAsDouble(), 1e-8 * Math.abs(ref), row.toString());
        double refUnrolled = row.get("refGradUnrolled").getAsDouble();
        assertEquals(refUnrolled, row.get("gradUnrolled").getAsDouble(), 1e-8 * Math.abs(refUnrolled), row.toString());
        int k = row.get("adjointIterations").getAsInt();
        assertTrue(k > 0 && k <= 50, "adjoint iterations " + k);
        assertEquals(1 + k / 200.0, row.get("implicitFloor").getAsDouble(), 1e-15);
        assertTrue(row.get("fixedSolveMs").getAsDouble() > 0 && row.get("blasFloorMs").getAsDouble() > 0,
                row.toString());
    }
}
