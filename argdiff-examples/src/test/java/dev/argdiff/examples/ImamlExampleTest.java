package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The iMAML example. The task loss is quadratic, so everything has a closed form: the adapted
 * weights w*(θ) = (G + λI)⁻¹(b + λθ) with G = (2/K)FᵀF and b = (2/K)Fᵀy, and the meta-gradient
 * λ(G + λI)⁻¹∇L_query(w*). The implicit meta-gradient of the first step is checked against it
 * and against central finite differences; the unrolled (MAML) meta-gradient against its own
 * closed form after one step, (I − αG)∇L_query(θ − α∇L_support(θ)), and against the implicit
 * one after many steps.
 */
class ImamlExampleTest {

    private static ImamlExample.Options options(boolean maml, int steps, int innerSteps) {
        return new ImamlExample.Options(maml, steps, 0.05, 1.0, 10, 5, 10, 20, innerSteps, 1000, 1e-12, 0);
    }

    /** The training batch of the first step. */
    private static List<ImamlExample.Task> firstBatch(ImamlExample.Options options) {
        return ImamlExample.sampleTasks(ImamlExample.streams(options.seed())[1], options.tasks(), options);
    }

    @Test
    void firstImplicitMetaGradientIsTheClosedForm() {
        ImamlExample.Options options = options(false, 1, 1);
        List<ImamlExample.Task> batch = firstBatch(options);
        double[] theta = new double[ImamlExample.dimension()];
        ImamlExample.Evaluation e = ImamlExample.evaluate(options, batch, Tensor.of(theta));
        double[][] expected = closedForm(batch, theta, options.lambda());
        assertEquals(expected[0][0], e.loss(), 1e-10 * expected[0][0], "meta-training loss");
        assertArrayClose(expected[1], e.gradient().toArray(), 1e-8, "implicit meta-gradient");
        assertTrue(e.adjointResidual() < 1e-10, "adjoint residual " + e.adjointResidual());

        // End to end: the first step of a run reports the same loss and gradient norm.
        ImamlExample.Step first = ImamlExample.run(options, null).steps().get(0);
        assertEquals(expected[0][0], first.loss(), 1e-10 * expected[0][0]);
        assertEquals(norm(expected[1]), first.gradientNorm(), 1e-8 * norm(expected[1]));
    }

    @Test
    void firstImplicitMetaGradientMatchesFiniteDifferences() {
        ImamlExample.Options options = options(false, 1, 1);
        List<ImamlExample.Task> batch = firstBatch(options);
        Tensor theta = Tensor.zeros(ImamlExample.dimension());
        Tensor v = Tensor.randomNormal(11, ImamlExample.dimension());
        double eps = 1e-3; // the meta-loss is quadratic in θ: central differences have no truncation error
        double plus = ImamlExample.evaluate(options, batch, theta.add(v.mul(eps))).loss();
        double minus = ImamlExample.evaluate(options, batch, theta.sub(v.mul(eps))).loss();
        double fd = (plus - minus) / (2 * eps);
        double implicit = ImamlExample.evaluate(options, batch, theta).gradient().vdot(v).item();
        System.out.printf("imaml: <meta-gradient, v> implicit %.12e, finite differences %.12e (relative difference "
                + "%.1e)%n", implicit, fd, Math.abs(implicit - fd) / Math.abs(fd));
        assertEquals(fd, implicit, 1e-7 * Math.abs(fd));
    }

