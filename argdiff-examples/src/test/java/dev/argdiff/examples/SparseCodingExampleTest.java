package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sparse coding example: the first hypergradient against central finite differences of the
 * outer loss computed with an independent plain-Java coordinate-descent elastic-net solver, the
 * two inner solvers against each other, the loss decrease, the command line and its errors.
 */
class SparseCodingExampleTest {

    @TempDir
    Path dir;

    /** Small and tightly solved: 60 images, 6 atoms. */
    private static SparseCodingExample.Options small(SparseCodingExample.Solver solver, int steps) {
        return new SparseCodingExample.Options(solver, steps, 0.02, 6, 60, 0.3, 0.01, 5000, 1e-11, 3);
    }

    @Test
    void firstHypergradientMatchesFiniteDifferencesOfAnIndependentSolve() {
        SparseCodingExample.Options options = small(SparseCodingExample.Solver.BCD, 1);
        SparseCodingExample.Setup setup = SparseCodingExample.setup(options);
        double[][] x = setup.images().toArray2d();
        double[][] d = setup.dictionary().toArray2d();
        SparseCodingExample.Evaluation e = SparseCodingExample.evaluate(options, setup.images(), setup.dictionary(),
                Tensor.zeros(options.atoms(), options.samples()));

        // The loss itself: the example's inner solution is the reference's.
        double[][] codes = referenceCodes(x, d, options.l1reg(), options.l2reg());
        double loss = referenceLoss(x, d, codes);
        assertEquals(loss, e.loss(), 1e-10 * loss, "outer loss at the initial dictionary");

        // ⟨∇L, V⟩ against (L(D + εV) − L(D − εV)) / 2ε along a seeded random direction.
        double[][] v = Tensor.randomNormal(42, options.atoms(), 64).toArray2d();
        double eps = 1e-5;
        double plus = referenceLoss(x, shifted(d, v, eps), referenceCodes(x, shifted(d, v, eps), options.l1reg(),
                options.l2reg()));
        double minus = referenceLoss(x, shifted(d, v, -eps), referenceCodes(x, shifted(d, v, -eps), options.l1reg(),
                options.l2reg()));
        double fd = (plus - minus) / (2 * eps);
        double implicit = dot(e.gradient().toArray2d(), v);
        System.out.printf("sparse coding: <grad, v> implicit %.12e, finite differences %.12e (relative difference "
                + "%.1e); loss %.12e vs reference %.12e%n", implicit, fd, Math.abs(implicit - fd) / Math.abs(fd),
                e.loss(), loss);
        assertEquals(fd, implicit, 1e-6 * Math.abs(fd), "directional hypergradient vs central finite differences");

        // The test can tell: the partial derivative at fixed codes (what forgetting dC*/dD gives) is far off.
        double partial = dot(partialGradient(x, d, codes), v);
        System.out.printf("sparse coding: the partial derivative at fixed codes would give %.6e%n", partial);
        assertTrue(Math.abs(partial - fd) > 1e-3 * Math.abs(fd), "partial " + partial + " vs total " + fd);
        assertTrue(e.adjoint().linearSolve().relativeResidual() < 1e-10, e.adjoint().summary());
    }

    @Test
    void bothInnerSolversGiveTheSameRun() {
        List<SparseCodingExample.Step> bcd = SparseCodingExample.run(small(SparseCodingExample.Solver.BCD, 3), null)
                .steps();
        List<SparseCodingExample.Step> pg = SparseCodingExample.run(small(SparseCodingExample.Solver.PG, 3), null)
                .steps();
        for (int k = 0; k < 3; k++) {
            assertEquals(bcd.get(k).loss(), pg.get(k).loss(), 1e-9 * bcd.get(k).loss(), "step " + (k + 1) + " loss");
            assertEquals(bcd.get(k).gradientNorm(), pg.get(k).gradientNorm(), 1e-7 * bcd.get(k).gradientNorm(),
                    "step " + (k + 1) + " gradient norm");
        }
    }

