package dev.argdiff.implicit;

import static dev.argdiff.testing.PlainLinearAlgebra.dot;
import static dev.argdiff.testing.PlainLinearAlgebra.inverse;
import static dev.argdiff.testing.PlainLinearAlgebra.matmul;
import static dev.argdiff.testing.PlainLinearAlgebra.matvec;
import static dev.argdiff.testing.PlainLinearAlgebra.scale;
import static dev.argdiff.testing.PlainLinearAlgebra.sub;
import static dev.argdiff.testing.PlainLinearAlgebra.transpose;

/**
 * Closed-form ridge regression and its derivatives, on plain arrays (an independent reference:
 * no argdiff code). With H = XᵀX/n + λI and w = H⁻¹Xᵀy/n:
 * <ul>
 *   <li>dw/dλ = −H⁻¹w, d²w/dλ² = 2H⁻²w;</li>
 *   <li>∂w/∂y = H⁻¹Xᵀ/n;</li>
 *   <li>∂wᵢ/∂X_rc = (H⁻¹_ic·(y − Xw)_r − (H⁻¹Xᵀ)_ir·w_c)/n;</li>
 *   <li>the validation loss L(w) = mean((X_v w − y_v)²), g = ∇L = 2X_vᵀ(X_v w − y_v)/m,
 *       ∇²L = 2X_vᵀX_v/m; with λ = e^θ: dL/dθ = λ gᵀw′ and
 *       d²L/dθ² = λ gᵀw′ + λ²(w′ᵀ∇²L w′ + gᵀw″).</li>
 * </ul>
 */
final class ClosedFormRidge {
    private final double[][] x;
    private final double[] y;
    private final double[][] xVal;
    private final double[] yVal;

    ClosedFormRidge(double[][] x, double[] y, double[][] xVal, double[] yVal) {
        this.x = x;
        this.y = y;
        this.xVal = xVal;
        this.yVal = yVal;
    }

    static double[][] hessian(double[][] x, double l2reg) {
        int n = x.length;
        double[][] h = matmul(transpose(x), x);
        for (int i = 0; i < h.length; i++) {
            for (int j = 0; j < h.length; j++) {
                h[i][j] /= n;
            }
            h[i][i] += l2reg;
        }
        return h;
    }

    int samples() {
        return x.length;
    }

    int features() {
        return x[0].length;
    }

    double[][] hessianInverse(double l2reg) {
        return inverse(hessian(x, l2reg));
    }

    double[] solution(double l2reg) {
        return matvec(hessianInverse(l2reg), scale(matvec(transpose(x), y), 1.0 / samples()));
    }

    double[] dwDl2reg(double l2reg) {
        return scale(matvec(hessianInverse(l2reg), solution(l2reg)), -1.0);
    }

    double[] d2wDl2reg2(double l2reg) {
        double[][] hinv = hessianInverse(l2reg);
        return scale(matvec(hinv, matvec(hinv, solution(l2reg))), 2.0);
    }

    /** ∂w/∂y: features × samples. */
    double[][] dwDy(double l2reg) {
        double[][] m = matmul(hessianInverse(l2reg), transpose(x));
        for (double[] row : m) {
            for (int r = 0; r < row.length; r++) {
                row[r] /= samples();
            }
        }
        return m;
    }

    /** ∂wᵢ/∂X_rc as [i][r][c]. */
    double[][][] dwDx(double l2reg) {
        int n = samples();
        int p = features();
        double[][] hinv = hessianInverse(l2reg);
        double[][] hinvXt = matmul(hinv, transpose(x));
        double[] w = solution(l2reg);
        double[] res = sub(y, matvec(x, w));
        double[][][] out = new double[p][n][p];
        for (int i = 0; i < p; i++) {
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < p; c++) {
                    out[i][r][c] = (hinv[i][c] * res[r] - hinvXt[i][r] * w[c]) / n;
                }
            }
        }
        return out;
    }

    double validationLoss(double[] w) {
        double[] r = sub(matvec(xVal, w), yVal);
        return dot(r, r) / yVal.length;
    }

    double[] validationGradient(double[] w) {
        return scale(matvec(transpose(xVal), sub(matvec(xVal, w), yVal)), 2.0 / yVal.length);
    }

    double[][] validationHessian() {
        double[][] h = matmul(transpose(xVal), xVal);
        for (double[] row : h) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= 2.0 / yVal.length;
            }
        }
        return h;
    }

    double dLossDl2reg(double l2reg) {
        return dot(validationGradient(solution(l2reg)), dwDl2reg(l2reg));
    }

    double d2LossDl2reg2(double l2reg) {
        double[] w1 = dwDl2reg(l2reg);
        return dot(w1, matvec(validationHessian(), w1)) + dot(validationGradient(solution(l2reg)), d2wDl2reg2(l2reg));
    }

    double dLossDtheta(double theta) {
        double l2reg = Math.exp(theta);
        return l2reg * dLossDl2reg(l2reg);
    }

    double d2LossDtheta2(double theta) {
        double l2reg = Math.exp(theta);
        return l2reg * dLossDl2reg(l2reg) + l2reg * l2reg * d2LossDl2reg2(l2reg);
    }
}
