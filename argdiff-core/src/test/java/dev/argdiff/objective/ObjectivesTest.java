package dev.argdiff.objective;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.GradCheck;
import dev.argdiff.objective.Objectives.Data;
import dev.argdiff.objective.Objectives.LinearModel;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;
import java.util.function.Function;

import static dev.argdiff.ad.GradCheck.Mode.FORWARD;
import static dev.argdiff.ad.GradCheck.Mode.REVERSE;
import static dev.argdiff.objective.LossesTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Objectives on hand data against values and gradients computed here with plain loops. */
class ObjectivesTest {

    private static final double EXACT = 1e-14;

    private record WL(Tensor w, Tensor l2reg) {
    }

    private record WD(Tensor w, Data data) {
    }

    /** Parameters and design matrix: the labels stay fixed (they are indices, not differentiable data). */
    private record WX(Tensor w, Tensor x) {
    }

    private static final Tensor X = Tensor.of(new double[][] {{1, 0}, {0, 1}, {1, 1}});

    // ================================================================== regression

    @Test
    void leastSquaresAndRidgeClosedForm() {
        Data data = Data.of(X, Tensor.of(1, 2, 3));
        Tensor w = Tensor.of(1, 1);
        // residuals [0, −1, −1]: ½·mean = ½·2/3
        assertEquals(1.0 / 3, Objectives.leastSquares(w, data).item(), EXACT);
        // + ½·0.5·‖w‖² = 0.5
        assertEquals(1.0 / 3 + 0.5, Objectives.ridgeRegression(w, 0.5, data).item(), EXACT);
        // several outputs: mean over all n·k residuals
        Data multi = Data.of(X, Tensor.of(new double[][] {{1, 0}, {2, 0}, {3, 0}}));
        Tensor w2 = Tensor.of(new double[][] {{1, 0}, {1, 0}});
        assertEquals(0.5 * 2 / 6, Objectives.leastSquares(w2, multi).item(), EXACT);
        BiFunction<Tensor, Data, Tensor> f = Objectives::leastSquares;
        assertEquals(1.0 / 3, f.apply(w, data).item(), EXACT);
    }

