package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.data.Datasets;
import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.tensor.Tensor;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code argdiff example hessian-demo}: the Hessian of the multiclass logistic loss of a linear
 * model on the first digits, at W = 0.
 *
 * <p>The Hessian comes from argdiff's autodiff ({@code Autodiff.hessian}, forward over reverse,
 * of the loss as a function of the 64×10 tensor W) and is compared entry by entry with the
 * analytic formula of {@link AnalyticSoftmaxCrossEntropy}, in the row-major [feature][class]
 * order stated there.
 *
 * <p>Model: 64 raw pixel values (grey levels 0..16, not rescaled) per image, 10 classes, logits
 * Wᵀx without intercept, W = 0 (so every p_i is uniform). At W = 0 the Hessian is
 * C ⊗ (I/K − 11ᵀ/K²) with C = (1/n) Σ x_i x_iᵀ, whose trace (1 − 1/K)·tr C and top eigenvalue
 * λmax(C)/K are printed as a closed-form check.
 */
public final class HessianDemo {

    /**
     * Options of the demo.
     *
     * @param samples how many of the first digits to use, 1..1797
     * @param maxIterations power iteration limit, ≥ 1
     * @param tolerance power iteration stops when ‖Hv − λv‖ ≤ tolerance·λ; > 0
     * @param json print one JSON document instead of text
     */
    public record Options(int samples, int maxIterations, double tolerance, boolean json) {

        /** @throws IllegalArgumentException for a value outside the ranges above */
        public Options {
            if (samples < 1 || samples > 1797) {
                throw new IllegalArgumentException("--samples must be within 1..1797, got " + samples);
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("--max-iterations must be ≥ 1, got " + maxIterations);
            }
            if (!(tolerance > 0) || !Double.isFinite(tolerance)) {
                throw new IllegalArgumentException("--tol must be a positive number, got " + tolerance);
            }
        }
    }

    /**
     * What the demo found. {@code method} says how the Hessian was obtained.
     *
     * @param size the Hessian is size×size, size = features·classes
     * @param converged whether the power iteration reached its tolerance
     * @param traceClosedForm (1 − 1/K)·(1/n)Σ‖x_i‖², valid at W = 0
     * @param topEigenvalueClosedForm λmax((1/n)Σ x_i x_iᵀ)/K, valid at W = 0
     */
    public record Result(String method, int samples, int features, int classes, int size, double trace,
                         double topEigenvalue, int iterations, double residual, boolean converged,
                         double traceClosedForm, double topEigenvalueClosedForm, double maxDifferenceFromAnalytic) {
    }

    private HessianDemo() {
    }

    /** Runs the demo and prints its result to {@code out} (text, or JSON with {@code options.json()}). */
    public static Result run(PrintStream out, Options options) {
        Datasets.Digits digits = Datasets.digits();
        int n = options.samples();
        int f = Datasets.Digits.PIXELS;
        int k = Datasets.Digits.CLASSES;
        AnalyticSoftmaxCrossEntropy.Problem problem = new AnalyticSoftmaxCrossEntropy.Problem(
                Arrays.copyOf(digits.images(), n * f), n, f, Arrays.copyOf(digits.labels(), n), k);
        double[] w = new double[problem.size()];

        double[] analytic = AnalyticSoftmaxCrossEntropy.hessian(problem, w);
        double[] h = autodiffHessian(problem);
        int dim = problem.size();
        double maxDiff = 0;
        for (int i = 0; i < h.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(h[i] - analytic[i]));
        }
        double trace = 0;
        for (int i = 0; i < dim; i++) {
            trace += h[i * dim + i];
        }
        PowerIteration.Result top = PowerIteration.largest(h, dim, options.maxIterations(), options.tolerance());

        // Closed form at W = 0: H = C ⊗ B with C = (1/n) Σ x xᵀ and B = I/K − 11ᵀ/K², whose
        // eigenvalues are 1/K (K − 1 times) and 0.
        double[] c = new double[f * f];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < f; a++) {
                for (int b = 0; b < f; b++) {
                    c[a * f + b] += problem.x()[i * f + a] * problem.x()[i * f + b] / n;
                }
            }
        }
        double traceC = 0;
        for (int a = 0; a < f; a++) {
            traceC += c[a * f + a];
        }
        // The check has its own generous limits, so that it stays a reference when --max-iterations is small.
        PowerIteration.Result topC = PowerIteration.largest(c, f, 100_000, 1e-13);

        Result result = new Result("autodiff (Autodiff.hessian: forward over reverse)", n, f, k, dim, trace,
                top.value(), top.iterations(), top.residual(), top.converged(),
                (1.0 - 1.0 / k) * traceC, topC.value() / k, maxDiff);
        if (options.json()) {
            new JsonOutput(out).document(result);
        } else {
            printText(out, result);
        }
        return result;
    }

    /** The Hessian of the mean softmax cross-entropy at W = 0 by autodiff, flattened row-major. */
    private static double[] autodiffHessian(AnalyticSoftmaxCrossEntropy.Problem p) {
        Tensor x = Tensor.of(new int[] {p.n(), p.features()}, p.x());
        double[] onehot = new double[p.n() * p.classes()];
        for (int i = 0; i < p.n(); i++) {
            onehot[i * p.classes() + p.labels()[i]] = 1.0;
        }
        Tensor y = Tensor.of(new int[] {p.n(), p.classes()}, onehot);
        // loss(W) = mean_i [logsumexp(x_i W) − ⟨y_i, x_i W⟩]
        Tensor hessian = Autodiff.hessian((Tensor wt) -> {
            Tensor logits = x.matmul(wt);
            return logits.logsumexp(1).sub(logits.mul(y).sum(1)).mean();
        }).apply(Tensor.zeros(p.features(), p.classes()));
        return hessian.toArray();
    }

    private static void printText(PrintStream out, Result r) {
        out.println("Hessian of the softmax cross-entropy loss at W = 0");
        out.println("  computed by:     " + r.method());
        out.printf("  data:            first %d of 1797 digits, %d raw pixel values (0..16) each%n",
                r.samples(), r.features());
        out.printf("  model:           logits W^T x, W is %d features x %d classes, no intercept%n",
                r.features(), r.classes());
        out.printf("  Hessian size:    %d x %d (W flattened row-major [feature][class])%n", r.size(), r.size());
        out.printf("  vs analytic:     max |autodiff - analytic| over all entries = %.2e%n",
                r.maxDifferenceFromAnalytic());
        out.printf("  trace:           %.12g%n", r.trace());
        out.printf("  top eigenvalue:  %.12g  (power iteration: %d iterations, residual %.2e, %s)%n",
                r.topEigenvalue(), r.iterations(), r.residual(), r.converged() ? "converged" : "NOT CONVERGED");
        out.println("  closed-form check at W = 0, H = C (x) (I/K - 11^T/K^2) with C = (1/n) sum x x^T:");
        out.printf("    trace = (1 - 1/K) tr C        = %.12g  (relative difference %.1e)%n",
                r.traceClosedForm(), relativeDifference(r.trace(), r.traceClosedForm()));
        out.printf("    top eigenvalue = lmax(C) / K  = %.12g  (relative difference %.1e)%n",
                r.topEigenvalueClosedForm(), relativeDifference(r.topEigenvalue(), r.topEigenvalueClosedForm()));
    }

    private static double relativeDifference(double a, double b) {
        return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    }
}
