package dev.argdiff.examples;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code argdiff example NAME}: runs one of the examples; each example is a subcommand. */
@Command(name = "example",
        synopsisSubcommandLabel = "NAME",
        description = "Run one of the examples.",
        subcommands = {RidgeCommand.class, LassoCommand.class, HessianDemoCommand.class, SparseCodingCommand.class,
                DistillationCommand.class, ImamlCommand.class, DeqCommand.class, CurveFitCommand.class, SvmCommand.class},
        footer = {"", "Run 'argdiff example NAME --help' for the options of an example."})
final class ExampleCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** {@code argdiff example} without a name: the list of examples, on standard error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_USAGE;
    }
}
