package dev.argdiff.examples;

import dev.argdiff.linalg.dense.LU;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lasso example: the hypergradient of the first step against the support-restricted closed
 * form, and the implicit and unrolled runs of both solvers against each other.
 */
class LassoExampleTest {

    /**
     * dL/dθ at the first step by the closed form: on the support S, w_S = (X_SᵀX_S/n)⁻¹(X_Sᵀy/n − λ·sign(w_S)),
     * so dw_S/dλ = −(X_SᵀX_S/n)⁻¹ sign(w_S), and dL/dθ = λ·∇L(w)ᵀ dw/dλ with ∇L = 2X_valᵀ(X_val w − y_val)/n_val.
     */
    @ParameterizedTest
    @EnumSource(LassoExample.Solver.class)
    void firstHypergradientEqualsTheSupportRestrictedClosedForm(LassoExample.Solver solver) {
        LassoExample.Options options = new LassoExample.Options(solver, false, 1, 1e-2, 1.0, 5000, 1e-10);
        LassoExample.Step step = LassoExample.run(options, null).steps().get(0);
        double expected = closedFormHypergradient(step.coefficients(), Math.exp(1.0));
        assertEquals(expected, step.hypergradient(), 1e-6 * Math.abs(expected),
                solver + ": implicit hypergradient vs closed form");
    }

    @ParameterizedTest
    @EnumSource(LassoExample.Solver.class)
    void implicitAndUnrolledRunsAgree(LassoExample.Solver solver) {
        LassoExample.Result implicit = LassoExample.run(LassoExample.Options.defaults(solver, false), null);
        LassoExample.Result unrolled = LassoExample.run(LassoExample.Options.defaults(solver, true), null);
        assertEquals(10, implicit.steps().size());
        for (int k = 0; k < 10; k++) {
            LassoExample.Step a = implicit.steps().get(k);
            LassoExample.Step b = unrolled.steps().get(k);
            assertEquals(a.loss(), b.loss(), 1e-8 * a.loss(), "step " + (k + 1) + " loss");
            assertEquals(a.hypergradient(), b.hypergradient(), 1e-4 * Math.abs(a.hypergradient()),
                    "step " + (k + 1) + " hypergradient");
            assertTrue(a.adjointResidual() < 1e-12, "adjoint residual " + a.adjointResidual());
            assertTrue(Double.isNaN(b.adjointResidual()), "an unrolled run has no adjoint solve");
        }
        // The validation loss decreases, as Adam follows the hypergradient.
        assertTrue(implicit.steps().get(9).loss() < implicit.steps().get(0).loss());
    }

    @Test
    void pgAndBcdReachTheSameHyperparameter() {
        double pg = LassoExample.run(LassoExample.Options.defaults(LassoExample.Solver.PG, false), null).finalTheta();
        double bcd = LassoExample.run(LassoExample.Options.defaults(LassoExample.Solver.BCD, false), null).finalTheta();
        assertEquals(pg, bcd, 1e-6);
    }

    @Test
    void badOptionsAreRefused() {
        assertEquals("--inner-tol must be a finite number >= 0, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> new LassoExample.Options(LassoExample.Solver.PG, false, 1, 1e-2, 1, 10, -1)).getMessage());
        assertEquals("--solver must be pg or bcd", assertThrows(IllegalArgumentException.class,
                () -> new LassoExample.Options(null, false, 1, 1e-2, 1, 10, 1e-6)).getMessage());
    }

    private static double closedFormHypergradient(double[] w, double lambda) {
        RegressionData data = RegressionData.load();
        double[] x = data.xTrain().toArray();
        int n = data.xTrain().dim(0);
        int p = data.features();
        List<Integer> support = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (w[j] != 0) {
                support.add(j);
            }
        }
        int s = support.size();
        double[] gram = new double[s * s];
        double[] sign = new double[s];
        for (int a = 0; a < s; a++) {
            sign[a] = Math.signum(w[support.get(a)]);
            for (int b = 0; b < s; b++) {
                double acc = 0;
                for (int i = 0; i < n; i++) {
                    acc += x[i * p + support.get(a)] * x[i * p + support.get(b)];
                }
                gram[a * s + b] = acc / n;
            }
        }
        double[] dwS = LU.factor(gram, s).solve(sign);
        double[] dw = new double[p];
        for (int a = 0; a < s; a++) {
            dw[support.get(a)] = -dwS[a];
        }
        double[] xv = data.xVal().toArray();
        double[] yv = data.yVal().toArray();
        int nv = yv.length;
        double result = 0;
        for (int i = 0; i < nv; i++) {
            double r = -yv[i];
            double d = 0;
            for (int j = 0; j < p; j++) {
                r += xv[i * p + j] * w[j];
                d += xv[i * p + j] * dw[j];
            }
            result += 2 * r * d / nv;
        }
        return lambda * result;
    }
}
