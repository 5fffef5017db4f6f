package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {

    /** The result of one in-process run of the command line. */
    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new Streams(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)), args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionIsThePomVersion() {
        String expected = System.getProperty("argdiff.expectedVersion");
        assertNotNull(expected, "surefire sets argdiff.expectedVersion to ${project.version}");
        assertEquals(expected, Main.version());
        Run r = run("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("argdiff " + expected + "\n"), r.out());
        assertTrue(r.out().contains("\nBLAS "), r.out());
        assertEquals("", r.err());
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("Usage: argdiff "), r.out());
        assertTrue(r.out().contains("example"), r.out());
        Run example = run("example", "--help");
        assertEquals(0, example.status());
        assertTrue(example.out().contains("hessian-demo"), example.out());
    }

    @Test
    void anUnknownOptionIsOneLineOnStderrAndStatus2() {
        Run r = run("--bogus");
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertEquals("argdiff: Unknown option: '--bogus' (see 'argdiff --help')\n", r.err());
    }

    @Test
    void aBadOptionValueNamesTheSubcommand() {
        Run r = run("example", "hessian-demo", "--samples", "many");
        assertEquals(2, r.status());
        assertEquals("argdiff: Invalid value for option '--samples': 'many' is not an int"
                + " (see 'argdiff example hessian-demo --help')\n", r.err());
    }

    @Test
    void anIllegalArgumentFromTheLibraryIsOneLineAndStatus2() {
        Run r = run("example", "hessian-demo", "--samples", "0");
        assertEquals(2, r.status());
        assertEquals("argdiff: --samples must be within 1..1797, got 0\n", r.err());
    }

    @Test
    void missingCommandPrintsUsageAndStatus2() {
        Run none = run();
        assertEquals(2, none.status());
        assertTrue(none.err().startsWith("Usage: argdiff "), none.err());
        Run example = run("example");
        assertEquals(2, example.status());
        assertTrue(example.err().contains("hessian-demo"), example.err());
        Run unknown = run("example", "no-such-example");
        assertEquals(2, unknown.status());
        assertEquals("argdiff: 'argdiff example' has no command 'no-such-example'; available: ridge, lasso, hessian-demo,"
                + " sparse-coding, distillation, imaml, deq, curve-fit, svm (see 'argdiff example --help')\n", unknown.err());
    }

    @Test
    void hessianDemoJsonAgreesWithItsClosedForm() {
        Run r = run("example", "hessian-demo", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(640, o.get("size").getAsInt());
        assertEquals(200, o.get("samples").getAsInt());
        assertTrue(o.get("converged").getAsBoolean());
        double trace = o.get("trace").getAsDouble();
        double top = o.get("topEigenvalue").getAsDouble();
        assertEquals(o.get("traceClosedForm").getAsDouble(), trace, 1e-12 * trace);
        assertEquals(o.get("topEigenvalueClosedForm").getAsDouble(), top, 1e-8 * top);
        assertTrue(top > 0 && top < trace);
        // The autodiff Hessian equals the analytic formula entry by entry.
        assertTrue(o.get("maxDifferenceFromAnalytic").getAsDouble() < 1e-10 * top, o.toString());
    }

    @Test
    void hessianDemoTextSaysHowItWasComputed() {
        Run r = run("example", "hessian-demo", "--samples", "20");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("autodiff (Autodiff.hessian: forward over reverse)"), r.out());
        assertTrue(r.out().contains("640 x 640"), r.out());
    }
}
