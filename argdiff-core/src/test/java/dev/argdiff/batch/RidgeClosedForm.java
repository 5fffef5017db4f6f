package dev.argdiff.batch;

import dev.argdiff.data.RidgeTasks;
import dev.argdiff.testing.PlainLinearAlgebra;

/** The closed form of a ridge task's validation loss and its derivative in θ = log λ (the tests' reference). */
final class RidgeClosedForm {
    private RidgeClosedForm() {
    }

    /** {L(θ), dL/dθ}: w = H⁻¹Aᵀb/m, H = AᵀA/m + λI; dL/dθ = λ·⟨A_valᵀr/m, −H⁻¹w⟩. */
    static double[] lossAndDerivative(RidgeTasks.Task t, double theta) {
        int m = t.rows();
        int n = t.cols();
        double lambda = Math.exp(theta);
        double[][] h = new double[n][n];
        double[] rhs = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < m; k++) {
                    s += t.a()[k * n + i] * t.a()[k * n + j];
                }
                h[i][j] = s / m + (i == j ? lambda : 0);
            }
            double s = 0;
            for (int k = 0; k < m; k++) {
                s += t.a()[k * n + i] * t.b()[k];
            }
            rhs[i] = s / m;
        }
        double[] w = PlainLinearAlgebra.solve(h, rhs);
        double[] r = new double[m];
        double loss = 0;
        for (int k = 0; k < m; k++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += t.aVal()[k * n + j] * w[j];
            }
            r[k] = s - t.bVal()[k];
            loss += r[k] * r[k];
        }
        loss = 0.5 * loss / m;
        double[] dw = PlainLinearAlgebra.solve(h, w);
        double d = 0;
        for (int j = 0; j < n; j++) {
            double g = 0;
            for (int k = 0; k < m; k++) {
                g += t.aVal()[k * n + j] * r[k];
            }
            d -= g / m * dw[j];
        }
        return new double[] {loss, lambda * d};
    }
}
