package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.OutputFiles;
import dev.argdiff.examples.output.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff example ridge}: the command line of {@link RidgeExample}. */
@Command(name = "ridge",
        description = {
            "Ridge regression hyperparameter optimization on the diabetes data (JAXopt's example): "
                    + "Adam on theta = log(l2reg) minimizes the validation loss, whose gradient goes through "
                    + "the inner CG ridge solve by implicit differentiation."},
        sortOptions = false)
final class RidgeCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "50",
            description = "Outer Adam steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.01",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--theta", paramLabel = "THETA", defaultValue = "1.0",
            description = "Initial theta = log(l2reg) (default: ${DEFAULT-VALUE}).")
    private double theta;

    @Option(names = "--inner-maxiter", paramLabel = "K", defaultValue = "20",
            description = "CG iterations of the inner ridge solve (default: ${DEFAULT-VALUE}).")
    private int innerMaxiter;

    @Option(names = "--data", paramLabel = "FILE.csv",
            description = "A train/validation split laid out like the bundled diabetes_split.csv (columns is_val, y, "
                    + "then the features) instead of the diabetes data.")
    private Path data;

    @Option(names = "--json", description = "Print one JSON object per step (loss, theta, hypergradient, "
            + "inner iterations and residual, adjoint residual) instead of text, then the summary as {\"summary\": {...}}.")
    private boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write a PNG of the validation loss against λ over a grid, with the Adam iterates marked on the curve.")
    private Path plot;

    RidgeCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        OutputFiles.checkPlot(plot, false, data);
        RidgeExample.Options options = new RidgeExample.Options(steps, learningRate, theta, innerMaxiter);
        RegressionData regression = RegressionData.load(data);
        JsonOutput jsonOut = new JsonOutput(streams.out());
        if (!json) {
            RidgeReport.printIntro(streams.out(), options, data, regression);
            RidgeReport.printHeader(streams.out());
        }
        RidgeExample.Result result;
        try (Progress progress = Progress.start("ridge", steps)) {
            result = RidgeExample.run(options, data, s -> {
                if (json) {
                    jsonOut.step(s);
                } else {
                    streams.out().printf("%4d  %.10f  %.10f  %14.6f   %3d it.   %.2e%n", s.step(), s.loss(), s.theta(),
                            s.hypergradient(), s.innerIterations(), s.adjointResidual());
                }
                progress.step();
            });
        }
        RidgeReport.summary(options, regression, result).print(streams.out(), json);
        if (plot != null) {
            RidgeReport.plot(plot, data == null ? "diabetes" : String.valueOf(data.getFileName()), regression, result);
            if (!json) {
                streams.out().println("plot written to " + plot);
            }
        }
        return Main.EXIT_OK;
    }
}
