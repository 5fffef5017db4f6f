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
 * The dataset distillation example: the hypergradient against central finite differences of the
 * outer loss computed with an independent plain-Java Newton–CG solver of the inner logistic
 * regression, at the first step and after a few steps (larger images, a less trivial Hessian);
 * the loss decrease and the held-out accuracy; the command line and its errors.
 */
class DistillationExampleTest {

    private static final int P = 64;
    private static final int K = 10;

    @TempDir
    Path dir;

    private static DistillationExample.Options options(int steps) {
        return new DistillationExample.Options(steps, 0.05, 0.1, 500, 1e-11, 0);
    }

    @Test
    void hypergradientMatchesFiniteDifferencesAtTheFirstStepAndLater() {
        DistillationExample.Options options = options(1);
        DistillationExample.Setup setup = DistillationExample.setup(options);
        checkAgainstFiniteDifferences(options, setup, setup.images(), "first step");
        Tensor later = Tensor.of(DistillationExample.run(options(6), null).images());
        checkAgainstFiniteDifferences(options, setup, later, "after 6 steps");
    }

    private static void checkAgainstFiniteDifferences(DistillationExample.Options options,
                                                      DistillationExample.Setup setup, Tensor images, String where) {
        double[][] theta = images.toArray2d();
        double[][] x = setup.train().x().toArray2d();
        double[] y = setup.train().y().toArray();
        DistillationExample.Evaluation e = DistillationExample.evaluate(options, setup.train(), images,
                Tensor.zeros(P, K));
        double loss = outerLoss(x, y, referenceWeights(theta, options.l2reg()));
        assertEquals(loss, e.loss(), 1e-10 * loss, where + ": outer loss vs the reference solve");

        double[][] v = Tensor.randomNormal(7, K, P).toArray2d();
        double eps = 1e-5;
        double plus = outerLoss(x, y, referenceWeights(shifted(theta, v, eps), options.l2reg()));
        double minus = outerLoss(x, y, referenceWeights(shifted(theta, v, -eps), options.l2reg()));
        double fd = (plus - minus) / (2 * eps);
        double implicit = 0;
        double[][] g = e.gradient().toArray2d();
        for (int c = 0; c < K; c++) {
            for (int q = 0; q < P; q++) {
                implicit += g[c][q] * v[c][q];
            }
        }
        System.out.printf("distillation (%s): <grad, v> implicit %.12e, finite differences %.12e (relative "
                + "difference %.1e)%n", where, implicit, fd, Math.abs(implicit - fd) / Math.abs(fd));
        assertEquals(fd, implicit, 1e-6 * Math.abs(fd), where + ": directional hypergradient vs finite differences");
        assertTrue(e.adjoint().linearSolve().relativeResidual() <= 1e-10, e.adjoint().summary());
    }

