package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ridge and lasso commands end to end: JSON output, plots, user data files and their errors. */
class ExampleCommandsTest {

    @TempDir
    Path dir;

    @Test
    void ridgeJsonHasOneObjectPerStepWithTheReferenceFirstLoss() {
        MainTest.Run r = MainTest.run("example", "ridge", "--steps", "2", "--json");
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        JsonObject first = JsonParser.parseString(lines[0]).getAsJsonObject();
        assertEquals(28571.122030179566, first.get("loss").getAsDouble(), 1e-6);
        assertEquals(325.7625725279274, first.get("hypergradient").getAsDouble(), 1e-6);
        assertTrue(first.has("innerIterations") && first.has("adjointResidual"), lines[0]);
    }

    @Test
    void lassoWritesBothPlots() throws IOException {
        Path png = dir.resolve("lasso.png");
        MainTest.Run r = MainTest.run("example", "lasso", "--steps", "2", "--plot", png.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.size(png) > 1000);
        assertTrue(Files.size(dir.resolve("lasso-path.png")) > 1000);
        assertTrue(r.out().contains("implicit differentiation"), r.out());
    }

    @Test
    void userDataFileIsUsedAndItsErrorsAreOneLine() throws IOException {
        Path good = dir.resolve("good.csv");
        StringBuilder csv = new StringBuilder("is_val,y,f0,f1\n");
        for (int i = 0; i < 30; i++) {
            double a = Math.sin(i);
            double b = Math.cos(3 * i);
            csv.append(i < 20 ? 0 : 1).append(',').append(2 * a - b).append(',').append(a).append(',').append(b)
                    .append('\n');
        }
        Files.writeString(good, csv);
        MainTest.Run ok = MainTest.run("example", "ridge", "--data", good.toString(), "--steps", "2");
        assertEquals(0, ok.status(), ok.err());

        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "is_val,y,f0\n0,1,2\n1,2,oops\n");
        MainTest.Run err = MainTest.run("example", "ridge", "--data", bad.toString());
        assertEquals(2, err.status());
        assertEquals("argdiff: " + bad + ":3: column 3 (f0): 'oops' is not a decimal number\n", err.err());
        assertEquals("", err.out());

        Path noVal = dir.resolve("noval.csv");
        Files.writeString(noVal, "is_val,y,f0\n0,1,2\n0,2,3\n");
        MainTest.Run none = MainTest.run("example", "lasso", "--data", noVal.toString());
        assertEquals(2, none.status());
        assertTrue(none.err().startsWith("argdiff: " + noVal + ": needs at least one training row"), none.err());
        assertEquals(1, none.err().strip().split("\n").length, none.err());
    }

    @Test
    void anUncertifiableDerivativeIsOneLineWithStatus1() {
        MainTest.Run r = MainTest.run("example", "lasso", "--inner-maxiter", "3", "--steps", "1");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("argdiff: rootVjp: the solution is not a root of the optimality condition"),
                r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
    }

    @Test
    void badSolverNameIsRefused() {
        MainTest.Run r = MainTest.run("example", "lasso", "--solver", "sgd");
        assertEquals(2, r.status());
        assertEquals("argdiff: --solver must be pg or bcd, got 'sgd'\n", r.err());
    }
}
