package dev.argdiff.examples.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void isSilentWithoutATerminal() {
        // Surefire's forked JVM has no terminal, like CI.
        assertFalse(Progress.interactive());
        PrintStream savedErr = System.err;
        PrintStream savedOut = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(captured, true)) {
            System.setErr(capture);
            System.setOut(capture);
            try (Progress p = Progress.start("work", 3)) {
                assertFalse(p.visible());
                p.step();
                p.step("loss 1.0");
                p.stepTo(3);
            }
        } finally {
            System.setErr(savedErr);
            System.setOut(savedOut);
        }
        assertEquals("", captured.toString());
    }
}
