package dev.argdiff.examples;

import dev.argdiff.examples.output.Plots;
import dev.argdiff.examples.output.Summary;
import dev.argdiff.prox.Prox;
import dev.argdiff.solvers.ProximalGradient;
import dev.argdiff.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What {@code argdiff example lasso} shows besides its table: the summary (text and the last
 * {@code --json} record) and the coefficient path against λ with the selected λ marked. Lasso
 * solutions at a given λ are computed here by a separate FISTA run to 1e-9, independently of the
 * example's inner solver and of its differentiation.
 */
final class LassoReport {

    private LassoReport() {
    }

    /** The lasso solution argmin ½·mean((Xw − y)²) + λ‖w‖₁ on the training rows, warm-started from {@code init}. */
    static Tensor solve(RegressionData d, double lambda, Tensor init) {
        return ProximalGradient.<Tensor, LassoExample.Args>of(LassoExample::leastSquares,
                        (x, a, s) -> Prox.lasso(x, a.lam(), s))
                .maxiter(5_000).tol(1e-9).implicitDiff(false)
                .run(init, new LassoExample.Args(Tensor.scalar(lambda), d.xTrain(), d.yTrain())).params();
    }

    /** The smallest λ at which every coefficient is zero: ‖X_trᵀy_tr‖∞ / n. */
    static double lambdaMax(RegressionData d) {
        double[] g = d.xTrain().transposeMatmul(d.yTrain()).toArray();
        double max = 0;
        for (double v : g) {
            max = Math.max(max, Math.abs(v));
        }
        return max / d.xTrain().dim(0);
    }

    /** The summary of a finished run. */
    static Summary summary(RegressionData d, LassoExample.Result result) {
        List<LassoExample.Step> steps = result.steps();
        LassoExample.Step first = steps.get(0);
        LassoExample.Step last = steps.get(steps.size() - 1);
        double lambda = Math.exp(result.finalTheta());
        Tensor w = solve(d, lambda, Tensor.of(last.coefficients()));
        double after = d.validationLoss(w).item();
        int nnz = 0;
        for (double v : w.toArray()) {
            nnz += v != 0 ? 1 : 0;
        }
        double zero = d.yVal().square().mean().item();
        double trainMean = d.yTrain().mean().item();
        double meanBaseline = d.yVal().sub(trainMean).square().mean().item();
        boolean converged = Math.abs(last.hypergradient()) <= RidgeReport.OUTER_TOLERANCE * Math.max(1, Math.abs(last.loss()));
        Summary s = Summary.titled("Summary")
                .shown("validationLossBefore", "validation loss before", first.loss(),
                        String.format(Locale.ROOT, "%.4f (λ = %.6g)", first.loss(), Math.exp(first.theta())))
                .shown("validationLossAfter", "validation loss after", after,
                        String.format(Locale.ROOT, "%.4f (λ = %.6g, %+.2f%%)", after, lambda,
                                100 * (after - first.loss()) / first.loss()))
                .value("baselineZero", "baseline: predict 0", zero, "%.4f")
                .shown("baselineTrainingMean", "baseline: predict the training mean", meanBaseline,
                        String.format(Locale.ROOT, "%.4f (mean %.4f)", meanBaseline, trainMean))
                .shown("finalTheta", "final θ", result.finalTheta(),
                        String.format(Locale.ROOT, "%.6f, λ = exp(θ) = %.6g (all coefficients are zero from λ = %.6g)",
                                result.finalTheta(), lambda, lambdaMax(d)))
                .json("finalLambda", lambda)
                .shown("nonZeros", "non-zero coefficients at the final λ", nnz, nnz + " of " + d.features())
                .shown("outerConverged", "outer loop", converged, converged
                        ? String.format(Locale.ROOT, "converged: |d loss/d θ| = %.3g", Math.abs(last.hypergradient()))
                        : String.format(Locale.ROOT, "NOT converged after %d steps: d loss/d θ = %.4g at the last step",
                                steps.size(), last.hypergradient()))
                .json("steps", steps.size())
                .json("lastHypergradient", last.hypergradient());
        if (!converged) {
            s.note(String.format(Locale.ROOT, "The outer loop stops after --steps %d; it is converged when "
                    + "|d loss/d θ| ≤ %.0e·loss. Run it longer (--steps) or with larger Adam steps (--learning-rate).",
                    steps.size(), RidgeReport.OUTER_TOLERANCE));
        }
        return s;
    }

    /** The coefficients against λ (log scale, 40 values from λ_max down to λ_max/1000) with the selected λ marked. */
    static void pathPlot(Path file, String dataName, RegressionData d, double selectedLambda) throws IOException {
        double lambdaMax = lambdaMax(d);
        int n = 40;
        double[] lambdas = new double[n];
        double[][] coefficients = new double[d.features()][n];
        Tensor w = Tensor.zeros(d.features());
        for (int i = 0; i < n; i++) {
            lambdas[i] = lambdaMax * Math.pow(10, -3.0 * i / (n - 1));
            w = solve(d, lambdas[i], w);
            double[] values = w.toArray();
            for (int j = 0; j < values.length; j++) {
                coefficients[j][i] = values[j];
            }
        }
        Plots.LineChart chart = Plots.line("Lasso coefficient path (" + dataName + "): coefficients against λ")
                .axes("λ (log scale; larger λ = fewer non-zero coefficients)", "coefficient")
                .logX(true);
        for (int j = 0; j < d.features(); j++) {
            chart = chart.series("w" + j, lambdas, coefficients[j]);
        }
        chart.verticalLine(String.format(Locale.ROOT, "selected λ = %.3g", selectedLambda), selectedLambda);
        chart.writePng(file);
    }
}