    @Test
    void outerLossDecreasesAndTheTenImagesTeachTheModel() {
        List<DistillationExample.Step> steps = DistillationExample.run(options(10), null).steps();
        assertEquals(10, steps.size());
        for (int k = 1; k < steps.size(); k++) {
            assertTrue(steps.get(k).loss() < steps.get(k - 1).loss(), "step " + (k + 1));
        }
        // From noise (chance: 10 %) to a model that classifies most held-out digits.
        assertTrue(steps.get(0).heldOutAccuracy() < 0.2, steps.get(0).toString());
        assertTrue(steps.get(9).heldOutAccuracy() > 0.8, steps.get(9).toString());
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertEquals("--l2reg must be a positive number, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> new DistillationExample.Options(1, 0.05, 0, 500, 1e-8, 0)).getMessage());
        assertEquals("--learning-rate must be a positive number, got NaN", assertThrows(IllegalArgumentException.class,
                () -> new DistillationExample.Options(1, Double.NaN, 0.1, 500, 1e-8, 0)).getMessage());
        assertEquals("--inner-tol must be a positive number, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> new DistillationExample.Options(1, 0.05, 0.1, 500, 0, 0)).getMessage());
        MainTest.Run r = MainTest.run("example", "distillation", "--inner-maxiter", "0");
        assertEquals(2, r.status());
        assertEquals("argdiff: --inner-maxiter must be >= 1, got 0\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void commandPrintsOneJsonObjectPerStepAndWritesBothPngs() throws IOException {
        Path png = dir.resolve("dd.png");
        MainTest.Run r = MainTest.run("example", "distillation", "--steps", "3", "--json", "--plot", png.toString());
        assertEquals(0, r.status(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(4, lines.length, r.out());
        JsonObject last = JsonParser.parseString(lines[2]).getAsJsonObject();
        JsonObject summary = JsonParser.parseString(lines[3]).getAsJsonObject().getAsJsonObject("summary");
        assertEquals(last.get("heldOutAccuracy").getAsDouble(), summary.get("heldOutAccuracyLast").getAsDouble(), 0.0);
        assertEquals(JsonParser.parseString(lines[0]).getAsJsonObject().get("heldOutLoss").getAsDouble(),
                summary.get("heldOutLossFirst").getAsDouble(), 0.0);
        assertEquals(3, last.get("step").getAsInt());
        for (String key : new String[] {"loss", "gradientNorm", "heldOutLoss", "heldOutAccuracy", "innerIterations",
                "innerError", "adjointResidual"}) {
            assertTrue(last.has(key), key + " in " + lines[2]);
        }
        assertTrue(Files.size(png) > 1000);
        assertTrue(Files.size(dir.resolve("dd-images.png")) > 1000);
        assertTrue(Files.size(dir.resolve("dd-accuracy.png")) > 1000);
        MainTest.Run text = MainTest.run("example", "distillation", "--steps", "1");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("held-out accuracy"), text.out());
    }

    // ------------------------------------------------------------------ the independent reference

    /**
     * argmin_W (1/10)·Σ_c ℓ(c, θ_c·W) + ½·l2reg·‖W‖² by Newton's method, each Newton system solved
     * by conjugate gradient with exact Hessian-vector products written out by hand, until
     * ‖∇‖ ≤ 1e-13. W is returned as 64×10.
     */
    static double[][] referenceWeights(double[][] theta, double l2reg) {
        double[] w = new double[P * K];
        for (int newton = 0; newton < 50; newton++) {
            double[] g = innerGradient(theta, w, l2reg);
            if (norm(g) <= 1e-13) {
                return reshape(w);
            }
            double[] step = conjugateGradient(theta, w, l2reg, g);
            for (int i = 0; i < w.length; i++) {
                w[i] -= step[i];
            }
        }
        throw new AssertionError("the reference Newton solver did not converge");
    }

    /** Softmax of θ_c·W for each distilled image c (rows). */
    private static double[][] probabilities(double[][] theta, double[] w) {
        double[][] p = new double[K][K];
        for (int c = 0; c < K; c++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < K; j++) {
                double z = 0;
                for (int q = 0; q < P; q++) {
                    z += theta[c][q] * w[q * K + j];
                }
                p[c][j] = z;
                max = Math.max(max, z);
            }
            double s = 0;
            for (int j = 0; j < K; j++) {
                p[c][j] = Math.exp(p[c][j] - max);
                s += p[c][j];
            }
            for (int j = 0; j < K; j++) {
                p[c][j] /= s;
            }
        }
        return p;
    }

    /** (1/10)·Σ_c θ_cᵀ(p_c − e_c) + l2reg·W. */
    private static double[] innerGradient(double[][] theta, double[] w, double l2reg) {
        double[][] p = probabilities(theta, w);
        double[] g = new double[P * K];
        for (int c = 0; c < K; c++) {
            for (int q = 0; q < P; q++) {
                for (int j = 0; j < K; j++) {
                    g[q * K + j] += theta[c][q] * (p[c][j] - (j == c ? 1 : 0)) / K;
                }
            }
        }
        for (int i = 0; i < g.length; i++) {
            g[i] += l2reg * w[i];
        }
        return g;
    }

    /** H·v: (1/10)·Σ_c θ_cᵀ(diag(p_c) − p_c p_cᵀ)(θ_c·V) + l2reg·V. */
    private static double[] hessianVector(double[][] theta, double[][] p, double l2reg, double[] v) {
        double[] out = new double[P * K];
        for (int c = 0; c < K; c++) {
            double[] dz = new double[K];
            for (int j = 0; j < K; j++) {
                for (int q = 0; q < P; q++) {
                    dz[j] += theta[c][q] * v[q * K + j];
                }
            }
            double pdz = 0;
            for (int j = 0; j < K; j++) {
                pdz += p[c][j] * dz[j];
            }
            for (int j = 0; j < K; j++) {
                double dp = p[c][j] * (dz[j] - pdz);
                for (int q = 0; q < P; q++) {
                    out[q * K + j] += theta[c][q] * dp / K;
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] += l2reg * v[i];
        }
        return out;
    }

    /** Solves H·s = g by conjugate gradient to a relative residual of 1e-15. */
    private static double[] conjugateGradient(double[][] theta, double[] w, double l2reg, double[] g) {
        double[][] p = probabilities(theta, w);
        double[] s = new double[g.length];
        double[] r = g.clone();
        double[] d = g.clone();
        double rr = dotArray(r, r);
        double stop = 1e-30 * rr;
        for (int it = 0; it < 10 * g.length && rr > stop; it++) {
            double[] hd = hessianVector(theta, p, l2reg, d);
            double alpha = rr / dotArray(d, hd);
            for (int i = 0; i < s.length; i++) {
                s[i] += alpha * d[i];
                r[i] -= alpha * hd[i];
            }
            double next = dotArray(r, r);
            double beta = next / rr;
            rr = next;
            for (int i = 0; i < d.length; i++) {
                d[i] = r[i] + beta * d[i];
            }
        }
        return s;
    }

    /** The mean softmax cross-entropy of the training digits under W. */
    static double outerLoss(double[][] x, double[] y, double[][] w) {
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double[] z = new double[K];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < K; j++) {
                for (int q = 0; q < P; q++) {
                    z[j] += x[i][q] * w[q][j];
                }
                max = Math.max(max, z[j]);
            }
            double s = 0;
            for (int j = 0; j < K; j++) {
                s += Math.exp(z[j] - max);
            }
            total += max + Math.log(s) - z[(int) y[i]];
        }
        return total / x.length;
    }

    private static double[][] reshape(double[] w) {
        double[][] out = new double[P][K];
        for (int q = 0; q < P; q++) {
            System.arraycopy(w, q * K, out[q], 0, K);
        }
        return out;
    }

    private static double[][] shifted(double[][] a, double[][] v, double eps) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = a[i][j] + eps * v[i][j];
            }
        }
        return out;
    }

    private static double dotArray(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dotArray(a, a));
    }
}