    @Test
    void leastSquaresGradientIsTheNormalEquationResidual() {
        Tensor x = Tensor.randomNormal(1, 6, 3);
        Tensor y = Tensor.randomNormal(2, 6);
        Tensor w = Tensor.randomNormal(3, 3);
        double lambda = 0.7;
        Data data = Data.of(x, y);
        // ∇ = Xᵀ(Xw − y)/n + λw, by loops
        double[][] xv = x.toArray2d();
        double[] r = new double[6];
        for (int i = 0; i < 6; i++) {
            r[i] = -y.get(i);
            for (int j = 0; j < 3; j++) {
                r[i] += xv[i][j] * w.get(j);
            }
        }
        double[] expected = new double[3];
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i < 6; i++) {
                expected[j] += xv[i][j] * r[i] / 6;
            }
            expected[j] += lambda * w.get(j);
        }
        assertValues(expected, Autodiff.grad((Tensor v) -> Objectives.ridgeRegression(v, lambda, data)).apply(w), 1e-14);
        check((WL a) -> Objectives.ridgeRegression(a.w(), a.l2reg(), data), new WL(w, Tensor.scalar(lambda)));
        // differentiable in the data too
        check((WD a) -> Objectives.leastSquares(a.w(), a.data()), new WD(w, data));
        GradCheck.checkGrads((Tensor v) -> Objectives.leastSquares(v, data), w, 2);
    }

    // ================================================================== binary

    @Test
    void binaryLogregAgainstLoops() {
        Tensor x = Tensor.randomNormal(4, 8, 3);
        Tensor y = Tensor.of(1, 0, 0, 1, 1, 0, 1, 0);
        Tensor w = Tensor.of(0.5, -1.2, 0.3);
        Data data = Data.of(x, y);
        double[][] xv = x.toArray2d();
        double value = 0;
        double[] grad = new double[3];
        for (int i = 0; i < 8; i++) {
            double z = 0;
            for (int j = 0; j < 3; j++) {
                z += xv[i][j] * w.get(j);
            }
            double p = 1 / (1 + Math.exp(-z));
            value += (-y.get(i) * Math.log(p) - (1 - y.get(i)) * Math.log(1 - p)) / 8;
            for (int j = 0; j < 3; j++) {
                grad[j] += (p - y.get(i)) * xv[i][j] / 8;
            }
        }
        assertEquals(value, Objectives.binaryLogreg(w, data).item(), 1e-14);
        assertValues(grad, Autodiff.grad((Tensor v) -> Objectives.binaryLogreg(v, data)).apply(w), 1e-14);
        double lambda = 0.2;
        assertEquals(value + 0.5 * lambda * (0.25 + 1.44 + 0.09), Objectives.l2BinaryLogreg(w, lambda, data).item(), 1e-14);
        check((WL a) -> Objectives.l2BinaryLogreg(a.w(), a.l2reg(), data), new WL(w, Tensor.scalar(lambda)));
        // huge weights: every logit is ±hundreds, still finite
        Tensor big = w.mul(1000.0);
        assertTrue(Objectives.binaryLogreg(big, data).isFinite());
        assertTrue(Autodiff.grad((Tensor v) -> Objectives.binaryLogreg(v, data)).apply(big).isFinite());
    }

    // ================================================================== multiclass

    /** softmax(XW) − onehot, row by row, with plain loops. */
    private static double[][] softmaxMinusOneHot(double[][] x, double[][] w, double[] labels, double[] b) {
        int n = x.length;
        int d = w.length;
        int k = w[0].length;
        double[][] out = new double[n][k];
        for (int i = 0; i < n; i++) {
            double[] z = new double[k];
            double norm = 0;
            for (int c = 0; c < k; c++) {
                z[c] = b == null ? 0 : b[c];
                for (int j = 0; j < d; j++) {
                    z[c] += x[i][j] * w[j][c];
                }
                norm += Math.exp(z[c]);
            }
            for (int c = 0; c < k; c++) {
                out[i][c] = Math.exp(z[c]) / norm - (labels[i] == c ? 1 : 0);
            }
        }
        return out;
    }

    @Test
    void multiclassLogregGradientIsXtSoftmaxMinusOneHotOverN() {
        int n = 7;
        Tensor x = Tensor.randomNormal(5, n, 4);
        Tensor y = Tensor.of(0, 2, 1, 2, 0, 1, 1);
        Tensor w = Tensor.randomNormal(6, 4, 3).mul(0.5);
        Data data = Data.of(x, y);
        double[][] xv = x.toArray2d();
        double[][] delta = softmaxMinusOneHot(xv, w.toArray2d(), y.toArray(), null);
        double[] expected = new double[12];
        for (int j = 0; j < 4; j++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < n; i++) {
                    expected[j * 3 + c] += xv[i][j] * delta[i][c] / n;
                }
            }
        }
        assertValues(expected, Autodiff.grad((Tensor v) -> Objectives.multiclassLogreg(v, data)).apply(w), 1e-14);
        // one-hot labels give the same value and gradient
        Data oneHot = Data.of(x, Losses.oneHot(y, 3));
        assertEquals(Objectives.multiclassLogreg(w, data).item(), Objectives.multiclassLogreg(w, oneHot).item(), EXACT);
        // l2: + λW
        double lambda = 0.3;
        double[] wv = w.toArray();
        double[] expectedL2 = expected.clone();
        for (int i = 0; i < 12; i++) {
            expectedL2[i] += lambda * wv[i];
        }
        assertValues(expectedL2, Autodiff.grad((Tensor v) -> Objectives.l2MulticlassLogreg(v, lambda, data)).apply(w), 1e-14);
        check((WL a) -> Objectives.l2MulticlassLogreg(a.w(), a.l2reg(), data), new WL(w, Tensor.scalar(lambda)));
        check((WX a) -> Objectives.multiclassLogreg(a.w(), new Data(a.x(), y)), new WX(w, x));
    }

    @Test
    void multiclassLogregValueAgainstLoops() {
        Data data = Data.of(X, Tensor.of(1, 0, 2));
        Tensor w = Tensor.of(new double[][] {{1, 0, -1}, {0.5, 2, 0}});
        double[][] z = X.matmul(w).toArray2d();
        double[] labels = {1, 0, 2};
        double value = 0;
        for (int i = 0; i < 3; i++) {
            double norm = 0;
            for (int c = 0; c < 3; c++) {
                norm += Math.exp(z[i][c]);
            }
            value += (Math.log(norm) - z[i][(int) labels[i]]) / 3;
        }
        assertEquals(value, Objectives.multiclassLogreg(w, data).item(), EXACT);
        assertEquals(value + 0.5 * 0.1 * (1 + 1 + 0.25 + 4), Objectives.l2MulticlassLogreg(w, 0.1, data).item(), EXACT);
        // huge weights: finite
        assertTrue(Objectives.multiclassLogreg(w.mul(1000.0), data).isFinite());
    }

    @Test
    void multiclassLogregWithIntercept() {
        int n = 5;
        Tensor x = Tensor.randomNormal(8, n, 2);
        Tensor y = Tensor.of(0, 1, 2, 2, 1);
        Tensor w = Tensor.randomNormal(9, 2, 3);
        Tensor b = Tensor.of(0.5, -0.2, 0.1);
        Data data = Data.of(x, y);
        LinearModel params = new LinearModel(w, b);
        // the intercept shifts the logits: same as the model without intercept on logits + b
        double[][] delta = softmaxMinusOneHot(x.toArray2d(), w.toArray2d(), y.toArray(), b.toArray());
        double[] gb = new double[3];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                gb[c] += delta[i][c] / n;
            }
        }
        LinearModel g = Autodiff.grad((LinearModel p) -> Objectives.multiclassLogregWithIntercept(p, data)).apply(params);
        assertValues(gb, g.b(), 1e-14);
        assertEquals(Losses.multiclassLogistic(y, x.matmul(w).add(b)).mean().item(),
                Objectives.multiclassLogregWithIntercept(params, data).item(), EXACT);
        // l2 penalizes W only
        double lambda = 0.4;
        LinearModel gl2 = Autodiff.grad((LinearModel p) -> Objectives.l2MulticlassLogregWithIntercept(p, lambda, data))
                .apply(params);
        assertValues(gb, gl2.b(), 1e-14);
        assertValues(g.w().add(w.mul(lambda)).toArray(), gl2.w(), 1e-14);
        check((LinearModel p) -> Objectives.l2MulticlassLogregWithIntercept(p, lambda, data), params);
    }

    // ================================================================== argument checks

    @Test
    void refusesBadArguments() {
        assertEquals("Objectives.Data: needs x of shape (n, d) and y of shape (n) or (n, k), got x [3, 2] and y [2]",
                assertThrows(ShapeException.class, () -> new Data(X, Tensor.of(1, 2))).getMessage());
        assertEquals("Objectives.Data: x contains NaN or infinity",
                assertThrows(IllegalArgumentException.class,
                        () -> Data.of(Tensor.of(new double[][] {{Double.NaN}}), Tensor.of(1))).getMessage());
        Data data = Data.of(X, Tensor.of(1, 0, 1));
        assertEquals("Objectives.leastSquares: params of shape [3] do not fit x of shape [3, 2] (needs shape (2) or (2, k))",
                assertThrows(ShapeException.class, () -> Objectives.leastSquares(Tensor.of(1, 2, 3), data)).getMessage());
        assertEquals("Objectives.ridgeRegression: l2reg must be finite and >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class,
                        () -> Objectives.ridgeRegression(Tensor.of(1, 2), -1.0, data)).getMessage());
        assertEquals("Objectives.multiclassLogreg: W must have shape (d, k), got [2]",
                assertThrows(ShapeException.class, () -> Objectives.multiclassLogreg(Tensor.of(1, 2), data)).getMessage());
        assertEquals("Objectives.leastSquares: predictions have shape [3, 2] but y has shape [3]",
                assertThrows(ShapeException.class, () -> Objectives.leastSquares(Tensor.eye(2), data)).getMessage());
    }

    private static <T> void check(Function<T, Tensor> f, T args) {
        GradCheck.checkGrads(f, args, 1, FORWARD, REVERSE);
    }
}