    @Test
    void oneUnrolledStepIsMamlsClosedFormAndManyStepsTendToTheImplicitMetaGradient() {
        List<ImamlExample.Task> batch = firstBatch(options(true, 1, 1));
        double lambda = 1.0;
        int d = ImamlExample.dimension();
        double[] theta = Tensor.randomNormal(5, d).toArray(); // away from 0, so that ∇L_support(θ) ≠ ∇L_support(0)

        // One step: w₁ = θ − α∇L_s(θ) (the proximal term vanishes at w = θ), dw₁/dθ = I − αG.
        double[] expected = new double[d];
        for (ImamlExample.Task task : batch) {
            double alpha = 1.0 / (2 * maxRowSquaredNorm(task.supportFeatures().toArray2d()) + lambda);
            double[][] fs = task.supportFeatures().toArray2d();
            double[] gs = lossGradient(fs, task.supportTargets().toArray(), theta);
            double[] w1 = new double[d];
            for (int i = 0; i < d; i++) {
                w1[i] = theta[i] - alpha * gs[i];
            }
            double[] gq = lossGradient(task.queryFeatures().toArray2d(), task.queryTargets().toArray(), w1);
            double[] hg = matvec(hessian(fs), gq);
            for (int i = 0; i < d; i++) {
                expected[i] += (gq[i] - alpha * hg[i]) / batch.size();
            }
        }
        double[] oneStep = ImamlExample.evaluate(options(true, 1, 1), batch, Tensor.of(theta)).gradient().toArray();
        assertArrayClose(expected, oneStep, 1e-10, "MAML meta-gradient after one unrolled step");

        double[] implicit = closedForm(batch, theta, lambda)[1];
        double[] fiveSteps = ImamlExample.evaluate(options(true, 1, 5), batch, Tensor.of(theta)).gradient().toArray();
        double[] manySteps = ImamlExample.evaluate(options(true, 1, 300), batch, Tensor.of(theta)).gradient()
                .toArray();
        double gapFive = distance(fiveSteps, implicit) / norm(implicit);
        double gapMany = distance(manySteps, implicit) / norm(implicit);
        System.out.printf("imaml: unrolled vs implicit meta-gradient, relative gap %.1e after 5 steps, %.1e after "
                + "300%n", gapFive, gapMany);
        assertTrue(gapFive > 1e-2, "5 unrolled steps are not converged: gap " + gapFive);
        assertTrue(gapMany < 1e-9, "300 unrolled steps: gap " + gapMany);
    }

    @Test
    void heldOutLossAfterAdaptationDecreasesWithMetaLearning() {
        for (boolean maml : new boolean[] {false, true}) {
            ImamlExample.Result result = ImamlExample.run(options(maml, 30, 5), null);
            double before = result.steps().get(0).heldOutLoss();
            assertTrue(result.finalHeldOutLoss() < 0.9 * before, (maml ? "MAML" : "iMAML")
                    + ": held-out loss " + before + " from θ = 0, " + result.finalHeldOutLoss() + " after 30 steps");
        }
    }

