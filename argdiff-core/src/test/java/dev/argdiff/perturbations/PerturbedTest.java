package dev.argdiff.perturbations;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.objective.Losses;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Perturbed optimizers against closed forms: Gumbel-max is the softmax, the smoothed max is
 * logsumexp + γ, its gradient is the perturbed argmax, the score-function Jacobian estimates
 * diag(p) − ppᵀ, Normal-perturbed x² is x² + σ²; the error shrinks like 1/√samples.
 */
class PerturbedTest {

    private static final Tensor THETA = Tensor.of(0.5, -1, 2, 0);
    private static final double EULER_GAMMA = 0.5772156649015329;
    private static final Perturbed.Options GUMBEL_1 = Perturbed.Options.defaults().withSigma(1.0).withNumSamples(20_000)
            .withSeed(42);

    @Test
    void gumbelMaxIsTheSoftmaxAndTheSmoothedMaxIsLogsumexpPlusGamma() {
        double n = GUMBEL_1.numSamples();
        double[] p = THETA.softmax(0).toArray();
        double[] y = Perturbed.argmax(Perturbed::oneHotArgmax, GUMBEL_1).apply(THETA).toArray();
        for (int i = 0; i < p.length; i++) {
            assertEquals(p[i], y[i], 4 * Math.sqrt(p[i] * (1 - p[i]) / n), "coordinate " + i);
        }
        double max = Perturbed.max(Perturbed::oneHotArgmax, GUMBEL_1).apply(THETA).item();
        // the max of θ + Z is Gumbel(logsumexp θ): standard deviation π/√6
        assertEquals(THETA.logsumexp().item() + EULER_GAMMA, max, 4 * Math.PI / Math.sqrt(6 * n));
    }

    @Test
    void gradientOfTheSmoothedMaxIsThePerturbedArgmaxOnTheSameDraws() {
        Perturbed.Options o = Perturbed.Options.defaults().withNumSamples(300);
        Tensor g = Autodiff.grad(Perturbed.max(Perturbed::oneHotArgmax, o)).apply(THETA);
        assertArrayEquals(Perturbed.argmax(Perturbed::oneHotArgmax, o).apply(THETA).toArray(), g.toArray(), 1e-15);
        // forward mode, rows: one max per row, and its Hessian is the argmax's Jacobian
        Tensor rows = Tensor.of(new double[][] {{0.5, -1, 2}, {0, 0.1, -0.2}});
        Tensor jv = Autodiff.jvp(Perturbed.max(Perturbed::oneHotArgmax, o), rows, Tensor.onesLike(rows)).tangent();
        assertArrayEquals(new double[] {1, 1}, jv.toArray(), 1e-12);   // rows of a probability sum to 1
        Tensor h = Autodiff.hessian(Perturbed.max(Perturbed::oneHotArgmax, o)).apply(THETA);
        Tensor j = Autodiff.jacrev(Perturbed.argmax(Perturbed::oneHotArgmax, o)).apply(THETA);
        assertArrayEquals(j.toArray(), h.toArray(), 1e-12);
    }

