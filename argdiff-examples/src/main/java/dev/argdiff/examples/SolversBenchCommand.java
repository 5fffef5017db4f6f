package dev.argdiff.examples;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff bench solvers}: the command line of {@link SolversBench}. */
@Command(name = "solvers",
        description = {"LBFGS, BFGS, NonlinearCG, GaussNewton and LevenbergMarquardt on extended Rosenbrock and an "
                + "L2 logistic regression (2000x1000): iterations, function evaluations, status, median time to tol, "
                + "and solve + implicit derivative d(sum x*)/d(theta) relative to the solve."},
        sortOptions = false)
final class SolversBenchCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--sizes", paramLabel = "N", split = ",", defaultValue = "2,100,1000",
            description = "Rosenbrock dimensions, even (default: ${DEFAULT-VALUE}).")
    private List<Integer> sizes;

    @Option(names = "--no-logistic", description = "Skip the 2000x1000 logistic regression.")
    private boolean noLogistic;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
            description = "Timed runs of each case; the median is reported (default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--tol", paramLabel = "TOL", defaultValue = "1e-8",
            description = "Solver tolerance (default: ${DEFAULT-VALUE}).")
    private double tol;

    @Option(names = "--maxiter", paramLabel = "K", defaultValue = "5000",
            description = "Iteration limit (default: ${DEFAULT-VALUE}).")
    private int maxiter;

    SolversBenchCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        if (repeats < 1 || !(tol >= 0) || maxiter < 1 || sizes.stream().anyMatch(n -> n < 2 || n % 2 != 0)) {
            streams.err().println("argdiff bench solvers: --repeats and --maxiter must be >= 1, --tol >= 0, "
                    + "--sizes even and >= 2");
            return Main.EXIT_USAGE;
        }
        var out = streams.out();
        out.printf(Locale.ROOT, "solver benchmark: tol %.0e, median of %d runs, BLAS %s%n", tol, repeats,
                dev.argdiff.backend.Blas.name());
        out.println("problem              solver               iters    evals  status            solve ms   "
                + "+implicit ms (ratio)   d(sum x*)/dtheta");
        SolversBench.run(sizes, !noLogistic, repeats, tol, maxiter, r -> {
            out.printf(Locale.ROOT, "%-20s %-18s %7d %8d  %-15s %10.1f %12.1f (%5.2f)   %.10g%n", r.problem(),
                    r.solver(), r.iterations(), r.evaluations(), r.status(), r.solveMs(), r.gradMs(), r.gradRatio(),
                    r.derivative());
            out.flush();
        });
        return Main.EXIT_OK;
    }
}
