package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.OutputFiles;
import dev.argdiff.examples.output.Plots;
import dev.argdiff.examples.output.Progress;
import dev.argdiff.examples.output.Summary;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff example svm}: the command line of {@link SvmExample}. */
@Command(name = "svm",
        description = {
            "Multiclass linear SVM (Crammer-Singer dual, JAXopt's multiclass_linear_svm_dual) on the digits: block "
                    + "coordinate descent with the simplex projection solves the dual; Adam on theta = log(lambda) "
                    + "lowers the validation cross-entropy, whose gradient goes through the dual solution by implicit "
                    + "differentiation (checked once against finite differences)."},
        sortOptions = false)
final class SvmCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "5",
            description = "Outer Adam steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.3",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--theta", paramLabel = "THETA", defaultValue = "3.0",
            description = "Initial theta = log(lambda) (default: ${DEFAULT-VALUE}).")
    private double theta;

    @Option(names = "--train", paramLabel = "N", defaultValue = "100",
            description = "Training digits (default: ${DEFAULT-VALUE}).")
    private int train;

    @Option(names = "--validation", paramLabel = "N", defaultValue = "400",
            description = "Validation digits (default: ${DEFAULT-VALUE}).")
    private int validation;

    @Option(names = "--inner-maxiter", paramLabel = "K", defaultValue = "3000",
            description = "Epochs of the inner block coordinate descent (default: ${DEFAULT-VALUE}).")
    private int innerMaxiter;

    @Option(names = "--inner-tol", paramLabel = "TOL", defaultValue = "1e-6",
            description = "Stopping tolerance of the inner solve, on its optimality residual (default: ${DEFAULT-VALUE}).")
    private double innerTol;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the shuffle that draws the train/validation split (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--json", description = "Print one JSON object per step (theta, lambda, loss, hypergradient, "
            + "accuracies, inner epochs and error, duality gap, adjoint residual), then {\"summary\": {...}}.")
    private boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Write a PNG of the validation cross-entropy and error rate against the step.")
    private Path plot;

    SvmCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        OutputFiles.checkPlot(plot, false, null);
        SvmExample.Options options = new SvmExample.Options(steps, learningRate, theta, train, validation,
                innerMaxiter, innerTol, seed);
        PrintStream out = streams.out();
        JsonOutput jsonOut = new JsonOutput(out);
        if (!json) {
            out.printf(Locale.ROOT, "Multiclass linear SVM on the digits: %d training and %d validation images, 64 "
                    + "pixels, 10 classes.%n", train, validation);
            out.printf(Locale.ROOT, "inner: dual of the SVM at lambda = exp(theta), block coordinate descent (one "
                    + "block per training image,%n       projected on the simplex), until the optimality residual "
                    + "is below %.0e; warm-started%n", innerTol);
            out.printf(Locale.ROOT, "outer: Adam(%s) on theta, the gradient of the validation cross-entropy of the "
                    + "scores X_val W(theta)%n       through the dual solution by implicit differentiation%n",
                    learningRate);
            out.println();
            out.println("                                                                                    "
                    + "rel. duality");
            out.println("step      lambda  val. x-entropy  d loss/d theta  train acc.  val. acc.  inner epochs  "
                    + "gap (P+f)/P  adjoint res.");
        }
        SvmExample.Result result;
        try (Progress progress = Progress.start("svm", steps, !json)) {
            result = SvmExample.run(options, s -> {
                if (json) {
                    jsonOut.step(s);
                } else {
                    row(out, String.format(Locale.ROOT, "%4d", s.step()), s);
                }
                progress.step();
            });
        }
        SvmExample.Step before = result.steps().get(0);
        SvmExample.Step after = result.last();
        if (!json) {
            row(out, "last", after);
        }
        summary(result, before, after).print(out, json);
        if (plot != null) {
            double[] x = new double[result.steps().size() + 1];
            double[] loss = new double[x.length];
            double[] error = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                SvmExample.Step s = i < result.steps().size() ? result.steps().get(i) : after;
                x[i] = i + 1;
                loss[i] = s.loss();
                error[i] = 1 - s.validationAccuracy();
            }
            Plots.line("Multiclass linear SVM on digits: tuning lambda by hypergradient").axes("step", "")
                    .series("validation cross-entropy", x, loss)
                    .series("validation error rate", x, error)
                    .writePng(plot);
            if (!json) {
                out.println("plot written to " + plot);
            }
        }
        return Main.EXIT_OK;
    }

    private static void row(PrintStream out, String step, SvmExample.Step s) {
        out.printf(Locale.ROOT, "%s  %10.5f  %14.6f  %14.6f  %9.1f%%  %8.1f%%  %12d  %11.2e  %12s%n", step,
                s.lambda(), s.loss(), s.hypergradient(), 100 * s.trainAccuracy(), 100 * s.validationAccuracy(),
                s.innerIterations(), s.relativeDualityGap(),
                Double.isNaN(s.adjointResidual()) ? "-" : String.format(Locale.ROOT, "%.2e", s.adjointResidual()));
    }

    private static Summary summary(SvmExample.Result r, SvmExample.Step before, SvmExample.Step after) {
        SvmExample.GradientCheck c = r.check();
        double maxGap = after.relativeDualityGap();
        for (SvmExample.Step s : r.steps()) {
            maxGap = Math.max(maxGap, s.relativeDualityGap());
        }
        return Summary.titled("Summary")
                .value("lambdaBefore", "lambda before tuning", before.lambda(), "%.6f")
                .value("lambdaAfter", "lambda after tuning ", after.lambda(), "%.6f")
                .value("trainAccuracyBefore", "training accuracy before", before.trainAccuracy(), "%.4f")
                .value("trainAccuracyAfter", "training accuracy after ", after.trainAccuracy(), "%.4f")
                .value("validationAccuracyBefore", "validation accuracy before", before.validationAccuracy(), "%.4f")
                .value("validationAccuracyAfter", "validation accuracy after ", after.validationAccuracy(), "%.4f")
                .value("validationLossBefore", "validation cross-entropy before", before.loss(), "%.6f")
                .value("validationLossAfter", "validation cross-entropy after ", after.loss(), "%.6f")
                .value("maxRelativeDualityGap", "largest duality gap of an inner solve, relative to P(W)", maxGap, "%.2e")
                .value("hypergradientImplicit", String.format(Locale.ROOT,
                        "d loss/d theta at theta = %.4f, implicit", c.theta()), c.implicit(), "%.10f")
                .value("hypergradientFiniteDifference", String.format(Locale.ROOT,
                        "d loss/d theta, central differences of re-solves (h = %.0e)", c.step()),
                        c.finiteDifference(), "%.10f")
                .value("hypergradientRelativeError", "relative difference", c.relativeError(), "%.2e")
                .note("The SVM is solved in its dual: one row of beta per training image, a point of the simplex "
                        + "over the 10 classes; the weights are W = X^T(Y - beta)/lambda. The duality gap "
                        + "P(W) + f(beta) >= 0 (P the primal objective, f the dual) is 0 exactly at the optimum, so it certifies each inner solve "
                        + "without a reference solution. The validation cross-entropy is a smooth stand-in for the "
                        + "validation error, which is piecewise constant in lambda; the 'last' row is the model at "
                        + "the final theta.");
    }
}
