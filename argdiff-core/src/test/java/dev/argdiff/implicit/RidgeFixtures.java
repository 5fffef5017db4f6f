package dev.argdiff.implicit;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.Datasets;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;

import dev.argdiff.testing.PlainLinearAlgebra;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The ridge-regression problems of the implicit-differentiation tests, their solvers and
 * comparison helpers.
 *
 * <p>Inner objective f(w; l2reg, X, y) = 0.5·mean((X w − y)²) + 0.5·l2reg·‖w‖², optimality
 * condition F = ∇_w f, minimizer w* = (XᵀX/n + l2reg·I)⁻¹ Xᵀy/n. The independent references are
 * {@link ClosedFormRidge} (plain Java arrays, no argdiff code) and {@code ridge_diabetes.json}.
 */
final class RidgeFixtures {
    private RidgeFixtures() {
    }

    /** The arguments of the inner problem; {@code tag} is a static (non-tensor) leaf. */
    record Args(Tensor l2reg, Tensor x, Tensor y, String tag) {
        Args withL2reg(Tensor value) {
            return new Args(value, x, y, tag);
        }

        Args withX(Tensor value) {
            return new Args(l2reg, value, y, tag);
        }

        Args withY(Tensor value) {
            return new Args(l2reg, x, value, tag);
        }
    }

    /** Training and validation data as tensors. */
    record Split(Tensor xTrain, Tensor yTrain, Tensor xVal, Tensor yVal) {
        int features() {
            return xTrain.dim(1);
        }

        Args args(double l2reg) {
            return new Args(Tensor.scalar(l2reg), xTrain, yTrain, "diabetes");
        }

        Args args(Tensor l2reg) {
            return new Args(l2reg, xTrain, yTrain, "diabetes");
        }

        /** The same data for {@link ClosedFormRidge}. */
        ClosedFormRidge closedForm() {
            return new ClosedFormRidge(xTrain.toArray2d(), yTrain.toArray(), xVal.toArray2d(), yVal.toArray());
        }
    }

    private static Split diabetes;

    /** The diabetes split of JAXopt's ridge example (296 training / 146 validation rows, 10 features). */
    static synchronized Split diabetes() {
        if (diabetes == null) {
            Datasets.RegressionSplit d = Datasets.diabetesSplit();
            int p = d.features();
            diabetes = new Split(Tensor.of(new int[] {d.nTrain(), p}, d.xTrain()), Tensor.of(d.yTrain()),
                    Tensor.of(new int[] {d.nVal(), p}, d.xVal()), Tensor.of(d.yVal()));
        }
        return diabetes;
    }

    /** A small seeded problem: 10 samples × 3 features, targets from a linear model plus noise. */
    static Split small(long seed) {
        Tensor x = Tensor.randomNormal(seed, 10, 3);
        Tensor wTrue = Tensor.of(1.5, -2.0, 0.5);
        Tensor y = x.matmul(wTrue).add(Tensor.randomNormal(seed + 1, 10).mul(0.3));
        Tensor xVal = Tensor.randomNormal(seed + 2, 6, 3);
        Tensor yVal = xVal.matmul(wTrue).add(Tensor.randomNormal(seed + 3, 6).mul(0.3));
        return new Split(x, y, xVal, yVal);
    }

    // ------------------------------------------------------------------ the problem

    /** 0.5·mean((X w − y)²) + 0.5·l2reg·‖w‖². */
    static Tensor innerObjective(Tensor w, Args a) {
        return a.x().matmul(w).sub(a.y()).square().mean().mul(0.5).add(a.l2reg().mul(0.5).mul(w.squaredNorm()));
    }

    /** F(w, args) = ∇_w f, by autodiff of the inner objective. */
    static Tensor optimality(Tensor w, Args a) {
        return Autodiff.grad((Tensor ww) -> innerObjective(ww, a)).apply(w);
    }

    /** mean((X_val w − y_val)²). */
    static Tensor validationLoss(Tensor w, Split s) {
        return s.xVal().matmul(w).sub(s.yVal()).square().mean();
    }

