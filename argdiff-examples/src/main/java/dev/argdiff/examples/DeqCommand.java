package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.Plots;
import dev.argdiff.examples.output.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff example deq}: the command line of {@link DeqExample}. */
@Command(name = "deq",
        description = {
            "A deep equilibrium classifier (Bai et al. 2019) on the bundled digits: hidden state "
                    + "z* = tanh(W z* + U x + b) found by Anderson acceleration (or fixed-point iteration), trained "
                    + "with Adam by implicit differentiation of the fixed point (or, with --unrolling, through the "
                    + "solver's iterations); W is kept a contraction by projecting it onto |W|_2 <= gamma."},
        sortOptions = false)
final class DeqCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--solver", paramLabel = "anderson|fixed-point", defaultValue = "anderson",
            description = "Forward solver of the fixed point (default: ${DEFAULT-VALUE}).")
    private String solver;

    @Option(names = "--unrolling", description = "Differentiate through the forward solver's iterations instead of "
            + "implicitly.")
    private boolean unrolling;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "5", description = "Epochs (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "100",
            description = "Images per Adam step (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(names = "--hidden", paramLabel = "H", defaultValue = "32",
            description = "Size of the hidden state (default: ${DEFAULT-VALUE}).")
    private int hidden;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.01",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--max-spectral-norm", paramLabel = "GAMMA", defaultValue = "0.9",
            description = "Bound kept on |W|_2, in (0, 1) (default: ${DEFAULT-VALUE}).")
    private double maxSpectralNorm;

    @Option(names = "--tol", paramLabel = "TOL", defaultValue = "1e-6",
            description = "Forward solver tolerance on |T(Z) - Z| (default: ${DEFAULT-VALUE}).")
    private double tol;

    @Option(names = "--maxiter", paramLabel = "K", defaultValue = "300",
            description = "Forward solver iteration limit (default: ${DEFAULT-VALUE}).")
    private int maxiter;

    @Option(names = "--train-size", paramLabel = "N", defaultValue = "1347",
            description = "Training images; the rest of the 1797 are held out (default: ${DEFAULT-VALUE}).")
    private int trainSize;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the split, initialization and batch order (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--json", description = "Print one JSON object per epoch instead of text.")
    private boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Write a PNG of the training loss and held-out error against the epoch.")
    private Path plot;

    DeqCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        DeqExample.Solver kind = switch (solver) {
            case "anderson" -> DeqExample.Solver.ANDERSON;
            case "fixed-point" -> DeqExample.Solver.FIXED_POINT;
            default -> throw new IllegalArgumentException("--solver must be anderson or fixed-point, got '" + solver
                    + "'");
        };
        DeqExample.Options options = new DeqExample.Options(kind, unrolling, epochs, batchSize, hidden, learningRate,
                maxSpectralNorm, tol, maxiter, trainSize, seed);
        JsonOutput jsonOut = new JsonOutput(streams.out());
        if (!json) {
            streams.out().printf(Locale.ROOT, "DEQ on digits: h = %d, %s to %s, gradient %s, |W|_2 <= %s%n", hidden,
                    solver, tol, unrolling ? "through the unrolled iterations" : "by implicit differentiation",
                    maxSpectralNorm);
            streams.out().println("epoch  train loss  held-out acc.  fwd it.  adj. it.  steps  skipped  seconds");
        }
        DeqExample.Result result;
        try (Progress progress = Progress.start("deq", epochs, !json)) {
            result = DeqExample.run(options, e -> {
                if (json) {
                    jsonOut.step(e);
                } else {
                    streams.out().printf(Locale.ROOT, "%5d  %.6f    %.4f%s       %6.1f   %s  %5d  %7d  %7.2f%n",
                            e.epoch(), e.trainLoss(), e.heldOutAccuracy(), e.heldOutConverged() ? " " : "*",
                            e.meanForwardIterations(), Double.isNaN(e.meanAdjointIterations()) ? "   (n/a)"
                                    : String.format(Locale.ROOT, "%8.1f", e.meanAdjointIterations()),
                            e.steps(), e.skippedSteps(), e.trainSeconds());
                    if (e.firstSkipReason() != null) {
                        streams.out().println("  skipped: " + e.firstSkipReason());
                    }
                    if (!e.heldOutConverged()) {
                        streams.out().println("  * the held-out forward solve did not reach the tolerance");
                    }
                }
                progress.step();
            });
        }
        if (plot != null) {
            var epochList = result.epochs();
            Plots.line("DEQ on digits (" + (unrolling ? "unrolled" : "implicit") + ")").axes("epoch", "")
                    .series("training loss", epochList, DeqExample.Epoch::epoch, DeqExample.Epoch::trainLoss)
                    .series("held-out error", epochList, DeqExample.Epoch::epoch, e -> 1 - e.heldOutAccuracy())
                    .writePng(plot);
            if (!json) {
                streams.out().println("plot written to " + plot);
            }
        }
        return Main.EXIT_OK;
    }
}
