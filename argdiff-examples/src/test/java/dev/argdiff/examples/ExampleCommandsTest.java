package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(3, lines.length, r.out());
        JsonObject first = JsonParser.parseString(lines[0]).getAsJsonObject();
        assertEquals(28571.122030179566, first.get("loss").getAsDouble(), 1e-6);
        assertEquals(325.7625725279274, first.get("hypergradient").getAsDouble(), 1e-6);
        assertTrue(first.has("innerIterations") && first.has("adjointResidual"), lines[0]);
        // The last record is the summary; its baselines are closed forms of the validation targets.
        JsonObject summary = JsonParser.parseString(lines[2]).getAsJsonObject().getAsJsonObject("summary");
        dev.argdiff.data.Datasets.RegressionSplit d = dev.argdiff.data.Datasets.diabetesSplit();
        double zero = 0;
        double trainMean = 0;
        double meanBaseline = 0;
        for (double y : d.yTrain()) {
            trainMean += y / d.nTrain();
        }
        for (double y : d.yVal()) {
            zero += y * y / d.nVal();
            meanBaseline += (y - trainMean) * (y - trainMean) / d.nVal();
        }
        assertEquals(zero, summary.get("baselineZero").getAsDouble(), 1e-9 * zero);
        assertEquals(meanBaseline, summary.get("baselineTrainingMean").getAsDouble(), 1e-9 * meanBaseline);
        assertEquals(28571.122030179566, summary.get("validationLossBefore").getAsDouble(), 1e-6);
        assertFalse(summary.get("outerConverged").getAsBoolean());
        // The loss after two Adam steps: ridge_diabetes.json's adam_example.losses[2] (JAXopt's run, whose
        // CG solve is inexact at the 1e-4 level; the summary solves exactly at the final θ).
        assertEquals(28564.56008587608, summary.get("validationLossAfter").getAsDouble(), 2e-4);
    }

    @Test
    void ridgeSummarysAdviceFinishesTheOuterLoop() {
        // The text summary says --learning-rate 0.1 --steps 300 reaches a stationary point near λ ≈ 0.064.
        MainTest.Run r = MainTest.run("example", "ridge", "--learning-rate", "0.1", "--steps", "300", "--json");
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonObject summary = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject().getAsJsonObject("summary");
        assertTrue(summary.get("outerConverged").getAsBoolean(), lines[lines.length - 1]);
        assertEquals(0.064, summary.get("finalLambda").getAsDouble(), 0.0005);
        // A stationary point of the closed-form validation loss: central differences in θ vanish there.
        double theta = summary.get("finalTheta").getAsDouble();
        RegressionData data = RegressionData.load();
        double h = 1e-4;
        double slope = (RidgeReport.validationLoss(data, Math.exp(theta + h))
                - RidgeReport.validationLoss(data, Math.exp(theta - h))) / (2 * h);
        assertEquals(0, slope, 0.05);
    }

    @Test
    void ridgeTextOpensWithWhatItDoesAndEndsWithTheSummary() {
        MainTest.Run r = MainTest.run("example", "ridge", "--steps", "3");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Ridge regression on the diabetes data"), r.out());
        assertTrue(r.out().contains("columns: validation loss = mean squared error"), r.out());
        assertTrue(r.out().contains("outer loop: NOT converged after 3 steps"), r.out());
        assertTrue(r.out().contains("--learning-rate 0.1"), r.out());
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
