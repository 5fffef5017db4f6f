package dev.argdiff.examples;

import java.util.Arrays;

/**
 * The multiclass logistic loss (softmax cross-entropy) of a linear model, with its gradient and
 * Hessian written out by hand on plain arrays: the reference that autodiff's Hessian of the same
 * loss is checked against.
 *
 * <p>Data: n rows x_i ∈ ℝᶠ (row-major n×F in {@code x}) with labels y_i ∈ {0..K−1}. Model:
 * logits z_i = Wᵀx_i, no intercept. W is F×K and is <b>flattened row-major
 * [feature][class]</b>: W[f][c] = {@code w[f·K + c]}; gradient and Hessian use the same index
 * order. With p_i = softmax(z_i):
 * <pre>
 *   L(W)                 = (1/n) Σᵢ ( logΣ_c exp(z_ic) − z_{i,yᵢ} )
 *   ∂L/∂W[f][c]          = (1/n) Σᵢ x_if (p_ic − [yᵢ = c])
 *   ∂²L/∂W[f][c]∂W[g][d] = (1/n) Σᵢ x_if x_ig (p_ic δ_cd − p_ic p_id)
 * </pre>
 * that is, H = (1/n) Σᵢ (xᵢxᵢᵀ) ⊗ (diag(pᵢ) − pᵢpᵢᵀ) in this row-major order: the
 * feature index is the outer (slow) one, so the F×F factor comes first in the Kronecker product.
 * The form (1/n) Σᵢ (diag(pᵢ) − pᵢpᵢᵀ) ⊗ xᵢxᵢᵀ often quoted is the same matrix for the
 * column-major flattening vec(W) (class index outer). The two differ by a permutation: trace
 * and eigenvalues agree, individual entries do not, so compare entries in one stated order.
 */
public final class AnalyticSoftmaxCrossEntropy {

    /** The data: {@code x} is n×features row-major, {@code labels} in 0..classes−1. */
    public record Problem(double[] x, int n, int features, int[] labels, int classes) {

        /** @throws IllegalArgumentException if the sizes do not match or a label is out of range */
        public Problem {
            if (n < 1 || features < 1 || classes < 2) {
                throw new IllegalArgumentException("Problem: need n ≥ 1, features ≥ 1, classes ≥ 2, got n = " + n
                        + ", features = " + features + ", classes = " + classes);
            }
            if (x.length != (long) n * features) {
                throw new IllegalArgumentException("Problem: x has length " + x.length + ", expected n·features = "
                        + (long) n * features);
            }
            if (labels.length != n) {
                throw new IllegalArgumentException("Problem: labels has length " + labels.length + ", expected " + n);
            }
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new IllegalArgumentException("Problem: labels[" + i + "] = " + labels[i]
                            + " is outside 0.." + (classes - 1));
                }
            }
        }

        /** The number of parameters, features·classes. */
        public int size() {
            return features * classes;
        }
    }

    private AnalyticSoftmaxCrossEntropy() {
    }

    /** L(W). */
    public static double loss(Problem p, double[] w) {
        checkW(p, w);
        int k = p.classes();
        double[] z = new double[k];
        double sum = 0;
        for (int i = 0; i < p.n(); i++) {
            logits(p, w, i, z);
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z) {
                max = Math.max(max, v);
            }
            double s = 0;
            for (double v : z) {
                s += Math.exp(v - max);
            }
            sum += max + Math.log(s) - z[p.labels()[i]];
        }
        return sum / p.n();
    }

    /** ∇L(W), flattened row-major [feature][class]. */
    public static double[] gradient(Problem p, double[] w) {
        checkW(p, w);
        int f = p.features();
        int k = p.classes();
        double[] g = new double[f * k];
        double[] prob = new double[k];
        for (int i = 0; i < p.n(); i++) {
            probabilities(p, w, i, prob);
            prob[p.labels()[i]] -= 1;
            for (int a = 0; a < f; a++) {
                double xa = p.x()[i * f + a] / p.n();
                for (int c = 0; c < k; c++) {
                    g[a * k + c] += xa * prob[c];
                }
            }
        }
        return g;
    }

    /**
     * ∇²L(W): a dense symmetric (F·K)×(F·K) matrix, row-major, both indices flattened row-major
     * [feature][class] (see the class comment).
     */
    public static double[] hessian(Problem p, double[] w) {
        checkW(p, w);
        int f = p.features();
        int k = p.classes();
        int dim = f * k;
        double[] h = new double[dim * dim];
        double[] prob = new double[k];
        double[] b = new double[k * k];
        for (int i = 0; i < p.n(); i++) {
            probabilities(p, w, i, prob);
            // B_i = diag(p_i) − p_i p_iᵀ, the Hessian of the loss in the logits z_i.
            for (int c = 0; c < k; c++) {
                for (int d = 0; d < k; d++) {
                    b[c * k + d] = (c == d ? prob[c] : 0.0) - prob[c] * prob[d];
                }
            }
            for (int a = 0; a < f; a++) {
                double xa = p.x()[i * f + a];
                if (xa == 0) {
                    continue;
                }
                for (int g = 0; g < f; g++) {
                    double s = xa * p.x()[i * f + g] / p.n();
                    if (s == 0) {
                        continue;
                    }
                    // Block (a, g) of H, rows a·K..a·K+K−1, columns g·K..g·K+K−1, gets s·B_i.
                    for (int c = 0; c < k; c++) {
                        int row = (a * k + c) * dim + g * k;
                        for (int d = 0; d < k; d++) {
                            h[row + d] += s * b[c * k + d];
                        }
                    }
                }
            }
        }
        return h;
    }

    /** softmax(Wᵀx_i) into {@code out}, computed stably (the largest logit is subtracted first). */
    static void probabilities(Problem p, double[] w, int i, double[] out) {
        logits(p, w, i, out);
        double max = Double.NEGATIVE_INFINITY;
        for (double v : out) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (int c = 0; c < out.length; c++) {
            out[c] = Math.exp(out[c] - max);
            s += out[c];
        }
        for (int c = 0; c < out.length; c++) {
            out[c] /= s;
        }
    }

    private static void logits(Problem p, double[] w, int i, double[] z) {
        int f = p.features();
        int k = p.classes();
        Arrays.fill(z, 0.0);
        for (int a = 0; a < f; a++) {
            double xa = p.x()[i * f + a];
            for (int c = 0; c < k; c++) {
                z[c] += xa * w[a * k + c];
            }
        }
    }

    private static void checkW(Problem p, double[] w) {
        if (w.length != p.size()) {
            throw new IllegalArgumentException("W has length " + w.length + ", expected features·classes = "
                    + p.features() + "·" + p.classes() + " = " + p.size());
        }
    }
}
