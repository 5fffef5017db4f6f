package dev.argdiff.adversarial;

import dev.argdiff.tensor.Tensor;
import dev.argdiff.testing.PlainLinearAlgebra;

/**
 * A 6×3 ridge problem min_w ½‖Xw − y‖² + ½λ‖w‖² with its closed-form solution and derivatives
 * in λ, computed on plain Java arrays (Gaussian elimination), independently of argdiff:
 * H = XᵀX + λI, w* = H⁻¹Xᵀy, w' = −H⁻¹w*, w'' = −2H⁻¹w'.
 */
final class SmallRidge {
    private SmallRidge() {
    }

    static final double[][] X = {
            {1.0, 0.2, -0.3}, {0.4, 1.1, 0.5}, {-0.6, 0.3, 0.9}, {0.8, -0.7, 0.1}, {0.2, 0.5, -1.2}, {-0.3, 0.9, 0.4}};
    static final double[] Y = {0.7, -1.1, 0.4, 1.3, -0.2, 0.9};

    static Tensor x() {
        double[] d = new double[18];
        for (int i = 0; i < 6; i++) {
            System.arraycopy(X[i], 0, d, 3 * i, 3);
        }
        return Tensor.of(new int[] {6, 3}, d);
    }

    static Tensor y() {
        return Tensor.of(Y.clone());
    }

    /** ½‖Xw − y‖². */
    static Tensor loss(Tensor w) {
        return x().matmul(w).sub(y()).square().sum().mul(0.5);
    }

    private static double[][] h(double lam) {
        double[][] h = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 6; k++) {
                    h[i][j] += X[k][i] * X[k][j];
                }
            }
            h[i][i] += lam;
        }
        return h;
    }

    static double[] solve(double[][] a0, double[] b0) {
        return PlainLinearAlgebra.solve(a0, b0);
    }

    static double[] solution(double lam) {
        double[] xty = new double[3];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 6; k++) {
                xty[i] += X[k][i] * Y[k];
            }
        }
        return solve(h(lam), xty);
    }

    /** The derivative of w* in λ. */
    static double[] firstDerivative(double lam) {
        double[] w = solution(lam);
        double[] d = solve(h(lam), w);
        for (int i = 0; i < 3; i++) {
            d[i] = -d[i];
        }
        return d;
    }

    /** The second derivative of w* in λ. */
    static double[] secondDerivative(double lam) {
        double[] d = solve(h(lam), firstDerivative(lam));
        for (int i = 0; i < 3; i++) {
            d[i] = -2 * d[i];
        }
        return d;
    }

    static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
