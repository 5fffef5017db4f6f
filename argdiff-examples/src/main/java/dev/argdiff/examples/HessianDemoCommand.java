package dev.argdiff.examples;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff example hessian-demo}: the command line of {@link HessianDemo}. */
@Command(name = "hessian-demo",
        description = {
            "Hessian of the multiclass logistic loss (softmax cross-entropy) of a linear model on the "
                    + "digits data, at W = 0: its size, trace and top eigenvalue.",
            "Computed by autodiff (forward over reverse) and checked entry by entry against the analytic "
                    + "formula."},
        sortOptions = false,
        footer = {"", "Exit status: 0 success, 1 power iteration not converged, 2 bad option."})
final class HessianDemoCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "200",
            description = "Use the first N of the 1797 digits (default: ${DEFAULT-VALUE}).")
    private int samples;

    @Option(names = "--max-iterations", paramLabel = "K", defaultValue = "1000",
            description = "At most K power iterations (default: ${DEFAULT-VALUE}).")
    private int maxIterations;

    @Option(names = "--tol", paramLabel = "TOL", defaultValue = "1e-10",
            description = "Stop the power iteration when ||Hv - lambda v|| <= TOL * lambda (default: ${DEFAULT-VALUE}).")
    private double tol;

    @Option(names = "--json", description = "Print one JSON document instead of text.")
    private boolean json;

    HessianDemoCommand(Streams streams) {
        this.streams = streams;
    }

    /** Exit status 0, or 1 when the power iteration did not converge. */
    @Override
    public Integer call() {
        HessianDemo.Result result = HessianDemo.run(streams.out(),
                new HessianDemo.Options(samples, maxIterations, tol, json));
        if (!result.converged()) {
            // Status 1 needs its one line on stderr: the report on stdout may be going to a file or a parser.
            streams.err().printf(Locale.ROOT, "argdiff: the power iteration did not converge in %d "
                    + "iterations (||Hv - lambda v|| = %.3g > %.3g = TOL * lambda); raise --max-iterations or "
                    + "loosen --tol%n", result.iterations(), result.residual(), tol * Math.abs(result.topEigenvalue()));
        }
        return result.converged() ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }
}
