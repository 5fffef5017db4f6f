package dev.argdiff.optim;

import dev.argdiff.solvers.OptimizerSolver;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three steps of adam, sgd and momentum against Optax's formulas evaluated with plain doubles.
 *
 * <p>With fixed gradients g_1, g_2, g_3 the references use the closed forms of the recursions
 * (weighted sums of past gradients), not the recursions the implementation runs:
 * Adam's bias-corrected first moment at step t is μ̂_t = Σ_s b1^{t−s} g_s / Σ_s b1^{t−s}
 * (= μ_t / (1 − b1^t) with μ_t = (1 − b1) Σ_s b1^{t−s} g_s), and the same with b2 and g² for ν̂_t;
 * Optax's trace is t_k = Σ_s β^{k−s} g_s.
 */
class OptaxReferenceTest {

    private static final double[] X0 = {1.0, -2.0, 0.5, 3.0};
    // Entry 2 starts at an exact zero gradient; entry 3 changes sign.
    private static final double[][] G = {
            {0.3, -1.2, 0.0, 2.5},
            {-0.7, 0.4, 0.1, 2.0},
            {0.2, -0.9, -0.3, -1.0},
    };

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-13 * Math.max(1.0, Math.abs(expected)), what);
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertClose(expected[i], actual[i], what + "[" + i + "]");
        }
    }

    /** Σ_{s=1..t} w^{t−s} v_s for entry i, with v_s = g_s or g_s². */
    private static double weighted(double w, int t, int i, boolean squared) {
        double sum = 0;
        for (int s = 1; s <= t; s++) {
            double g = G[s - 1][i];
            sum += Math.pow(w, t - s) * (squared ? g * g : g);
        }
        return sum;
    }

    private static double weightSum(double w, int t) {
        double sum = 0;
        for (int s = 1; s <= t; s++) {
            sum += Math.pow(w, t - s);
        }
        return sum;
    }

    private void checkAdam(Chain opt, double lr, double b1, double b2, double eps, double epsRoot) {
        Tensor x = Tensor.of(X0);
        Chain.State state = opt.init(x);
        double[] expected = X0.clone();
        for (int t = 1; t <= 3; t++) {
            GradientTransformation.Update<Tensor, Chain.State> u = opt.update(Tensor.of(G[t - 1]), state, x);
            x = Optimizers.applyUpdates(x, u.updates());
            state = u.state();
            ScaleByAdam.State adam = (ScaleByAdam.State) state.get(0);
            assertEquals(t, adam.count(), "count");
            double[] mu = ((Tensor) adam.mu()).toArray();
            double[] nu = ((Tensor) adam.nu()).toArray();
            for (int i = 0; i < X0.length; i++) {
                assertClose((1 - b1) * weighted(b1, t, i, false), mu[i], "mu_" + t);
                assertClose((1 - b2) * weighted(b2, t, i, true), nu[i], "nu_" + t);
                double muHat = weighted(b1, t, i, false) / weightSum(b1, t);
                double nuHat = weighted(b2, t, i, true) / weightSum(b2, t);
                expected[i] -= lr * muHat / (Math.sqrt(nuHat + epsRoot) + eps);
            }
            assertClose(expected, x.toArray(), "x_" + t);
        }
    }

    @Test
    void adamDefaultsReproduceOptaxFormulas() {
        checkAdam(Optimizers.adam(0.1), 0.1, 0.9, 0.999, 1e-8, 0.0);
    }

    @Test
    void adamExplicitHyperparametersReproduceOptaxFormulas() {
        // Large eps and epsRoot so that both visibly matter.
        checkAdam(Optimizers.adam(0.05, 0.5, 0.8, 1e-3, 1e-4), 0.05, 0.5, 0.8, 1e-3, 1e-4);
    }

    @Test
    void adamFirstStepIsSignTimesLearningRate() {
        // Bias correction at t = 1: μ̂ = g, ν̂ = g², so u = g / (|g| + eps).
        Chain opt = Optimizers.adam(0.1);
        Tensor x = Tensor.of(X0);
        Tensor u = opt.update(Tensor.of(G[0]), opt.init(x), x).updates();
        double[] got = u.toArray();
        for (int i = 0; i < X0.length; i++) {
            double g = G[0][i];
            assertClose(-0.1 * g / (Math.abs(g) + 1e-8), got[i], "u_1[" + i + "]");
        }
    }

    private void checkSgd(Chain opt, double lr, double beta, boolean nesterov) {
        Tensor x = Tensor.of(X0);
        Chain.State state = opt.init(x);
        double[] expected = X0.clone();
        for (int k = 1; k <= 3; k++) {
            GradientTransformation.Update<Tensor, Chain.State> u = opt.update(Tensor.of(G[k - 1]), state, x);
            x = Optimizers.applyUpdates(x, u.updates());
            state = u.state();
            for (int i = 0; i < X0.length; i++) {
                double trace = weighted(beta, k, i, false);
                double direction = nesterov ? G[k - 1][i] + beta * trace : trace;
                expected[i] -= lr * direction;
            }
            assertClose(expected, x.toArray(), "x_" + k);
            if (beta > 0) {
                double[] trace = ((Tensor) ((Trace.State) state.get(0)).trace()).toArray();
                for (int i = 0; i < X0.length; i++) {
                    assertClose(weighted(beta, k, i, false), trace[i], "trace_" + k);
                }
            }
        }
    }

    @Test
    void plainSgd() {
        // x_k = x_0 − lr Σ g_s  (weights β^{k−s} with β = 0 keep only the last gradient).
        Tensor x = Tensor.of(X0);
        Chain opt = Optimizers.sgd(0.3);
        Chain.State state = opt.init(x);
        double[] expected = X0.clone();
        for (int k = 1; k <= 3; k++) {
            GradientTransformation.Update<Tensor, Chain.State> u = opt.update(Tensor.of(G[k - 1]), state, x);
            x = Optimizers.applyUpdates(x, u.updates());
            state = u.state();
            for (int i = 0; i < X0.length; i++) {
                expected[i] -= 0.3 * G[k - 1][i];
            }
            assertClose(expected, x.toArray(), "x_" + k);
        }
        assertEquals(EmptyState.INSTANCE, state.get(0));
        assertEquals(EmptyState.INSTANCE, state.get(1));
    }

    @Test
    void sgdWithMomentumUsesOptaxTrace() {
        checkSgd(Optimizers.sgd(0.3, 0.9, false), 0.3, 0.9, false);
        checkSgd(Optimizers.momentum(0.3, 0.9), 0.3, 0.9, false);
    }

    @Test
    void sgdWithNesterovMomentum() {
        checkSgd(Optimizers.sgd(0.3, 0.7, true), 0.3, 0.7, true);
    }

    @Test
    void sgdWithZeroMomentumIsPlainSgd() {
        checkSgd(Optimizers.sgd(0.3, 0.0, false), 0.3, 0.0, false);
    }

    @Test
    void adamThroughTheSolverOnAQuadratic() {
        // f(x) = ½ Σ q_i (x_i − c_i)²: the gradient q_i (x_i − c_i) now depends on the iterate.
        double[] q = {2.0, 0.5, 1.0, 4.0};
        double[] c = {0.5, 1.0, -1.0, 2.0};
        double lr = 0.1;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        OptimizerSolver<Tensor, Tensor[], Void> solver = OptimizerSolver.of(
                (Tensor x, Tensor[] qc) -> x.sub(qc[1]).square().mul(qc[0]).sum().mul(0.5), Optimizers.adam(lr));
        SolverResult<Tensor, OptimizerSolver.State<Void>> out = solver.maxiter(3).tol(0).implicitDiff(false)
                .run(Tensor.of(X0), new Tensor[]{Tensor.of(q), Tensor.of(c)});

        // The recursion of Optax's scale_by_adam, with plain doubles.
        double[] x = X0.clone();
        double[] mu = new double[4];
        double[] nu = new double[4];
        double lastValue = 0;
        double lastGradNorm = 0;
        for (int t = 1; t <= 3; t++) {
            lastValue = 0;
            double sq = 0;
            double[] g = new double[4];
            for (int i = 0; i < 4; i++) {
                lastValue += 0.5 * q[i] * (x[i] - c[i]) * (x[i] - c[i]);
                g[i] = q[i] * (x[i] - c[i]);
                sq += g[i] * g[i];
            }
            lastGradNorm = Math.sqrt(sq);
            for (int i = 0; i < 4; i++) {
                mu[i] = b1 * mu[i] + (1 - b1) * g[i];
                nu[i] = b2 * nu[i] + (1 - b2) * g[i] * g[i];
                double muHat = mu[i] / (1 - Math.pow(b1, t));
                double nuHat = nu[i] / (1 - Math.pow(b2, t));
                x[i] -= lr * muHat / (Math.sqrt(nuHat) + eps);
            }
        }
        assertClose(x, out.params().toArray(), "x_3");
        assertEquals(3, out.state().iterations());
        // value and gradNorm belong to the starting point of the last step, x_2.
        assertClose(lastValue, out.state().value().item(), "value");
        assertClose(lastGradNorm, out.state().gradNorm().item(), "gradNorm");
    }
}
