package dev.argdiff.examples;

import dev.argdiff.backend.Blas;
import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff bench lasso}: the command line of {@link LassoBench}. */
@Command(name = "lasso",
        description = {
            "Lasso hypergradient benchmark on the reference's synthetic problems (lambda = 0.1 lambda_max, "
                    + "ProximalGradient, 200 iterations): median time of the solve alone, of solve + implicit "
                    + "hypergradient and of solve + unrolled hypergradient, their ratios, the memory each mode retains for its "
                    + "backward pass, and the values "
                    + "next to the reference's."},
        sortOptions = false)
final class LassoBenchCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--sizes", paramLabel = "SIZE", split = ",", defaultValue = "200x50,1000x200,2000x1000",
            description = "Problem sizes (default: ${DEFAULT-VALUE}).")
    private List<String> sizes;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "9",
            description = "Timed runs of each mode after at least two warm-up runs and, when more than one run is "
                    + "timed, 3 s of warm-up per size; the median is reported (default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--iterations", paramLabel = "K", defaultValue = "200",
            description = "Proximal gradient iterations (default: ${DEFAULT-VALUE}).")
    private int iterations;

    @Option(names = "--stepsize", paramLabel = "MODE", defaultValue = "linesearch",
            description = "Step of the solver whose solve and derivatives are timed: linesearch (backtracking) or "
                    + "lipschitz (fixed 1/L, L from a power iteration outside the timing); both solves and the BLAS "
                    + "floor are always reported (default: ${DEFAULT-VALUE}).")
    private String stepsize;

    @Option(names = "--json", description = "Print one JSON document instead of a table.")
    private boolean json;

    LassoBenchCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        LassoBench.Options options = new LassoBench.Options(sizes, repeats, iterations, stepsize);
        List<LassoBench.Row> rows = new ArrayList<>();
        try (Progress progress = Progress.start("bench lasso", (long) sizes.size() * repeats, !json)) {
            for (String size : sizes) {
                rows.add(LassoBench.measure(size, options, progress::step));
            }
        }
        if (json) {
            new JsonOutput(streams.out()).document(JsonOutput.object("benchmark", "lasso", "blas",
                    Blas.name(), "rows", rows));
            return Main.EXIT_OK;
        }
        var out = streams.out();
        out.printf(Locale.ROOT, "lasso hypergradient benchmark: %d iterations, step %s, median of %d runs, BLAS %s%n",
                iterations, stepsize, repeats, Blas.name());
        out.println("size       solve ms   +implicit (ratio)   +unrolled (ratio)   +checkpointed (ratio)   "
                + "tape MiB implicit/unrolled/checkpointed");
        for (LassoBench.Row r : rows) {
            out.printf(Locale.ROOT, "%-9s %9.1f %10.1f (%5.2f) %10.1f (%5.2f) %12.1f (%5.2f)   %6.1f / %6.1f / %6.1f%n",
                    r.size(), r.solveMs(), r.implicitMs(), r.implicitRatio(), r.unrolledMs(), r.unrolledRatio(),
                    r.checkpointedMs(), r.checkpointedRatio(), r.implicitTapeMiB(), r.unrolledTapeMiB(),
                    r.checkpointedTapeMiB());
        }
        out.println();
        out.println("size       adjoint Krylov iterations   implicit floor 1 + k/iterations   implicit ratio");
        for (LassoBench.Row r : rows) {
            out.printf(Locale.ROOT, "%-9s %27d %33.3f %16.2f%n", r.size(), r.adjointIterations(), r.implicitFloor(),
                    r.implicitRatio());
        }
        out.println();
        out.println("size       fixed 1/L ms   line search ms   BLAS floor ms   fixed/floor   line search/fixed");
        for (LassoBench.Row r : rows) {
            out.printf(Locale.ROOT, "%-9s %12.1f %16.1f %15.1f %13.2f %19.2f%n", r.size(), r.fixedSolveMs(),
                    r.lineSearchSolveMs(), r.blasFloorMs(), r.fixedOverFloor(), r.lineSearchOverFixed());
        }
        out.println();
        out.println("values (argdiff | reference):");
        for (LassoBench.Row r : rows) {
            out.printf(Locale.ROOT, "%-9s nnz %d | %s   sum w^2 %.12g | %s%n", r.size(), r.nnz(), r.refNnz(), r.sumsq(),
                    r.refSumsq());
            out.printf(Locale.ROOT, "          d/dlam implicit %.12g | %s (JAXopt)   unrolled %.12g | %s (PyTorch)%n",
                    r.gradImplicit(), r.refGradImplicit(), r.gradUnrolled(), r.refGradUnrolled());
        }
        return Main.EXIT_OK;
    }
}
