package dev.argdiff.examples;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code argdiff bench NAME}: the project's own benchmarks, printing medians and ratios. */
@Command(name = "bench",
        synopsisSubcommandLabel = "NAME",
        description = "Run one of the benchmarks (medians and ratios from one run; the machine should be quiet).",
        subcommands = {LassoBenchCommand.class, BatchBenchCommand.class, QpBenchCommand.class,
                SolversBenchCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_USAGE;
    }
}
