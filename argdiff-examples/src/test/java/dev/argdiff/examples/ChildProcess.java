package dev.argdiff.examples;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code Main} in a child JVM, for what an in-process run cannot show: the process's
 * own standard output (a full disk, a pipe whose reader leaves) and a small heap.
 */
final class ChildProcess {
    private ChildProcess() {
    }

    /** A child running {@code Main} with these JVM options and arguments; standard error is kept in a file. */
    static Process start(List<String> jvmOptions, ProcessBuilder.Redirect stdout, File stderr, String... args)
            throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.addAll(jvmOptions);
        command.add("-Djava.awt.headless=true");
        command.add("-cp");
        command.add(classpath);
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(stdout).redirectError(stderr).start();
    }

    /** Waits at most {@code seconds} for the child; kills it and fails if it is still running. */
    static int waitFor(Process p, long seconds) throws InterruptedException {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child process was still running after " + seconds + " s");
        }
        return p.exitValue();
    }

    /** The child's standard error without the JVM's own notes ("Picked up JAVA_TOOL_OPTIONS ..."). */
    static String stderr(File file) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String line : java.nio.file.Files.readAllLines(file.toPath(), StandardCharsets.UTF_8)) {
            if (!line.startsWith("Picked up ") && !line.startsWith("NOTE: Picked up ")) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
