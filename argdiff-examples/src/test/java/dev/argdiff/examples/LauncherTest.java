package dev.argdiff.examples;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./argdiff} launcher, run in a scratch copy of the repository layout with stand-ins for
 * Maven (records each build, writes the jar) and Java (prints its arguments): when it rebuilds,
 * and what it says when standard output is closed.
 */
class LauncherTest {

    @TempDir
    Path root;

    private Path builds;
    private Path source;

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @BeforeEach
    void layout() throws IOException {
        Path launcher = Path.of("..", "argdiff");
        assumeTrue(Files.isRegularFile(launcher), "the launcher at the repository root");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")), "bash");
        Files.copy(launcher, root.resolve("argdiff"));
        Files.setPosixFilePermissions(root.resolve("argdiff"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path module = Files.createDirectories(root.resolve("argdiff-examples"));
        Files.writeString(module.resolve("pom.xml"), "<project/>");
        source = Files.createDirectories(module.resolve("src")).resolve("A.java");
        Files.writeString(source, "class A {}");
        builds = root.resolve("builds.log");
        Path bin = Files.createDirectories(root.resolve("bin"));
        executable(bin.resolve("mvn"), "#!/bin/sh\necho build >> '" + builds + "'\nmkdir -p '" + module
                + "/target'\n: > '" + module + "/target/argdiff.jar'\n");
        Path javaHome = Files.createDirectories(root.resolve("jdk").resolve("bin"));
        executable(javaHome.resolve("java"), "#!/bin/sh\necho ran\n");
    }

    /** Runs {@code script} with bash in the scratch root; returns {exit status, stdout, stderr}. */
    private String[] bash(String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("PATH", root.resolve("bin") + ":/usr/bin:/bin");
        env.put("JAVA_HOME", root.resolve("jdk").toString());
        env.remove("ARGDIFF_JAVA_OPTS");
        Path out = root.resolve("out.txt");
        Path err = root.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not finish: " + script);
        }
        return new String[] {String.valueOf(p.exitValue()), Files.readString(out), Files.readString(err)};
    }

    private int buildCount() throws IOException {
        return Files.exists(builds) ? Files.readAllLines(builds, StandardCharsets.UTF_8).size() : 0;
    }

    @Test
    void aSourceDatedInTheFutureIsBuiltOnceNotOnEveryRun() throws Exception {
        assertEquals("ran\n", bash("./argdiff --version")[1]);
        assertEquals(1, buildCount(), "the first run builds");
        bash("./argdiff --version");
        assertEquals(1, buildCount(), "nothing changed");

        Files.setLastModifiedTime(source, FileTime.from(Instant.now().plus(Duration.ofDays(365))));
        bash("./argdiff --version");
        assertEquals(2, buildCount(), "a changed modification time rebuilds once");
        for (int i = 0; i < 2; i++) {
            String[] r = bash("./argdiff --version");
            assertEquals("0", r[0], r[2]);
            assertEquals("", r[2], "no build message");
        }
        assertEquals(2, buildCount(), "the future date alone does not rebuild again (it used to, on every run)");

        // Editing the file (its time goes back to now, before its old future date) still rebuilds.
        Files.writeString(source, "class A { int x; }");
        bash("./argdiff --version");
        assertEquals(3, buildCount());
    }

    @Test
    void aClosedStandardOutputIsOneLineNotBashErrors() throws Exception {
        bash("./argdiff --version");
        String[] r = bash("./argdiff --version >&-");
        assertEquals("1", r[0]);
        // Was: "argdiff: line 108: 1: Bad file descriptor" and "line 109: status: unbound variable".
        assertEquals("argdiff: standard output is closed; nothing to write the results to\n", r[2]);
        assertEquals(List.of("0", "ran\n", ""), List.of(bash("./argdiff x")));
    }
}
