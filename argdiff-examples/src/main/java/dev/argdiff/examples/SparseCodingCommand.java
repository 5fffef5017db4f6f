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

/** {@code argdiff example sparse-coding}: the command line of {@link SparseCodingExample}. */
@Command(name = "sparse-coding",
        description = {
            "Dictionary learning on the digits (JAXopt's sparse coding example): Adam on the atoms D minimizes "
                    + "the reconstruction error of the images' elastic-net sparse codes C*(D); the gradient goes "
                    + "through the inner solver by implicit differentiation. Atoms are kept in the unit l2 ball."},
        sortOptions = false)
final class SparseCodingCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "30",
            description = "Outer Adam steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "0.02",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--atoms", paramLabel = "K", defaultValue = "16",
            description = "Number of atoms in the dictionary (default: ${DEFAULT-VALUE}).")
    private int atoms;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "300",
            description = "Number of digit images to code (default: ${DEFAULT-VALUE}).")
    private int samples;

    @Option(names = "--l1reg", paramLabel = "L1", defaultValue = "0.3",
            description = "l1 strength of the elastic net on the codes (default: ${DEFAULT-VALUE}).")
    private double l1reg;

    @Option(names = "--l2reg", paramLabel = "L2", defaultValue = "0.01",
            description = "l2 strength of the elastic net relative to l1 (JAXopt's elastic_penalty; "
                    + "0 for the lasso) (default: ${DEFAULT-VALUE}).")
    private double l2reg;

    @Option(names = "--solver", paramLabel = "bcd|pg", defaultValue = "bcd",
            description = "Inner solver: bcd (block coordinate descent) or pg (proximal gradient, FISTA) "
                    + "(default: ${DEFAULT-VALUE}).")
    private String solver;

    @Option(names = "--inner-maxiter", paramLabel = "K", defaultValue = "1000",
            description = "Iteration limit of the inner solver (default: ${DEFAULT-VALUE}).")
    private int innerMaxiter;

    @Option(names = "--inner-tol", paramLabel = "TOL", defaultValue = "1e-8",
            description = "Stopping tolerance of the inner solver (default: ${DEFAULT-VALUE}).")
    private double innerTol;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the image sample and of the initial atoms (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--json", description = "Print one JSON object per step (loss, relative error, gradient norm, "
            + "code density, inner iterations and error, adjoint residual) instead of text.")
    private boolean json;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write a PNG of the reconstruction loss against "
            + "the step, and one of the learned atoms as 8x8 images (FILE-atoms.png).")
    private Path plot;

    @Mixin
    private ForceOption overwrite;

    SparseCodingCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        OutputFiles.checkPlot(plot, overwrite.force, null, "-atoms");
        SparseCodingExample.Solver which;
        switch (solver.toLowerCase(Locale.ROOT)) {
            case "bcd":
                which = SparseCodingExample.Solver.BCD;
                break;
            case "pg":
                which = SparseCodingExample.Solver.PG;
                break;
            default:
                throw new IllegalArgumentException("--solver must be bcd or pg, got '" + solver + "'");
        }
        SparseCodingExample.Options options = new SparseCodingExample.Options(which, steps, learningRate, atoms,
                samples, l1reg, l2reg, innerMaxiter, innerTol, seed);
        JsonOutput jsonOut = new JsonOutput(streams.out());
        if (!json) {
            streams.out().printf(Locale.ROOT, "sparse coding of %d digits with %d atoms: inner %s, implicit "
                    + "differentiation%n", samples, atoms, which.name().toLowerCase(Locale.ROOT));
            streams.out().println("step  reconstruction loss  relative error  |dL/dD|     density  inner it.  "
                    + "adjoint residual");
        }
        SparseCodingExample.Result result;
        try (Progress progress = Progress.start("sparse-coding", steps, !json)) {
            result = SparseCodingExample.run(options, s -> {
                if (json) {
                    jsonOut.step(s);
                } else {
                    streams.out().printf(Locale.ROOT, "%4d  %.10f       %.6f        %.4e  %.3f    %5d      %.2e%n",
                            s.step(), s.loss(), s.relativeError(), s.gradientNorm(), s.density(), s.innerIterations(),
                            s.adjointResidual());
                }
                progress.step();
            });
        }
        List<SparseCodingExample.Step> all = result.steps();
        Summary.titled("Summary")
                .value("lossFirst", "reconstruction loss at step 1", all.get(0).loss(), "%.6f")
                .value("lossLast", "reconstruction loss at step " + all.get(all.size() - 1).step(),
                        all.get(all.size() - 1).loss(), "%.6f")
                .shown("relativeErrorLast", "relative error ‖X − C·D‖²/‖X‖² at the last step",
                        all.get(all.size() - 1).relativeError(),
                        String.format(Locale.ROOT, "%.4f", all.get(all.size() - 1).relativeError()))
                .shown("densityLast", "non-zero codes at the last step", all.get(all.size() - 1).density(),
                        String.format(Locale.ROOT, "%.1f %%", 100 * all.get(all.size() - 1).density()))
                .json("atoms", result.dictionary().length)
                .json("steps", all.size())
                .print(streams.out(), json);
        if (plot != null) {
            Plots.line("Dictionary learning by implicit differentiation (digits)").axes("step", "reconstruction loss")
                    .series("reconstruction loss", result.steps(), SparseCodingExample.Step::step,
                            SparseCodingExample.Step::loss)
                    .writePng(plot);
            Path atomsFile = Plots.sibling(plot, "-atoms");
            List<String> labels = new java.util.ArrayList<>();
            for (int k = 0; k < result.dictionary().length; k++) {
                labels.add("atom " + k);
            }
            ImageGrid.write(atomsFile, result.dictionary(), 8, 8, 8, "Learned dictionary atoms (8×8) after "
                    + all.size() + " steps", labels);
            if (!json) {
                streams.out().println("plots written to " + plot + " and " + atomsFile);
            }
        }
        return Main.EXIT_OK;
    }
}
