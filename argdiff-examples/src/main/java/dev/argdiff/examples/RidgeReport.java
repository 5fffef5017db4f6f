package dev.argdiff.examples;

import dev.argdiff.examples.output.Plots;
import dev.argdiff.examples.output.Summary;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What {@code argdiff example ridge} tells a person around its table: what the example does,
 * what the columns mean, and a summary with baselines; and the plot of the validation loss
 * against λ with the Adam iterates on it. The validation loss at a given λ is computed here by
 * a dense solve of the normal equations, independently of the example's CG solver.
 */
final class RidgeReport {

    /** |dloss/dθ| at the last step at most this times max(1, loss): the outer loop converged. */
    static final double OUTER_TOLERANCE = 1e-6;

    private RidgeReport() {
    }

    /** The opening lines: the problem, the data, what is tuned and how. */
    static void printIntro(PrintStream out, RidgeExample.Options options, Path data, RegressionData d) {
        String source = data == null ? "the diabetes data (JAXopt's split)" : data.toString();
        out.println(Summary.wrap(String.format(Locale.ROOT,
                "Ridge regression on %s: %d training and %d validation rows, %d features. The penalty λ = exp(θ) is "
                        + "tuned to minimize the validation loss: %d Adam steps on θ (learning rate %s, from θ = %s), "
                        + "each through a fresh ridge fit (CG, at most %d iterations) whose derivative in θ comes from "
                        + "implicit differentiation, not from unrolling CG.",
                source, d.xTrain().dim(0), d.xVal().dim(0), d.features(), options.steps(),
                trim(options.learningRate()), trim(options.theta0()), options.innerMaxiter()), 100));
        out.println();
    }

    /** The table's header and what each column means. */
    static void printHeader(PrintStream out) {
        out.println("columns: validation loss = mean squared error on the validation rows at this step's θ;");
        out.println("         θ = log λ before the step; d loss/d θ = the hypergradient Adam follows;");
        out.println("         inner CG = iterations of the ridge fit; adjoint residual = relative residual of");
        out.println("         the implicit-differentiation linear solve (small = the hypergradient is exact).");
        out.println();
        out.println("step  validation loss        theta          d loss/d theta   inner CG  adjoint residual");
    }

    /** The summary record of a finished run (text and {@code --json}). */
    static Summary summary(RidgeExample.Options options, RegressionData d, RidgeExample.Result result) {
        List<RidgeExample.Step> steps = result.steps();
        RidgeExample.Step first = steps.get(0);
        RidgeExample.Step last = steps.get(steps.size() - 1);
        double finalLambda = Math.exp(result.finalTheta());
        double before = first.loss();
        double after = validationLoss(d, finalLambda);
        double zero = d.yVal().square().mean().item();
        double trainMean = d.yTrain().mean().item();
        double meanBaseline = d.yVal().sub(trainMean).square().mean().item();
        boolean converged = Math.abs(last.hypergradient()) <= OUTER_TOLERANCE * Math.max(1, Math.abs(last.loss()));
        double[] best = bestOnGrid(d);

        Summary s = Summary.titled("Summary")
                .shown("validationLossBefore", "validation loss before", before,
                        String.format(Locale.ROOT, "%.4f (λ = %.6g)", before, Math.exp(first.theta())))
                .shown("validationLossAfter", "validation loss after", after,
                        String.format(Locale.ROOT, "%.4f (λ = %.6g, %+.2f%%)", after, finalLambda,
                                100 * (after - before) / before))
                .value("baselineZero", "baseline: predict 0", zero, "%.4f")
                .shown("baselineTrainingMean", "baseline: predict the training mean", meanBaseline,
                        String.format(Locale.ROOT, "%.4f (mean %.4f)", meanBaseline, trainMean))
                .shown("finalTheta", "final θ", result.finalTheta(),
                        String.format(Locale.ROOT, "%.6f, λ = exp(θ) = %.6g", result.finalTheta(), finalLambda))
                .json("finalLambda", finalLambda)
                .shown("bestLambdaOnGrid", "lowest validation loss on a λ grid (1e-6..1e3)", best[0],
                        String.format(Locale.ROOT, "%.4f at λ = %.3g", best[1], best[0]))
                .json("bestLossOnGrid", best[1])
                .shown("outerConverged", "outer loop", converged, converged
                        ? String.format(Locale.ROOT, "converged: |d loss/d θ| = %.3g at step %d", Math.abs(last.hypergradient()), last.step())
                        : String.format(Locale.ROOT, "NOT converged after %d steps: d loss/d θ = %.4g at the last step",
                                steps.size(), last.hypergradient()))
                .json("steps", steps.size())
                .json("lastHypergradient", last.hypergradient());
        if (!converged) {
            s.note(String.format(Locale.ROOT, "The outer loop stops after --steps %d with θ still moving (%.4g per step); "
                    + "it is converged when |d loss/d θ| ≤ %.0e·loss. Larger Adam steps finish it: --learning-rate 0.1 "
                    + "--steps 300 (on the diabetes data that reaches a stationary point, d loss/d θ ≈ 1e-4, near λ ≈ 0.064).",
                    options.steps(), steps.size() > 1 ? last.theta() - steps.get(steps.size() - 2).theta() : 0.0,
                    OUTER_TOLERANCE));
        }
        if (after > meanBaseline) {
            s.note(String.format(Locale.ROOT, "Even the best λ stays above predicting the training mean (%.2f > %.2f): "
                    + "this ridge model has no intercept and the rows are scaled to unit length, as in JAXopt's example. "
                    + "The example shows how the validation loss is differentiated through a solver, not a good model "
                    + "of this data.", best[1], meanBaseline));
        }
        return s;
    }

