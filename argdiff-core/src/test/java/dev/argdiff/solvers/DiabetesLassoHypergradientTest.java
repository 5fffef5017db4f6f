package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.Datasets;
import dev.argdiff.solvers.SolverFixtures.Regression;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Function;

import static dev.argdiff.solvers.SolverFixtures.maxAbs;
import static dev.argdiff.solvers.SolverFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lasso ½·mean((Xw − y)²) + λ‖w‖₁ on the diabetes training split: the hypergradient dw/dλ
 * of BlockCoordinateDescent and ProximalGradient at tight tolerance equals the support-restricted
 * closed form dw_S/dλ = −(X_Sᵀ X_S/n)⁻¹ sign(w_S), computed here with plain Gaussian elimination,
 * and is exactly 0 off the support.
 */
class DiabetesLassoHypergradientTest {

    private static Regression data;
    private static double lambda;

    @BeforeAll
    static void load() {
        Datasets.RegressionSplit d = Datasets.diabetesSplit();
        data = new Regression(Tensor.of(new int[] {d.nTrain(), d.features()}, d.xTrain()), Tensor.of(d.yTrain()),
                Tensor.scalar(0.0));
        lambda = 0.1 * SolverFixtures.lambdaMax(data);
    }

    private static Function<Tensor, Tensor> solution(String solver) {
        int n = data.n();
        IterativeSolver<Tensor, Regression, ?, ?> s;
        switch (solver) {
            case "bcd-composite-linear":
                s = BlockCoordinateDescent.<Regression>compositeLinear(Regression::x,
                        (z, a) -> z.sub(a.y()).square().mean().mul(0.5), 1.0 / n, SolverFixtures.SOFT_THRESHOLD);
                break;
            case "bcd-general":
                s = BlockCoordinateDescent.<Regression>of(SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD);
                break;
            case "proximal-gradient":
                // A fixed step 1/L: without restart, the backtracking line search stalls around 1e-6 here.
                s = ProximalGradient.<Tensor, Regression>of(SolverFixtures::leastSquares, SolverFixtures.SOFT_THRESHOLD)
                        .stepsize(1 / SolverFixtures.lipschitz(data));
                break;
            default:
                throw new IllegalArgumentException(solver);
        }
        IterativeSolver<Tensor, Regression, ?, ?> tight = s.tol(1e-10).maxiter(20_000);
        return lam -> tight.run(Tensor.zeros(data.p()), data.withLam(lam)).params();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bcd-composite-linear", "bcd-general", "proximal-gradient"})
    void hypergradientEqualsTheSupportRestrictedClosedForm(String solver) {
        Function<Tensor, Tensor> sol = solution(solver);
        Tensor lam = Tensor.scalar(lambda);
        double[] w = sol.apply(lam).toArray();

        // The problem is non-degenerate: a proper support and strict complementarity (else dw/dλ does not exist).
        double[] g = SolverFixtures.leastSquaresGradient(data, w);
        int support = 0;
        for (int j = 0; j < w.length; j++) {
            if (w[j] != 0) {
                support++;
                assertEquals(-lambda * Math.signum(w[j]), g[j], 1e-8, "KKT on the support");
            } else {
                assertTrue(Math.abs(g[j]) < 0.99 * lambda, "strict complementarity at " + j);
            }
        }
        assertTrue(support >= 2 && support < w.length, "support size " + support);

        double[] expected = SolverFixtures.supportDerivative(data, w, 0.0, true);
        double[] forward = Autodiff.jacfwd(sol).apply(lam).toArray();
        double[] reverse = Autodiff.grad((Tensor l) -> sol.apply(l).mul(Tensor.of(expected)).sum()).apply(lam)
                .toArray();
        double scale = maxAbs(expected);
        assertTrue(maxAbsDiff(forward, expected) <= 1e-6 * scale,
                () -> solver + ": dw/dλ off by " + maxAbsDiff(forward, expected) + " (scale " + scale + ")");
        for (int j = 0; j < w.length; j++) {
            if (w[j] == 0) {
                assertEquals(0.0, forward[j], 0.0, "dw/dλ off the support, coordinate " + j);
            }
        }
        // Reverse mode: d⟨w, e⟩/dλ = ⟨dw/dλ, e⟩ with e the expected derivative.
        double dot = 0;
        for (double v : expected) {
            dot += v * v;
        }
        assertEquals(dot, reverse[0], 1e-6 * dot, solver + ": reverse-mode hypergradient");
    }
}
