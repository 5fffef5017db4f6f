package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.argdiff.data.Datasets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The hand-written gradient and Hessian against central finite differences, away from W = 0
 * (where every p_i is uniform and a wrong formula could still pass).
 */
class AnalyticSoftmaxCrossEntropyTest {

    private static final int N = 30;
    private static final int F = 64;
    private static final int K = 10;

    private static AnalyticSoftmaxCrossEntropy.Problem problem() {
        Datasets.Digits d = Datasets.digits();
        double[] x = Arrays.copyOf(d.images(), N * F);
        for (int i = 0; i < x.length; i++) {
            x[i] /= 16; // keeps the logits of a random W moderate
        }
        return new AnalyticSoftmaxCrossEntropy.Problem(x, N, F, Arrays.copyOf(d.labels(), N), K);
    }

    private static double[] randomW(int size) {
        SplittableRandom random = new SplittableRandom(7);
        double[] w = new double[size];
        for (int i = 0; i < size; i++) {
            w[i] = random.nextDouble(-0.3, 0.3);
        }
        return w;
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheLoss() {
        AnalyticSoftmaxCrossEntropy.Problem p = problem();
        double[] w = randomW(p.size());
        double[] g = AnalyticSoftmaxCrossEntropy.gradient(p, w);
        double h = 1e-5;
        for (int j : new int[] {0, 3, 9, 10, 123, 345, 639}) {
            double[] plus = w.clone();
            double[] minus = w.clone();
            plus[j] += h;
            minus[j] -= h;
            double fd = (AnalyticSoftmaxCrossEntropy.loss(p, plus) - AnalyticSoftmaxCrossEntropy.loss(p, minus)) / (2 * h);
            assertEquals(fd, g[j], 1e-8, "gradient entry " + j);
        }
    }

    @Test
    void hessianColumnsMatchFiniteDifferencesOfTheGradient() {
        AnalyticSoftmaxCrossEntropy.Problem p = problem();
        int dim = p.size();
        double[] w = randomW(dim);
        double[] hess = AnalyticSoftmaxCrossEntropy.hessian(p, w);
        double h = 1e-5;
        // Columns chosen to cross feature blocks and classes: j = feature·10 + class.
        for (int j : new int[] {0, 7, 10, 11, 219, 220, 455, 639}) {
            double[] plus = w.clone();
            double[] minus = w.clone();
            plus[j] += h;
            minus[j] -= h;
            double[] gp = AnalyticSoftmaxCrossEntropy.gradient(p, plus);
            double[] gm = AnalyticSoftmaxCrossEntropy.gradient(p, minus);
            for (int i = 0; i < dim; i++) {
                double fd = (gp[i] - gm[i]) / (2 * h);
                assertEquals(fd, hess[i * dim + j], 1e-7, "H[" + i + "][" + j + "]");
            }
        }
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < i; j++) {
                assertEquals(hess[i * dim + j], hess[j * dim + i], 1e-15, "symmetry at " + i + ", " + j);
            }
        }
    }

    @Test
    void hessianAtZeroIsTheKroneckerProductInRowMajorOrder() {
        AnalyticSoftmaxCrossEntropy.Problem p = problem();
        int dim = p.size();
        double[] hess = AnalyticSoftmaxCrossEntropy.hessian(p, new double[dim]);
        // H[(f,c),(g,d)] = C[f][g] · (δ_cd/K − 1/K²), C = (1/n) Σ x xᵀ, index f·K + c.
        for (int f : new int[] {5, 20, 43}) {
            for (int g : new int[] {5, 21, 60}) {
                double cfg = 0;
                for (int i = 0; i < N; i++) {
                    cfg += p.x()[i * F + f] * p.x()[i * F + g] / N;
                }
                for (int c = 0; c < K; c++) {
                    for (int d = 0; d < K; d++) {
                        double expected = cfg * ((c == d ? 1.0 / K : 0.0) - 1.0 / (K * K));
                        assertEquals(expected, hess[(f * K + c) * dim + g * K + d], 1e-15);
                    }
                }
            }
        }
    }

    @Test
    void powerIterationFindsTheLargestEigenvalueOfAKnownMatrix() {
        // Q diag(5, 2, 1, 0) Qᵀ with Q a rotation in the (0, 1) plane by 30 degrees.
        double cs = Math.cos(Math.PI / 6);
        double sn = Math.sin(Math.PI / 6);
        double[] a = {
            5 * cs * cs + 2 * sn * sn, (5 - 2) * cs * sn, 0, 0,
            (5 - 2) * cs * sn, 5 * sn * sn + 2 * cs * cs, 0, 0,
            0, 0, 1, 0,
            0, 0, 0, 0,
        };
        PowerIteration.Result r = PowerIteration.largest(a, 4, 1000, 1e-12);
        assertEquals(true, r.converged());
        assertEquals(5.0, r.value(), 1e-11);
        assertEquals(cs, Math.abs(r.vector()[0]), 1e-9);
        PowerIteration.Result capped = PowerIteration.largest(a, 4, 2, 1e-12);
        assertEquals(false, capped.converged());
        assertEquals(2, capped.iterations());
    }
}