    @Test
    void threeThreadsGiveTheSameStepsBitForBitAsOne() {
        for (boolean maml : new boolean[] {false, true}) {
            ImamlExample.Options o = options(maml, 3, 5);
            ImamlExample.Result one = ImamlExample.run(o, 1, null);
            ImamlExample.Result three = ImamlExample.run(o, 3, null);
            assertEquals(one.steps(), three.steps());
            assertArrayEquals(one.theta(), three.theta());
            assertEquals(one.finalHeldOutLoss(), three.finalHeldOutLoss());
        }
        MainTest.Run r = MainTest.run("example", "imaml", "--threads", "0", "--json");
        assertEquals(2, r.status());
        assertEquals("argdiff: --threads must be >= 1, got 0\n", r.err());
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertEquals("--lambda must be a positive number, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> new ImamlExample.Options(false, 1, 0.05, -1, 10, 5, 10, 20, 5, 100, 1e-10, 0)).getMessage());
        assertEquals("--shots must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new ImamlExample.Options(false, 1, 0.05, 1, 10, 0, 10, 20, 5, 100, 1e-10, 0)).getMessage());
        assertEquals("--inner-steps must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> new ImamlExample.Options(true, 1, 0.05, 1, 10, 5, 10, 20, 0, 100, 1e-10, 0)).getMessage());
        MainTest.Run r = MainTest.run("example", "imaml", "--tasks", "0");
        assertEquals(2, r.status());
        assertEquals("argdiff: --tasks must be >= 1, got 0\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void commandPrintsOneJsonObjectPerStep() {
        for (boolean maml : new boolean[] {false, true}) {
            MainTest.Run r = maml
                    ? MainTest.run("example", "imaml", "--steps", "2", "--held-out-tasks", "5", "--json", "--maml")
                    : MainTest.run("example", "imaml", "--steps", "2", "--held-out-tasks", "5", "--json");
            assertEquals(0, r.status(), r.err());
            String[] lines = r.out().strip().split("\n");
            assertEquals(3, lines.length, r.out());
            JsonObject summary = JsonParser.parseString(lines[2]).getAsJsonObject().getAsJsonObject("summary");
            assertEquals(21, summary.getAsJsonArray("finalTheta").size(), lines[2]);
            assertEquals(maml ? "MAML" : "iMAML", summary.get("method").getAsString());
            assertEquals(JsonParser.parseString(lines[0]).getAsJsonObject().get("heldOutLoss").getAsDouble(),
                    summary.get("heldOutLossFromZero").getAsDouble(), 0.0);
            JsonObject first = JsonParser.parseString(lines[0]).getAsJsonObject();
            for (String key : new String[] {"step", "loss", "gradientNorm", "heldOutLoss", "innerIterations"}) {
                assertTrue(first.has(key), key + " in " + lines[0]);
            }
            // Unrolled: no adjoint solve (NaN, written as null).
            assertEquals(maml, first.get("adjointResidual").isJsonNull(), lines[0]);
        }
        MainTest.Run text = MainTest.run("example", "imaml", "--steps", "1", "--held-out-tasks", "5", "--maml");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("(unrolled)") && text.out().contains("MAML"), text.out());
    }

    // ------------------------------------------------------------------ the closed form, in plain Java

    /** {{meta-loss}, meta-gradient} of the batch at θ, from w* = (G + λI)⁻¹(b + λθ). */
    static double[][] closedForm(List<ImamlExample.Task> batch, double[] theta, double lambda) {
        int d = theta.length;
        double loss = 0;
        double[] grad = new double[d];
        for (ImamlExample.Task task : batch) {
            double[][] fs = task.supportFeatures().toArray2d();
            double[] ys = task.supportTargets().toArray();
            int k = ys.length;
            double[][] a = hessian(fs);
            double[] rhs = new double[d];
            for (int i = 0; i < d; i++) {
                a[i][i] += lambda;
                rhs[i] = lambda * theta[i];
                for (int r = 0; r < k; r++) {
                    rhs[i] += 2.0 / k * fs[r][i] * ys[r];
                }
            }
            double[] w = solve(a, rhs);
            double[][] fq = task.queryFeatures().toArray2d();
            double[] yq = task.queryTargets().toArray();
            for (int r = 0; r < yq.length; r++) {
                double res = dotArray(fq[r], w) - yq[r];
                loss += res * res / yq.length / batch.size();
            }
            double[] u = solve(a, lossGradient(fq, yq, w));
            for (int i = 0; i < d; i++) {
                grad[i] += lambda * u[i] / batch.size();
            }
        }
        return new double[][] {{loss}, grad};
    }

    /** ∇ mean((F·w − y)²) = (2/n)·Fᵀ(F·w − y). */
    static double[] lossGradient(double[][] f, double[] y, double[] w) {
        double[] g = new double[w.length];
        for (int r = 0; r < y.length; r++) {
            double res = dotArray(f[r], w) - y[r];
            for (int i = 0; i < w.length; i++) {
                g[i] += 2.0 / y.length * f[r][i] * res;
            }
        }
        return g;
    }

    /** (2/n)·FᵀF. */
    static double[][] hessian(double[][] f) {
        int d = f[0].length;
        double[][] h = new double[d][d];
        for (double[] row : f) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    h[i][j] += 2.0 / f.length * row[i] * row[j];
                }
            }
        }
        return h;
    }

    private static double maxRowSquaredNorm(double[][] f) {
        double max = 0;
        for (double[] row : f) {
            max = Math.max(max, dotArray(row, row));
        }
        return max;
    }

    /** Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] matrix, double[] b) {
        int n = b.length;
        double[][] a = new double[n][];
        double[] x = b.clone();
        for (int i = 0; i < n; i++) {
            a[i] = matrix[i].clone();
        }
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            double tb = x[c];
            x[c] = x[pivot];
            x[pivot] = tb;
            for (int r = c + 1; r < n; r++) {
                double m = a[r][c] / a[c][c];
                for (int j = c; j < n; j++) {
                    a[r][j] -= m * a[c][j];
                }
                x[r] -= m * x[c];
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            for (int j = r + 1; j < n; j++) {
                x[r] -= a[r][j] * x[j];
            }
            x[r] /= a[r][r];
        }
        return x;
    }

    private static double[] matvec(double[][] a, double[] v) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = dotArray(a[i], v);
        }
        return out;
    }

    private static void assertArrayClose(double[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double gap = distance(expected, actual) / norm(expected);
        assertTrue(gap <= rtol, what + ": relative distance " + gap + " > " + rtol);
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
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