    /** XᵀX/n + l2reg·I as a tensor. */
    static Tensor hessianMatrix(Args a) {
        int n = a.x().dim(0);
        return a.x().transposeMatmul(a.x()).div(n).add(Tensor.eye(a.x().dim(1)).mul(a.l2reg()));
    }

    /** A dense inner solver: solves (XᵀX/n + l2reg·I) w = Xᵀy/n with the given factorization. */
    static BiFunction<Tensor, Args, Tensor> denseSolver(LinearSolver method) {
        return (init, a) -> LinearSolve.solve(LinearOperator.fromMatrix(hessianMatrix(a)),
                a.x().transposeMatmul(a.y()).div(a.x().dim(0)), method);
    }

    /** A matrix-free conjugate-gradient inner solver, warm-started from {@code init}. */
    static BiFunction<Tensor, Args, Tensor> cgSolver(double rtol) {
        return (init, a) -> {
            int n = a.x().dim(0);
            LinearOperator<Tensor> h = LinearOperator.fromMatvec(
                    (Tensor v) -> a.x().transposeMatmul(a.x().matmul(v)).div(n).add(v.mul(a.l2reg())), init);
            return LinearSolve.solveWithInfo(h, a.x().transposeMatmul(a.y()).div(n), init,
                    LinearSolver.cg().withRtol(rtol)).x();
        };
    }

    /** Plain gradient descent with step eta for a fixed number of iterations (a Java loop). */
    static Tensor gradientDescent(Tensor init, Args a, double eta, int iterations) {
        int n = a.x().dim(0);
        Tensor w = init;
        for (int k = 0; k < iterations; k++) {
            Tensor g = a.x().transposeMatmul(a.x().matmul(w).sub(a.y())).div(n).add(w.mul(a.l2reg()));
            w = w.sub(g.mul(eta));
        }
        return w;
    }

    /** The largest eigenvalue of XᵀX/n + l2reg·I by power iteration on plain arrays. */
    static double largestEigenvalue(Split s, double l2reg) {
        double[][] h = ClosedFormRidge.hessian(s.xTrain().toArray2d(), l2reg);
        int p = h.length;
        double[] v = new double[p];
        java.util.Arrays.fill(v, 1.0);
        double lambda = 0;
        for (int it = 0; it < 500; it++) {
            double[] hv = PlainLinearAlgebra.matvec(h, v);
            double norm = PlainLinearAlgebra.norm(hv);
            lambda = PlainLinearAlgebra.dot(v, hv) / PlainLinearAlgebra.dot(v, v);
            for (int i = 0; i < p; i++) {
                v[i] = hv[i] / norm;
            }
        }
        return lambda;
    }

    // ------------------------------------------------------------------ comparisons

    /** Entrywise |actual − expected| ≤ rtol·|expected| + atol. */
    static void assertClose(double[] expected, double[] actual, double rtol, double atol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            if (!(diff <= rtol * Math.abs(expected[i]) + atol)) {
                fail(String.format(java.util.Locale.ROOT, "%s: entry %d is %.17g, expected %.17g (relative error %.3e, rtol %.1e)",
                        what, i, actual[i], expected[i], diff / Math.abs(expected[i]), rtol));
            }
        }
    }

    static void assertClose(double[] expected, double[] actual, double rtol, String what) {
        assertClose(expected, actual, rtol, 0.0, what);
    }

    static void assertClose(double expected, double actual, double rtol, String what) {
        assertClose(new double[] {expected}, new double[] {actual}, rtol, 0.0, what);
    }

    /** Norm-wise: ‖actual − expected‖ ≤ rtol·‖expected‖ (for blocks with entries near zero). */
    static void assertNormClose(double[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double[] d = new double[expected.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = actual[i] - expected[i];
        }
        double err = PlainLinearAlgebra.norm(d) / PlainLinearAlgebra.norm(expected);
        assertTrue(err <= rtol, String.format(java.util.Locale.ROOT, "%s: relative error %.3e exceeds %.1e", what, err, rtol));
    }

    static void assertAllFinite(double[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            assertTrue(Double.isFinite(values[i]), what + ": entry " + i + " is " + values[i]);
        }
    }
}
