package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.argdiff.data.Datasets;

import org.junit.jupiter.api.Test;

/**
 * --theta is log(l2reg) / log(lambda): a value whose exponential overflows is a bad option and must be
 * reported as such, before any work, not as an internal "ridge"/"l1reg" failure of the library.
 */
class ThetaRangeTest {

    @Test
    void ridgeRefusesAThetaWhoseExponentialOverflows() {
        MainTest.Run r = MainTest.run("example", "ridge", "--steps", "1", "--theta", "800");
        assertEquals(2, r.status(), r.err());
        assertEquals("argdiff: --theta must be at most 350 (beyond, l2reg = exp(theta) > 1e152 and the solver's "
                + "products with it overflow), got 800.0\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void lassoRefusesAThetaWhoseExponentialOverflows() {
        MainTest.Run r = MainTest.run("example", "lasso", "--steps", "1", "--theta", "800");
        assertEquals(2, r.status(), r.err());
        assertEquals("argdiff: --theta must be at most 350 (beyond, lambda = exp(theta) > 1e152 and the solver's "
                + "products with it overflow), got 800.0\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void aThetaThatPassedTheOldCheckAndThenOverflowedIsRefused() {
        // θ = 700 passed the old bound (log(Double.MAX_VALUE)) and then failed in CG with "run the solver longer".
        for (String example : new String[] {"ridge", "lasso"}) {
            MainTest.Run r = MainTest.run("example", example, "--steps", "1", "--theta", "700");
            assertEquals(2, r.status(), example + ": " + r.err());
            assertTrue(r.err().startsWith("argdiff: --theta must be at most 350 "), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void theLargestAcceptedThetaRunsAndGivesTheZeroSolution() {
        // exp(350) ≈ 1e152: w* = 0 to every digit, so the validation loss is mean(y_val²) of the data.
        double[] yVal = Datasets.diabetesSplit().yVal();
        double meanSquare = 0;
        for (double y : yVal) {
            meanSquare += y * y / yVal.length;
        }
        for (String example : new String[] {"ridge", "lasso"}) {
            MainTest.Run r = MainTest.run("example", example, "--steps", "1", "--theta", "350", "--json");
            assertEquals(0, r.status(), example + ": " + r.err());
            JsonObject step = JsonParser.parseString(r.out().strip().split("\n")[0]).getAsJsonObject();
            assertEquals(meanSquare, step.get("loss").getAsDouble(), 1e-9 * meanSquare, example);
            assertEquals(350.0, step.get("theta").getAsDouble(), 0.0);
        }
    }
}
