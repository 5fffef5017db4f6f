package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.implicit.ImplicitDiagnostics;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.dense.SVD;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deep equilibrium example: its implicit gradient against central finite differences and
 * against unrolled gradients of growing depth, the spectral-norm projection against an SVD, and
 * a step whose forward solve fails being reported and not used.
 */
class DeqExampleTest {

    @TempDir
    Path dir;

    private static final DigitsTensors DATA = DigitsTensors.shuffled(7).rows(0, 12);
    private static final DeqExample.Params P0 = DeqExample.init(6, 64, 10, 0.8, 11);
    private static final DeqExample.Params DIRECTION = new DeqExample.Params(Tensor.randomNormal(21, 6, 6),
            Tensor.randomNormal(22, 6, 64), Tensor.randomNormal(23, 6), Tensor.randomNormal(24, 10, 6),
            Tensor.randomNormal(25, 10));

    private static Function<DeqExample.Params, Tensor> lossWith(DeqExample.FixedPointSolve solve) {
        Tensor y = DATA.labelTensor();
        return p -> DeqExample.loss(p, DATA.images(), y, solve).value();
    }

    private static double directional(DeqExample.Params g) {
        return Pytree.vdot(g, DIRECTION).item();
    }

    @Test
    void implicitGradientMatchesCentralFiniteDifferencesAtTheFixedPoint() {
        var solve = DeqExample.solver(DeqExample.Solver.ANDERSON, false, 1e-13, 500, d -> { });
        Function<DeqExample.Params, Tensor> loss = lossWith(solve);
        double implicit = directional(Autodiff.grad(loss).apply(P0));
        double h = 1e-5;
        double fd = (loss.apply(Pytree.addScalarMul(P0, h, DIRECTION)).item()
                - loss.apply(Pytree.addScalarMul(P0, -h, DIRECTION)).item()) / (2 * h);
        assertEquals(fd, implicit, 1e-7 * Math.max(1, Math.abs(fd)));
    }

    @Test
    void unrolledGradientTendsToTheImplicitOneAsDepthGrows() {
        var implicitSolve = DeqExample.solver(DeqExample.Solver.ANDERSON, false, 1e-13, 500, d -> { });
        DeqExample.Params implicit = Autodiff.grad(lossWith(implicitSolve)).apply(P0);
        List<Double> errors = new ArrayList<>();
        for (int depth : new int[] {2, 5, 10, 20, 40}) {
            // tol 0: exactly `depth` plain fixed-point steps from Z = 0, backpropagated through.
            var unrolled = DeqExample.solver(DeqExample.Solver.FIXED_POINT, true, 0.0, depth,
                    d -> { });
            DeqExample.Params g = Autodiff.grad(lossWith(unrolled)).apply(P0);
            errors.add(Pytree.l2Norm(Pytree.sub(g, implicit)).item() / Pytree.l2Norm(implicit).item());
        }
        for (int i = 1; i < errors.size(); i++) {
            assertTrue(errors.get(i) < errors.get(i - 1), "errors must shrink with depth: " + errors);
        }
        assertTrue(errors.get(0) > 1e-3, "depth 2 is far from the fixed point: " + errors);
        assertTrue(errors.get(errors.size() - 1) < 1e-8, "depth 40 matches the implicit gradient: " + errors);
    }

    @Test
    void projectionClipsTheSingularValuesOnly() {
        Tensor w = Tensor.randomNormal(3, 5, 5);
        Tensor p = DeqExample.projectSpectralNorm(w, 0.9);
        double[] before = SVD.singularValuesOf(w.toArray(), 5, 5);
        double[] after = SVD.singularValuesOf(p.toArray(), 5, 5);
        for (int i = 0; i < 5; i++) {
            assertEquals(Math.min(before[i], 0.9), after[i], 1e-12);
        }
        // A matrix already inside the ball is returned as is.
        Tensor inside = p.mul(0.5);
        assertSame(inside, DeqExample.projectSpectralNorm(inside, 0.9));
        // diag(2, 0.5) → diag(0.9, 0.5)
        assertArrayEquals(new double[] {0.9, 0, 0, 0.5},
                DeqExample.projectSpectralNorm(Tensor.of(new double[][] {{2, 0}, {0, 0.5}}), 0.9).toArray(), 1e-14);
    }

    @Test
    void aStepWhoseForwardSolveFailsIsReportedAndNotUsed() {
        DeqExample.Options o = new DeqExample.Options(DeqExample.Solver.FIXED_POINT, false, 1, 100, 8, 0.01, 0.9,
                1e-10, 2, 200, 0);
        DeqExample.Result r = DeqExample.run(o, e -> { });
        DeqExample.Epoch e = r.epochs().get(0);
        assertEquals(0, e.steps());
        assertEquals(2, e.skippedSteps());
        assertNotNull(e.firstSkipReason());
        assertTrue(e.firstSkipReason().contains("did not converge") || e.firstSkipReason().contains("refused"),
                e.firstSkipReason());
        DeqExample.Params init = DeqExample.init(8, 64, 10, 0.9, 0);
        assertArrayEquals(init.u().toArray(), r.params().u().toArray(), 0.0);
    }

    @Test
    void aStepWhoseAdjointSolveFailsIsRefusedWithTheReason() {
        AtomicReference<ImplicitDiagnostics> last = new AtomicReference<>();
        ImplicitOptions starved = ImplicitOptions.defaults().withObserver(last::set)
                .withSolver(LinearSolver.gmres().withMaxiter(1).withRestart(1));
        DeqExample.Outcome refused = DeqExample.step(P0, DATA.images(), DATA.labelTensor(),
                DeqExample.solver(DeqExample.Solver.ANDERSON, false, 1e-10, 500, starved), last, 1e-10);
        assertNull(refused.result());
        assertTrue(refused.skipReason().startsWith("implicit differentiation refused the step"), refused.skipReason());
        DeqExample.Outcome used = DeqExample.step(P0, DATA.images(), DATA.labelTensor(),
                DeqExample.solver(DeqExample.Solver.ANDERSON, false, 1e-10, 500, last::set), last, 1e-10);
        assertNull(used.skipReason());
        assertTrue(used.adjointIterations() >= 2, "adjoint iterations " + used.adjointIterations());
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DeqExample.Options(DeqExample.Solver.ANDERSON, false,
                1, 10, 8, 0.01, 1.0, 1e-6, 10, 100, 0));
        MainTest.Run r = MainTest.run("example", "deq", "--solver", "newton");
        assertEquals(2, r.status(), r.err());
    }

    @Test
    void commandPrintsOneJsonObjectPerEpochAndWritesThePlot() throws IOException {
        Path png = dir.resolve("deq.png");
        MainTest.Run r = MainTest.run("example", "deq", "--epochs", "2", "--train-size", "300", "--hidden", "8",
                "--json", "--plot", png.toString());
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        JsonObject first = JsonParser.parseString(lines[0]).getAsJsonObject();
        assertEquals(1, first.get("epoch").getAsInt());
        assertEquals(3, first.get("steps").getAsInt());
        assertTrue(first.get("meanAdjointIterations").getAsDouble() >= 1, lines[0]);
        assertTrue(first.get("meanForwardIterations").getAsDouble() >= 1, lines[0]);
        assertTrue(Files.size(png) > 1000);
    }
}
