package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff bench qp}: the command line of {@link QpBench}. */
@Command(name = "qp",
        description = {
            "QP benchmark: random dense problems with n unknowns and n/2 inequalities solved by OSQP; median time of "
                    + "the solve alone and of solve + implicit gradient with respect to c and h, their ratio, and the "
                    + "KKT residuals reached."},
        sortOptions = false)
final class QpBenchCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--sizes", paramLabel = "N", split = ",", defaultValue = "100,500,2000",
            description = "Numbers of unknowns (default: ${DEFAULT-VALUE}).")
    private List<Integer> sizes;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5",
            description = "Timed runs after one warm-up run; the median is reported (default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--tol", paramLabel = "T", defaultValue = "1e-8",
            description = "Solver tolerance on the KKT residual (default: ${DEFAULT-VALUE}).")
    private double tol;

    @Option(names = "--json", description = "Print one JSON document instead of a table.")
    private boolean json;

    QpBenchCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        QpBench.Options options = new QpBench.Options(sizes, repeats, tol);
        List<QpBench.Row> rows = new ArrayList<>();
        try (Progress progress = Progress.start("bench qp", (long) sizes.size() * repeats, !json)) {
            for (int n : sizes) {
                rows.add(QpBench.measure(n, options, progress::step));
            }
        }
        if (json) {
            new JsonOutput(streams.out()).document(JsonOutput.object("benchmark", "qp", "blas",
                    dev.argdiff.backend.Blas.name(), "rows", rows));
            return Main.EXIT_OK;
        }
        var out = streams.out();
        out.printf(Locale.ROOT, "QP benchmark (OSQP, tol %.0e): median of %d runs, BLAS %s%n", tol, repeats,
                dev.argdiff.backend.Blas.name());
        out.println("   n     m   solve ms   solve+grad(c,h) ms  ratio  iters  status     active   primal res  "
                + "dual res   compl.");
        for (QpBench.Row r : rows) {
            out.printf(Locale.ROOT, "%4d %5d %10.1f %20.1f %6.2f %6d  %-10s %6d   %9.1e  %9.1e  %9.1e%n",
                    r.n(), r.m(), r.solveMs(), r.derivativeMs(), r.ratio(), r.iterations(), r.status(), r.active(),
                    r.primalResidual(), r.dualResidual(), r.complementarity());
        }
        return Main.EXIT_OK;
    }
}
