package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.OutputFiles;
import dev.argdiff.examples.output.Plots;
import dev.argdiff.examples.output.Summary;
import dev.argdiff.examples.output.Progress;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff example imaml}: the command line of {@link ImamlExample}. */
@Command(name = "imaml",
        description = {
            "Implicit MAML (Rajeswaran et al. 2019) on few-shot sinusoid regression (JAXopt's MAML notebook): Adam "
                    + "on the meta-parameters theta minimizes the query loss after adapting to each task by "
                    + "argmin_w L_support(w) + (lambda/2)|w - theta|^2; the meta-gradient is the implicit derivative "
                    + "of that argmin, or with --maml the derivative through a few unrolled gradient steps."},
        sortOptions = false)
final class ImamlCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--maml", description = "Differentiate through --inner-steps unrolled gradient steps from theta "
            + "(MAML) instead of implicitly through the solution of the inner problem.")
    private boolean maml;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "100",
            description = "Outer Adam steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.05",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--lambda", paramLabel = "LAMBDA", defaultValue = "1.0",
            description = "Strength of the proximal term (lambda/2)|w - theta|^2 (default: ${DEFAULT-VALUE}).")
    private double lambda;

    @Option(names = "--tasks", paramLabel = "B", defaultValue = "25",
            description = "Training tasks per outer step (default: ${DEFAULT-VALUE}).")
    private int tasks;

    @Option(names = "--shots", paramLabel = "K", defaultValue = "5",
            description = "Support points per task (default: ${DEFAULT-VALUE}).")
    private int shots;

    @Option(names = "--queries", paramLabel = "Q", defaultValue = "10",
            description = "Query points per task (default: ${DEFAULT-VALUE}).")
    private int queries;

    @Option(names = "--held-out-tasks", paramLabel = "T", defaultValue = "100",
            description = "Held-out tasks scored at every step (default: ${DEFAULT-VALUE}).")
    private int heldOutTasks;

    @Option(names = "--inner-steps", paramLabel = "S", defaultValue = "5",
            description = "Unrolled gradient steps of the inner loop with --maml (default: ${DEFAULT-VALUE}).")
    private int innerSteps;

    @Option(names = "--inner-maxiter", paramLabel = "K", defaultValue = "1000",
            description = "Iteration limit of the inner solver without --maml (default: ${DEFAULT-VALUE}).")
    private int innerMaxiter;

    @Option(names = "--inner-tol", paramLabel = "TOL", defaultValue = "1e-10",
            description = "Stopping tolerance of the inner solver without --maml, on the gradient norm "
                    + "(default: ${DEFAULT-VALUE}).")
    private double innerTol;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the tasks (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "1",
            description = "Threads evaluating the tasks of a step (Batch; the results do not depend on it; with native "
                    + "OpenBLAS set OPENBLAS_NUM_THREADS=1) (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--json", description = "Print one JSON object per step (meta-training loss, meta-gradient norm, "
            + "held-out loss, inner iterations, adjoint residual) instead of text.")
    private boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Write a PNG of the held-out loss of iMAML and of MAML against the step (the other method is run "
                    + "too, with the same options and seed).")
    private Path plot;

    ImamlCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        ImamlExample.Options options = new ImamlExample.Options(maml, steps, learningRate, lambda, tasks, shots,
                queries, heldOutTasks, innerSteps, innerMaxiter, innerTol, seed);
        ImamlExample.requireMemory(options);
        OutputFiles.checkPlot(plot, false, null);
        JsonOutput jsonOut = new JsonOutput(streams.out());
        if (!json) {
            streams.out().printf(Locale.ROOT, "%s on sinusoid regression: %d-shot tasks, %d per step, lambda %s, "
                    + "%s%n", maml ? "MAML" : "iMAML", shots, tasks, lambda, maml
                    ? "meta-gradient through " + innerSteps + " unrolled gradient steps"
                    : "implicit meta-gradient (inner solve to " + innerTol + ")");
            streams.out().println("step  meta-train loss  |meta-gradient|  held-out loss  inner it.  adjoint residual");
        }
        ImamlExample.Result result;
        try (Progress progress = Progress.start(maml ? "maml" : "imaml", steps, !json)) {
            result = ImamlExample.run(options, threads, s -> {
                if (json) {
                    jsonOut.step(s);
                } else {
                    streams.out().printf(Locale.ROOT, "%4d  %.10f     %.4e       %.8f     %6.1f     %s%n", s.step(),
                            s.loss(), s.gradientNorm(), s.heldOutLoss(), s.innerIterations(),
                            Double.isNaN(s.adjointResidual()) ? "(unrolled)"
                                    : String.format(Locale.ROOT, "%.2e", s.adjointResidual()));
                }
                progress.step();
            });
        }
        Summary.titled("Summary")
                .value("heldOutLossFromZero", "held-out loss after adaptation from θ = 0",
                        result.steps().get(0).heldOutLoss(), "%.6f")
                .value("heldOutLossFinal", "held-out loss after adaptation from the meta-learned θ",
                        result.finalHeldOutLoss(), "%.6f")
                .shown("finalTheta", "final θ (bias, then one weight per center)", result.theta(),
                        java.util.Arrays.stream(result.theta()).mapToObj(v -> String.format(Locale.ROOT, "%.4f", v))
                                .collect(java.util.stream.Collectors.joining(", ", "[", "]")))
                .json("method", maml ? "MAML" : "iMAML")
                .json("steps", result.steps().size())
                .print(streams.out(), json);
        if (plot != null) {
            // Both methods on one chart: the other one is run with the same options and seed.
            ImamlExample.Options otherOptions = new ImamlExample.Options(!maml, steps, learningRate, lambda, tasks, shots,
                    queries, heldOutTasks, innerSteps, innerMaxiter, innerTol, seed);
            ImamlExample.Result other = ImamlExample.run(otherOptions, s -> { });
            ImamlExample.Result imaml = maml ? other : result;
            ImamlExample.Result unrolled = maml ? result : other;
            Plots.line("iMAML vs MAML on sinusoid regression: held-out tasks").axes("step",
                            "held-out query loss after adaptation")
                    .series("iMAML (implicit meta-gradient)", imaml.steps(), ImamlExample.Step::step,
                            ImamlExample.Step::heldOutLoss)
                    .series("MAML (" + innerSteps + " unrolled steps)", unrolled.steps(), ImamlExample.Step::step,
                            ImamlExample.Step::heldOutLoss)
                    .writePng(plot);
            if (!json) {
                streams.out().println("plot written to " + plot + " (iMAML and MAML; the other one was run with the "
                        + "same options and seed)");
            }
        }
        return Main.EXIT_OK;
    }
}
