package dev.argdiff.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.nio.file.FileSystemException;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.argdiff.backend.Blas;
import dev.argdiff.examples.output.OutputFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code argdiff} command line. {@code ./argdiff} at the repository root builds and runs it.
 *
 * <p>Exit status: {@value #EXIT_OK} on success, {@value #EXIT_FAILURE} when a command fails,
 * {@value #EXIT_USAGE} for a bad command line or a bad argument (an
 * {@link IllegalArgumentException} from the library). Errors are one line on standard error,
 * {@code argdiff: <message>}; only an unexpected exception (a bug) prints a stack trace.
 */
@Command(name = "argdiff",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Differentiable optimization for the JVM: solvers whose solutions can be differentiated.",
        subcommands = {ExampleCommand.class, BenchCommand.class},
        footer = {"", "Exit status: 0 success, 1 failure, 2 bad command line or argument.",
                "Run 'argdiff COMMAND --help' for the options of a command."})
public final class Main implements Callable<Integer> {

    /** Exit status: success. */
    public static final int EXIT_OK = 0;
    /** Exit status: the command ran and failed. */
    public static final int EXIT_FAILURE = 1;
    /** Exit status: bad command line or bad argument. */
    public static final int EXIT_USAGE = 2;

    /**
     * netlib logs a two-line java.util.logging WARNING whenever the native BLAS is not
     * installed; on such machines that is every run. {@code argdiff --version} reports the
     * backend instead. A strong reference keeps the level (JUL holds loggers weakly).
     */
    private static final Logger NETLIB_LOG = Logger.getLogger("dev.ludovic.netlib");

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        NETLIB_LOG.setLevel(Level.SEVERE);
        System.exit(run(Streams.system(), args));
    }

    /**
     * Parses {@code args}, runs the command and returns its exit status; never calls System.exit.
     * Standard output is guarded ({@link StdoutGuard}): a failed write stops the command with
     * status 1. Running out of memory is also status 1, with one line naming the options given
     * and how to give Java more memory.
     */
    public static int run(Streams streams, String... args) {
        Streams guarded = new Streams(StdoutGuard.guard(streams.out()), streams.err());
        CommandLine cl = commandLine(guarded);
        try {
            int status = cl.execute(args);
            if (!StdoutGuard.failed(guarded.out())) {
                guarded.out().flush();
            }
            return status;
        } catch (StdoutGuard.Failure e) {
            return outputFailed(e, cl.getErr());
        } catch (OutOfMemoryError e) {
            return MemoryLimits.report(e, cl);
        }
    }

    /** The configured command line, writing to {@code streams}. */
    public static CommandLine commandLine(Streams streams) {
        CommandLine cl = new CommandLine(new Main(), factory(streams));
        cl.setOut(new PrintWriter(streams.out(), true));
        cl.setErr(new PrintWriter(streams.err(), true));
        cl.setParameterExceptionHandler(Main::badCommandLine);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> failed(e, commandLine));
        // --help and --version print outside the commands, where picocli would show a write error as a trace.
        cl.setExecutionStrategy(parseResult -> {
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (StdoutGuard.Failure e) {
                return outputFailed(e, parseResult.commandSpec().commandLine().getErr());
            }
        });
        return cl;
    }

    /** {@code argdiff} without a command: the usage, on standard error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** The version of argdiff, from a resource the build fills in with the Maven project version. */
    public static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** {@code argdiff --version}: the version, the JVM and the BLAS backend in use. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "argdiff " + version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
                "BLAS " + blasName(),
            };
        }

        private static String blasName() {
            try {
                return Blas.name();
            } catch (LinkageError | RuntimeException e) {
                return "unavailable (" + e + ")";
            }
        }
    }

    private static int badCommandLine(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String message = oneLine(e.getMessage());
        if (e instanceof UnmatchedArgumentException u && !cl.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            // "Unmatched argument at index 1: 'ridge'" says less than this:
            message = "'" + cl.getCommandSpec().qualifiedName() + "' has no command '" + u.getUnmatched().get(0)
                    + "'; available: " + String.join(", ", cl.getSubcommands().keySet());
        }
        cl.getErr().println("argdiff: " + message + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        cl.getErr().flush();
        return EXIT_USAGE;
    }

    private static int failed(Exception e, CommandLine cl) {
        PrintWriter err = cl.getErr();
        int status;
        if (e instanceof StdoutGuard.Failure f) {
            return outputFailed(f, err);
        } else if (e instanceof IllegalArgumentException) {
            err.println("argdiff: " + oneLine(message(e)));
            status = EXIT_USAGE;
        } else if (e instanceof IOException || e instanceof UncheckedIOException) {
            IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            // A FileSystemException's message is often the path alone ("argdiff: /proc/x.png"): add the reason.
            err.println("argdiff: " + oneLine(io instanceof FileSystemException
                    ? OutputFiles.describe(io) : message(e)));
            status = EXIT_FAILURE;
        } else if (e instanceof ArithmeticException) {
            // A computation that argdiff refused to finish: an unconverged solve, an uncertified
            // implicit derivative, a singular system. Its message says what and why.
            err.println("argdiff: " + oneLine(message(e)));
            status = EXIT_FAILURE;
        } else {
            err.println("argdiff: internal error: " + e);
            e.printStackTrace(err);
            status = EXIT_FAILURE;
        }
        err.flush();
        return status;
    }

    /** A failed write to standard output: one line, except for a closed pipe (the reader chose to stop). */
    private static int outputFailed(StdoutGuard.Failure e, PrintWriter err) {
        if (!e.brokenPipe()) {
            err.println("argdiff: " + oneLine(message(e)));
            err.flush();
        }
        return EXIT_FAILURE;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    }

    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Gives each command class with a {@code (Streams)} constructor the streams of this run. */
    private static IFactory factory(Streams streams) {
        IFactory fallback = CommandLine.defaultFactory();
        return new IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                Constructor<K> c;
                try {
                    c = cls.getDeclaredConstructor(Streams.class);
                } catch (NoSuchMethodException e) {
                    return fallback.create(cls);
                }
                c.setAccessible(true);
                return c.newInstance(streams);
            }
        };
    }
}