    /** The validation loss against λ over the grid, the Adam iterates marked on the curve. */
    static void plot(Path file, String dataName, RegressionData d, RidgeExample.Result result) throws IOException {
        double[] lambdas = grid();
        double[] losses = new double[lambdas.length];
        for (int i = 0; i < lambdas.length; i++) {
            losses[i] = validationLoss(d, lambdas[i]);
        }
        List<RidgeExample.Step> steps = result.steps();
        double[] iterLambda = new double[steps.size()];
        double[] iterLoss = new double[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            iterLambda[i] = Math.exp(steps.get(i).theta());
            iterLoss[i] = steps.get(i).loss();
        }
        Plots.line("Validation loss against the ridge penalty λ (" + dataName + ")")
                .axes("λ = exp(θ) (log scale)", "validation mean squared error")
                .logX(true)
                .series("validation loss at λ", lambdas, losses)
                .points("Adam iterates (" + steps.size() + " steps)", iterLambda, iterLoss)
                .points(String.format(Locale.ROOT, "start (λ = %.3g)", iterLambda[0]),
                        new double[] {iterLambda[0]}, new double[] {iterLoss[0]})
                .points(String.format(Locale.ROOT, "end (λ = %.3g)", Math.exp(result.finalTheta())),
                        new double[] {Math.exp(result.finalTheta())},
                        new double[] {validationLoss(d, Math.exp(result.finalTheta()))})
                .writePng(file);
    }

    /** 91 values of λ, log-spaced from 1e-6 to 1e3. */
    static double[] grid() {
        double[] g = new double[91];
        for (int i = 0; i < g.length; i++) {
            g[i] = Math.pow(10, -6 + 9.0 * i / (g.length - 1));
        }
        return g;
    }

    /** {λ, loss} of the lowest validation loss over {@link #grid()}. */
    static double[] bestOnGrid(RegressionData d) {
        double[] best = {Double.NaN, Double.POSITIVE_INFINITY};
        for (double lambda : grid()) {
            double loss = validationLoss(d, lambda);
            if (loss < best[1]) {
                best[0] = lambda;
                best[1] = loss;
            }
        }
        return best;
    }

    /** mean((X_val w − y_val)²) at w = (X_trᵀX_tr/n + λI)⁻¹ X_trᵀy_tr/n, by a dense Cholesky solve. */
    static double validationLoss(RegressionData d, double lambda) {
        Tensor x = d.xTrain();
        double n = x.dim(0);
        Tensor gram = x.transposeMatmul(x).div(n).add(Tensor.eye(d.features()).mul(lambda));
        Tensor w = LinearSolve.solve(LinearOperator.fromMatrix(gram), x.transposeMatmul(d.yTrain()).div(n),
                LinearSolver.cholesky());
        return d.validationLoss(w).item();
    }

    private static String trim(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) + ".0" : String.valueOf(v);
    }
}