    @Test
    void reconstructionLossDecreasesAndAtomsStayInTheUnitBall() {
        SparseCodingExample.Options options = new SparseCodingExample.Options(SparseCodingExample.Solver.BCD, 8, 0.02,
                8, 100, 0.3, 0.01, 1000, 1e-8, 0);
        SparseCodingExample.Result result = SparseCodingExample.run(options, null);
        List<SparseCodingExample.Step> steps = result.steps();
        assertEquals(8, steps.size());
        for (int k = 1; k < steps.size(); k++) {
            assertTrue(steps.get(k).loss() < steps.get(k - 1).loss(), "step " + (k + 1) + ": " + steps.get(k).loss()
                    + " after " + steps.get(k - 1).loss());
        }
        assertTrue(steps.get(7).loss() < 0.8 * steps.get(0).loss(), steps.get(7) + " vs " + steps.get(0));
        for (double[] atom : result.dictionary()) {
            double sq = 0;
            for (double a : atom) {
                sq += a * a;
            }
            assertTrue(sq <= 1 + 1e-12, "atom norm² " + sq);
        }
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertEquals("--atoms must be within 1..64, got 0", assertThrows(IllegalArgumentException.class,
                () -> new SparseCodingExample.Options(SparseCodingExample.Solver.BCD, 1, 0.02, 0, 60, 0.3, 0.01, 10,
                        1e-6, 0)).getMessage());
        assertEquals("--samples must be within 2..1781, got 1790", assertThrows(IllegalArgumentException.class,
                () -> new SparseCodingExample.Options(SparseCodingExample.Solver.BCD, 1, 0.02, 16, 1790, 0.3, 0.01, 10,
                        1e-6, 0)).getMessage());
        assertEquals("--l1reg must be a positive number, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> new SparseCodingExample.Options(SparseCodingExample.Solver.BCD, 1, 0.02, 6, 60, 0, 0.01, 10,
                        1e-6, 0)).getMessage());
        assertEquals("--l2reg must be a finite number >= 0, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> new SparseCodingExample.Options(SparseCodingExample.Solver.BCD, 1, 0.02, 6, 60, 0.3, -1, 10,
                        1e-6, 0)).getMessage());
        MainTest.Run r = MainTest.run("example", "sparse-coding", "--solver", "cd");
        assertEquals(2, r.status());
        assertEquals("argdiff: --solver must be bcd or pg, got 'cd'\n", r.err());
        assertEquals("", r.out());
        MainTest.Run steps = MainTest.run("example", "sparse-coding", "--steps", "0");
        assertEquals(2, steps.status());
        assertEquals("argdiff: --steps must be >= 1, got 0\n", steps.err());
    }

    @Test
    void commandPrintsOneJsonObjectPerStepAndWritesBothPngs() throws IOException {
        Path png = dir.resolve("sc.png");
        MainTest.Run r = MainTest.run("example", "sparse-coding", "--steps", "2", "--samples", "40", "--atoms", "6",
                "--json", "--plot", png.toString());
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        JsonObject first = JsonParser.parseString(lines[0]).getAsJsonObject();
        assertEquals(1, first.get("step").getAsInt());
        for (String key : new String[] {"loss", "relativeError", "gradientNorm", "density", "innerIterations",
                "innerError", "adjointResidual"}) {
            assertTrue(first.has(key), key + " in " + lines[0]);
        }
        // The last record is the summary, repeating the steps' first and last losses.
        JsonObject summary = JsonParser.parseString(lines[2]).getAsJsonObject().getAsJsonObject("summary");
        assertEquals(first.get("loss").getAsDouble(), summary.get("lossFirst").getAsDouble(), 0.0);
        assertEquals(JsonParser.parseString(lines[1]).getAsJsonObject().get("loss").getAsDouble(),
                summary.get("lossLast").getAsDouble(), 0.0);
        assertEquals(6, summary.get("atoms").getAsInt());
        assertTrue(Files.size(png) > 1000);
        assertTrue(Files.size(dir.resolve("sc-atoms.png")) > 1000);
    }

    // ------------------------------------------------------------------ the independent reference

    /**
     * Per image, argmin_c ½‖x − Dᵀc‖² + λ₁(‖c‖₁ + ½λ₂‖c‖²) by cyclic coordinate descent (exact
     * coordinate minimization: c_j = S(ρ_j, λ₁)/(‖d_j‖² + λ₁λ₂)) until no coordinate moves by more
     * than 1e-15. Returns the codes n×k.
     */
    static double[][] referenceCodes(double[][] x, double[][] d, double l1, double l2) {
        int k = d.length;
        double[][] gram = new double[k][k];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                gram[a][b] = dotRow(d[a], d[b]);
            }
        }
        double[][] codes = new double[x.length][k];
        for (int i = 0; i < x.length; i++) {
            double[] b = new double[k];
            for (int a = 0; a < k; a++) {
                b[a] = dotRow(d[a], x[i]);
            }
            double[] c = codes[i];
            for (int sweep = 0; sweep < 100_000; sweep++) {
                double moved = 0;
                for (int j = 0; j < k; j++) {
                    double rho = b[j];
                    for (int l = 0; l < k; l++) {
                        if (l != j) {
                            rho -= gram[j][l] * c[l];
                        }
                    }
                    double next = Math.signum(rho) * Math.max(Math.abs(rho) - l1, 0) / (gram[j][j] + l1 * l2);
                    moved = Math.max(moved, Math.abs(next - c[j]));
                    c[j] = next;
                }
                if (moved <= 1e-15) {
                    break;
                }
            }
        }
        return codes;
    }

    /** (1/2n)·‖X − C·D‖². */
    static double referenceLoss(double[][] x, double[][] d, double[][] codes) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            for (int q = 0; q < x[i].length; q++) {
                double r = x[i][q];
                for (int a = 0; a < d.length; a++) {
                    r -= codes[i][a] * d[a][q];
                }
                s += r * r;
            }
        }
        return s / (2 * x.length);
    }

    /** ∂L/∂D at fixed codes: −(1/n)·Cᵀ(X − C·D). */
    static double[][] partialGradient(double[][] x, double[][] d, double[][] codes) {
        double[][] g = new double[d.length][d[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int q = 0; q < x[i].length; q++) {
                double r = x[i][q];
                for (int a = 0; a < d.length; a++) {
                    r -= codes[i][a] * d[a][q];
                }
                for (int a = 0; a < d.length; a++) {
                    g[a][q] -= codes[i][a] * r / x.length;
                }
            }
        }
        return g;
    }

    private static double[][] shifted(double[][] d, double[][] v, double eps) {
        double[][] out = new double[d.length][];
        for (int a = 0; a < d.length; a++) {
            out[a] = new double[d[a].length];
            for (int q = 0; q < d[a].length; q++) {
                out[a][q] = d[a][q] + eps * v[a][q];
            }
        }
        return out;
    }

    private static double dot(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += dotRow(a[i], b[i]);
        }
        return s;
    }

    private static double dotRow(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