    @Test
    void scoreFunctionJacobianEstimatesTheSoftmaxJacobian() {
        // σ = 1 Gumbel: y_σ = softmax, whose Jacobian is diag(p) − ppᵀ.
        Perturbed.Options o = GUMBEL_1.withControlVariate(true).withNumSamples(10_000);
        Tensor j = Autodiff.jacfwd(Perturbed.argmax(Perturbed::oneHotArgmax, o)).apply(THETA);
        double[] p = THETA.softmax(0).toArray();
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                double expected = (a == b ? p[a] : 0) - p[a] * p[b];
                assertEquals(expected, j.get(a, b), 0.04, "entry " + a + "," + b);
            }
        }
        // reverse mode is the transpose of forward mode on the same draws
        Tensor jr = Autodiff.jacrev(Perturbed.argmax(Perturbed::oneHotArgmax, o)).apply(THETA);
        assertArrayEquals(j.toArray(), jr.toArray(), 1e-12);
    }

    @Test
    void normalPerturbationOfASquareHasTheClosedForm() {
        // E[(x + σZ)²] = x² + σ², d/dx = 2x
        double sigma = 0.5;
        Perturbed.Options o = Perturbed.Options.defaults().withNoise(Noise.NORMAL).withSigma(sigma)
                .withNumSamples(20_000).withControlVariate(true).withSeed(3);
        Function<Tensor, Tensor> f = Perturbed.fun(t -> t.square(), o);
        Tensor x = Tensor.of(1.0, -0.5);
        Tensor v = f.apply(x);
        assertArrayEquals(new double[] {1 + sigma * sigma, 0.25 + sigma * sigma}, v.toArray(), 0.03);
        Tensor j = Autodiff.jacrev(f).apply(x);
        assertArrayEquals(new double[] {2, 0, 0, -1}, j.toArray(), 0.1);
    }

    @Test
    void errorShrinksLikeOneOverSquareRootOfTheSamples() {
        double[] p = THETA.softmax(0).toArray();
        double small = meanSquaredError(50, p);
        double large = meanSquaredError(800, p);
        // 16 times the samples: 16 times smaller mean squared error, i.e. 4 times smaller error
        double ratio = small / large;
        assertTrue(ratio > 8 && ratio < 32, "ratio of mean squared errors " + ratio + " (expected about 16)");
    }

    private static double meanSquaredError(int samples, double[] p) {
        double sum = 0;
        int seeds = 30;
        for (int seed = 0; seed < seeds; seed++) {
            Perturbed.Options o = GUMBEL_1.withNumSamples(samples).withSeed(1000 + seed);
            double[] y = Perturbed.argmax(Perturbed::oneHotArgmax, o).apply(THETA).toArray();
            for (int i = 0; i < p.length; i++) {
                sum += (y[i] - p[i]) * (y[i] - p[i]);
            }
        }
        return sum / seeds;
    }

    @Test
    void drawsAreFixedBySeed() {
        Perturbed.Options o = GUMBEL_1.withNumSamples(50);
        Function<Tensor, Tensor> a = Perturbed.argmax(Perturbed::oneHotArgmax, o);
        assertArrayEquals(a.apply(THETA).toArray(), a.apply(THETA).toArray(), 0.0);
        assertFalse(java.util.Arrays.equals(a.apply(THETA).toArray(),
                Perturbed.argmax(Perturbed::oneHotArgmax, o.withSeed(1)).apply(THETA).toArray()));
    }

    @Test
    void fenchelYoungLossOfThePerturbedMax() {
        // ∇_s [F_σ(s) − ⟨y, s⟩] = y_σ(s) − y
        Perturbed.Options o = Perturbed.Options.defaults().withNumSamples(200);
        BiFunction<Tensor, Tensor, Tensor> loss = Losses.fenchelYoung(Perturbed.max(Perturbed::oneHotArgmax, o));
        Tensor y = Tensor.of(0, 0, 1, 0);
        Tensor g = Autodiff.grad((Tensor s) -> loss.apply(y, s)).apply(THETA);
        assertArrayEquals(Perturbed.argmax(Perturbed::oneHotArgmax, o).apply(THETA).sub(y).toArray(), g.toArray(),
                1e-15);
    }

    @Test
    void higherDerivativesOfTheScoreEstimatorAndBadInputAreRefused() {
        Function<Tensor, Tensor> a = Perturbed.argmax(Perturbed::oneHotArgmax,
                Perturbed.Options.defaults().withNumSamples(20));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Autodiff.hessian((Tensor t) -> a.apply(t).square().sum()).apply(THETA));
        assertTrue(e.getMessage().contains("order 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.apply(Tensor.of(1, Double.NaN)));
        assertThrows(IllegalArgumentException.class, () -> Perturbed.Options.defaults().withSigma(0));
        assertThrows(IllegalArgumentException.class, () -> Perturbed.Options.defaults().withNumSamples(0));
    }

    @Test
    void threadsGetTheSameValuesAndGradients() throws Exception {
        Perturbed.Options o = GUMBEL_1.withNumSamples(200);
        Function<Tensor, Tensor> max = Perturbed.max(Perturbed::oneHotArgmax, o);
        double[] expected = Autodiff.grad(max).apply(THETA).toArray();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<double[]>> results = new java.util.ArrayList<>();
            for (int k = 0; k < 8; k++) {
                results.add(pool.submit(() -> Autodiff.grad(max).apply(THETA).toArray()));
            }
            for (java.util.concurrent.Future<double[]> r : results) {
                assertArrayEquals(expected, r.get(), 0.0);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
