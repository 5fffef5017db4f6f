package dev.argdiff.examples;

import picocli.CommandLine.Option;

/**
 * {@code --force}: lets a command replace existing files that it writes next to the user's
 * {@code --plot} file ({@code FILE-path.png}, …). Without it such a file, which the user did not
 * name, is never overwritten (see {@link dev.argdiff.examples.output.OutputFiles}).
 */
final class ForceOption {

    @Option(names = "--force", description = "Replace existing files written next to the --plot file; without it "
            + "the command refuses to overwrite a file you did not name.")
    boolean force;
}
