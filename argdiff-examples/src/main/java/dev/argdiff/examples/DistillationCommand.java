package dev.argdiff.examples;

import dev.argdiff.examples.output.ImageGrid;
import dev.argdiff.examples.output.Summary;
import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.OutputFiles;
import dev.argdiff.examples.output.Plots;
import dev.argdiff.examples.output.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code argdiff example distillation}: the command line of {@link DistillationExample}. */
@Command(name = "distillation",
        description = {
            "Dataset distillation on the digits (JAXopt's notebook): Adam learns one 8x8 image per digit such that "
                    + "a logistic regression trained on these ten images alone (inner L-BFGS) has a low loss on "
                    + "1200 real digits; the gradient goes through the inner solver by implicit differentiation."},
        sortOptions = false)
final class DistillationCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "100",
            description = "Outer Adam steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.05",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--l2reg", paramLabel = "L2", defaultValue = "0.1",
            description = "l2 regularization of the inner logistic regression (default: ${DEFAULT-VALUE}).")
    private double l2reg;

    @Option(names = "--inner-maxiter", paramLabel = "K", defaultValue = "500",
            description = "Iteration limit of the inner L-BFGS (default: ${DEFAULT-VALUE}).")
    private int innerMaxiter;

    @Option(names = "--inner-tol", paramLabel = "TOL", defaultValue = "1e-8",
            description = "Stopping tolerance of the inner L-BFGS, on the gradient norm (default: ${DEFAULT-VALUE}).")
    private double innerTol;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the train/held-out split and of the initial images (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--json", description = "Print one JSON object per step (loss, gradient norm, held-out loss and "
            + "accuracy, inner iterations and error, adjoint residual) instead of text.")
    private boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write a PNG of the training and held-out losses "
            + "against the step, and one of the ten distilled images (FILE-images.png).")
    private Path plot;

    @Mixin
    private ForceOption overwrite;

    DistillationCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        OutputFiles.checkPlot(plot, overwrite.force, null, "-images");
        DistillationExample.Options options = new DistillationExample.Options(steps, learningRate, l2reg,
                innerMaxiter, innerTol, seed);
        JsonOutput jsonOut = new JsonOutput(streams.out());
        if (!json) {
            streams.out().printf(Locale.ROOT, "dataset distillation: 10 images, logistic regression (l2reg %s) "
                    + "trained on them by L-BFGS, scored on %d digits, %d held out%n", l2reg, DistillationExample.TRAIN,
                    1797 - DistillationExample.TRAIN);
            streams.out().println("step  training loss   |dL/dimages|  held-out loss  held-out accuracy  inner it.  "
                    + "adjoint residual");
        }
        DistillationExample.Result result;
        try (Progress progress = Progress.start("distillation", steps, !json)) {
            result = DistillationExample.run(options, s -> {
                if (json) {
                    jsonOut.step(s);
                } else {
                    streams.out().printf(Locale.ROOT, "%4d  %.10f  %.4e    %.6f       %6.2f %%           %4d       "
                                    + "%.2e%n", s.step(), s.loss(), s.gradientNorm(), s.heldOutLoss(),
                            100 * s.heldOutAccuracy(), s.innerIterations(), s.adjointResidual());
                }
                progress.step();
            });
        }
        List<DistillationExample.Step> all = result.steps();
        DistillationExample.Step first = all.get(0);
        DistillationExample.Step last = all.get(all.size() - 1);
        Summary.titled("Summary")
                .shown("heldOutAccuracyFirst", "held-out accuracy at step 1", first.heldOutAccuracy(),
                        String.format(Locale.ROOT, "%.2f %%", 100 * first.heldOutAccuracy()))
                .shown("heldOutAccuracyLast", "held-out accuracy at step " + last.step(), last.heldOutAccuracy(),
                        String.format(Locale.ROOT, "%.2f %% (a model trained on the 10 distilled images alone)",
                                100 * last.heldOutAccuracy()))
                .value("heldOutLossFirst", "held-out loss at step 1", first.heldOutLoss(), "%.6f")
                .value("heldOutLossLast", "held-out loss at step " + last.step(), last.heldOutLoss(), "%.6f")
                .json("steps", all.size())
                .print(streams.out(), json);
        if (plot != null) {
            var steps = result.steps();
            Plots.line("Dataset distillation by implicit differentiation (digits)").axes("step", "loss")
                    .series("training loss (outer)", steps, DistillationExample.Step::step, DistillationExample.Step::loss)
                    .series("held-out loss", steps, DistillationExample.Step::step, DistillationExample.Step::heldOutLoss)
                    .writePng(plot);
            Path accuracyFile = Plots.sibling(plot, "-accuracy");
            Plots.line("Held-out accuracy of a model trained on the distilled images").axes("step", "held-out accuracy (%)")
                    .series("held-out accuracy", steps, DistillationExample.Step::step, s -> 100 * s.heldOutAccuracy())
                    .writePng(accuracyFile);
            Path imagesFile = Plots.sibling(plot, "-images");
            List<String> labels = new java.util.ArrayList<>();
            for (int c = 0; c < result.images().length; c++) {
                labels.add("digit " + c);
            }
            ImageGrid.write(imagesFile, result.images(), 8, 8, 5, "Distilled images after " + steps.size()
                    + " steps (one per digit)", labels);
            if (!json) {
                streams.out().println("plots written to " + plot + ", " + accuracyFile + " and " + imagesFile);
            }
        }
        return Main.EXIT_OK;
    }
}
