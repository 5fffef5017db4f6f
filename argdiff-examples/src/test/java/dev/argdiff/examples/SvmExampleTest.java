package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The svm example end to end: the hypergradient through the dual solve agrees with central
 * differences of re-solved problems, every inner solve is certified by a small duality gap, and
 * tuning λ does not lower the validation accuracy.
 */
class SvmExampleTest {

    @TempDir
    Path dir;

    @Test
    void jsonRunChecksItsHypergradientAndCertifiesEveryInnerSolve() throws IOException {
        Path plot = dir.resolve("svm.png");
        MainTest.Run r = MainTest.run("example", "svm", "--steps", "3", "--json", "--plot", plot.toString());
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(4, lines.length, r.out());
        double previousTheta = Double.NaN;
        for (int i = 0; i < 3; i++) {
            JsonObject s = JsonParser.parseString(lines[i]).getAsJsonObject();
            assertEquals(i + 1, s.get("step").getAsInt());
            double gap = s.get("dualityGap").getAsDouble();
            double primal = s.get("primalObjective").getAsDouble();
            // Weak duality makes the gap >= 0 (up to rounding); small means the inner solve is accurate.
            assertTrue(primal > 0 && gap > -1e-12 * primal && gap < 1e-6 * primal,
                    "duality gap " + gap + " for P = " + primal + " at step " + (i + 1));
            assertTrue(s.get("innerError").getAsDouble() <= 1e-6, lines[i]);
            assertTrue(s.get("adjointResidual").getAsDouble() < 1e-6, lines[i]);
            assertEquals(Math.exp(s.get("theta").getAsDouble()), s.get("lambda").getAsDouble(), 1e-12 * s.get("lambda").getAsDouble());
            if (i > 0) {
                // Adam's first steps move θ against the sign of the hypergradient (positive here: lower λ).
                assertTrue(s.get("theta").getAsDouble() < previousTheta, lines[i]);
            }
            previousTheta = s.get("theta").getAsDouble();
        }
        JsonObject summary = JsonParser.parseString(lines[3]).getAsJsonObject().getAsJsonObject("summary");
        double implicit = summary.get("hypergradientImplicit").getAsDouble();
        double fd = summary.get("hypergradientFiniteDifference").getAsDouble();
        assertEquals(fd, implicit, 1e-4 * Math.abs(fd), "implicit vs central differences of re-solves");
        assertTrue(Math.abs(implicit) > 1e-3, "a hypergradient that is not trivially zero: " + implicit);
        assertTrue(summary.get("maxRelativeDualityGap").getAsDouble() < 1e-6, lines[3]);
        assertEquals(Math.exp(3.0), summary.get("lambdaBefore").getAsDouble(), 1e-9);
        assertTrue(summary.get("lambdaAfter").getAsDouble() < summary.get("lambdaBefore").getAsDouble(), lines[3]);
        assertTrue(summary.get("validationLossAfter").getAsDouble() < summary.get("validationLossBefore").getAsDouble(),
                lines[3]);
        assertTrue(summary.get("validationAccuracyAfter").getAsDouble()
                >= summary.get("validationAccuracyBefore").getAsDouble(), lines[3]);
        byte[] png = Files.readAllBytes(plot);
        assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG at " + plot);
    }

    @Test
    void textOutputExplainsTheTable() {
        MainTest.Run r = MainTest.run("example", "svm", "--steps", "1");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.contains("Multiclass linear SVM on the digits: 100 training and 400 validation images"), out);
        assertTrue(out.contains("duality gap") && out.contains("val. acc.") && out.contains("\nlast "), out);
        assertTrue(out.contains("relative difference:") && out.contains("validation accuracy after"), out);
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        MainTest.Run r = MainTest.run("example", "svm", "--theta", "NaN");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--theta must be finite"), r.err());
        r = MainTest.run("example", "svm", "--train", "1500", "--validation", "400");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--train + --validation must be at most 1797"), r.err());
        r = MainTest.run("example", "svm", "--inner-tol", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--inner-tol must be a finite number > 0"), r.err());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SvmExample.Options(0, 0.3, 3, 100, 400,
                3000, 1e-6, 0)).getMessage().contains("--steps must be >= 1"));
    }

    @Test
    void anInnerSolveCutShortIsReportedNotDifferentiated() {
        MainTest.Run r = MainTest.run("example", "svm", "--steps", "1", "--inner-maxiter", "3");
        assertTrue(r.status() != 0, r.out());
        assertTrue(r.err().contains("inner solve stopped with MAX_ITERATIONS") && r.err().contains("--inner-maxiter"),
                r.err());
    }
}
