package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.Progress;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff bench batch}: the command line of {@link BatchBench}. */
@Command(name = "batch",
        description = {
            "In-process batch benchmark: the sum over many small ridge tasks of the validation loss and its "
                    + "hypergradient in log(lambda) (L-BFGS inner solve to 1e-8, implicit differentiation), on a "
                    + "pool of each given number of threads: median step time, tasks per second, speed-up, and "
                    + "whether every thread count gave the same bits. With native OpenBLAS set OPENBLAS_NUM_THREADS=1."},
        sortOptions = false)
final class BatchBenchCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "10000",
            description = "Number of tasks (default: ${DEFAULT-VALUE}).")
    private int tasks;

    @Option(names = "--size", paramLabel = "ROWSxCOLS", defaultValue = "100x20",
            description = "Rows and columns of each task (default: ${DEFAULT-VALUE}).")
    private String size;

    @Option(names = "--threads", paramLabel = "T", split = ",", defaultValue = "1,2",
            description = "Thread counts to time (default: ${DEFAULT-VALUE}).")
    private List<Integer> threads;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3",
            description = "Timed steps per thread count after a warm-up on 500 tasks; the median is reported "
                    + "(default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--json", description = "Print one JSON document instead of a table.")
    private boolean json;

    BatchBenchCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        String[] parts = size.split("x", -1);
        int rows;
        int cols;
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            rows = Integer.parseInt(parts[0]);
            cols = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--size must be ROWSxCOLS, e.g. 100x20, got " + size);
        }
        BatchBench.Options options = new BatchBench.Options(tasks, rows, cols, threads, repeats);
        BatchBench.Result result;
        try (Progress progress = Progress.start("bench batch", (long) threads.size() * repeats, !json)) {
            result = BatchBench.run(options, progress::step);
        }
        if (json) {
            new JsonOutput(streams.out()).document(JsonOutput.object("benchmark", "batch", "blas",
                    dev.argdiff.backend.Blas.name(), "tasks", tasks, "size", size, "rows", result.rows(),
                    "bitIdentical", result.bitIdentical()));
            return Main.EXIT_OK;
        }
        var out = streams.out();
        out.printf(Locale.ROOT, "batch benchmark: %d ridge tasks %s, loss + hypergradient per task, median of %d steps, "
                + "BLAS %s, %d processors%n", tasks, size, repeats, dev.argdiff.backend.Blas.name(),
                Runtime.getRuntime().availableProcessors());
        out.println("threads   step s    tasks/s   speed-up   CPU ms/task");
        for (BatchBench.Row r : result.rows()) {
            out.printf(Locale.ROOT, "%7d %8.3f %10.0f %9.2f %12.3f%n", r.threads(), r.stepSeconds(), r.tasksPerSecond(),
                    r.speedup(), r.cpuMsPerTask());
        }
        BatchBench.Row first = result.rows().get(0);
        out.printf(Locale.ROOT, "sum of losses %.17g, sum of hypergradients %.17g; %s%n", first.value(), first.gradient(),
                result.bitIdentical() ? "bit-identical for every thread count and run"
                        : "NOT bit-identical across thread counts (a bug: please report)");
        return result.bitIdentical() ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }
}
