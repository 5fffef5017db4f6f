package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.OutputFiles;
import dev.argdiff.examples.output.Plots;
import dev.argdiff.examples.output.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code argdiff example lasso}: the command line of {@link LassoExample}. */
@Command(name = "lasso",
        description = {
            "Lasso hyperparameter optimization on the diabetes data (JAXopt's example): Adam on "
                    + "theta = log(lambda) minimizes the validation loss; the hypergradient goes through the inner "
                    + "lasso solver by implicit differentiation, or by unrolling its iterations with --unrolling."},
        sortOptions = false)
final class LassoCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--solver", paramLabel = "pg|bcd", defaultValue = "pg",
            description = "Inner solver: pg (proximal gradient, FISTA) or bcd (block coordinate descent) "
                    + "(default: ${DEFAULT-VALUE}).")
    private String solver;

    @Option(names = "--unrolling", description = "Differentiate by unrolling the inner iterations instead of "
            + "implicit differentiation.")
    private boolean unrolling;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10",
            description = "Outer Adam steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.01",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--theta", paramLabel = "THETA", defaultValue = "1.0",
            description = "Initial theta = log(lambda) (default: ${DEFAULT-VALUE}).")
    private double theta;

    @Option(names = "--inner-maxiter", paramLabel = "K", defaultValue = "500",
            description = "Iteration limit of the inner solver (default: ${DEFAULT-VALUE}).")
    private int innerMaxiter;

    @Option(names = "--inner-tol", paramLabel = "TOL", defaultValue = "1e-10",
            description = "Stopping tolerance of the inner solver (default: ${DEFAULT-VALUE}).")
    private double innerTol;

    @Option(names = "--data", paramLabel = "FILE.csv",
            description = "A train/validation split laid out like the bundled diabetes_split.csv (columns is_val, y, "
                    + "then the features) instead of the diabetes data.")
    private Path data;

    @Option(names = "--json", description = "Print one JSON object per step (loss, theta, hypergradient, inner "
            + "iterations and error, adjoint residual, support size, coefficients) instead of text.")
    private boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Write a PNG of the validation loss against the step, and one of the coefficient path "
                    + "(FILE-path.png).")
    private Path plot;

    @Mixin
    private ForceOption overwrite;

    LassoCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        OutputFiles.checkPlot(plot, overwrite.force, data, "-path");
        LassoExample.Solver which;
        switch (solver.toLowerCase(Locale.ROOT)) {
            case "pg":
                which = LassoExample.Solver.PG;
                break;
            case "bcd":
                which = LassoExample.Solver.BCD;
                break;
            default:
                throw new IllegalArgumentException("--solver must be pg or bcd, got '" + solver + "'");
        }
        LassoExample.Options options = new LassoExample.Options(which, unrolling, steps, learningRate, theta,
                innerMaxiter, innerTol);
        JsonOutput jsonOut = new JsonOutput(streams.out());
        LassoExample.Result result;
        try (Progress progress = Progress.start("lasso", steps, !json)) {
            result = LassoExample.run(options, data, s -> {
                if (json) {
                    jsonOut.step(s);
                } else {
                    if (s.step() == 1) {
                        streams.out().printf("lasso on %s: inner %s, %s%n", data == null ? "diabetes" : data,
                                which.name().toLowerCase(Locale.ROOT),
                                unrolling ? "unrolled differentiation" : "implicit differentiation");
                        streams.out().println("step  validation loss     theta         d loss/d theta   inner it.  nnz  "
                                + "adjoint residual");
                    }
                    streams.out().printf(Locale.ROOT, "%4d  %.8f  %.10f  %14.6f   %6d    %3d  %s%n", s.step(), s.loss(),
                            s.theta(), s.hypergradient(), s.innerIterations(), s.nonZeros(),
                            Double.isNaN(s.adjointResidual()) ? "(unrolled)" : String.format(Locale.ROOT, "%.2e",
                                    s.adjointResidual()));
                }
                progress.step();
            });
        }
        if (!json) {
            streams.out().printf(Locale.ROOT, "final theta = %.10f (lambda = %.6f)%n", result.finalTheta(),
                    Math.exp(result.finalTheta()));
        }
        LassoReport.summary(RegressionData.load(data), result).print(streams.out(), json);
        if (plot != null) {
            writePlots(result);
        }
        return Main.EXIT_OK;
    }

    /** The validation loss in FILE.png, the coefficient path in FILE-path.png. */
    private void writePlots(LassoExample.Result result) throws IOException {
        var steps = result.steps();
        Plots.line("Lasso hyperparameter optimization (" + (data == null ? "diabetes" : data.getFileName()) + ")")
                .axes("step", "validation loss")
                .series("validation loss", steps, LassoExample.Step::step, LassoExample.Step::loss).writePng(plot);
        Path pathFile = Plots.sibling(plot, "-path");
        LassoReport.pathPlot(pathFile, data == null ? "diabetes" : String.valueOf(data.getFileName()),
                RegressionData.load(data), Math.exp(result.finalTheta()));
        if (!json) {
            streams.out().println("plots written to " + plot + " and " + pathFile);
        }
    }
}
