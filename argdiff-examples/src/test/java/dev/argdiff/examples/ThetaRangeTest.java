package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * --theta is log(l2reg) / log(lambda): a value whose exponential overflows is a bad option and must be
 * reported as such, before any work, not as an internal "ridge"/"l1reg" failure of the library.
 */
class ThetaRangeTest {

    @Test
    void ridgeRefusesAThetaWhoseExponentialOverflows() {
        MainTest.Run r = MainTest.run("example", "ridge", "--steps", "1", "--theta", "800");
        assertEquals(2, r.status(), r.err());
        assertEquals("argdiff: --theta must be at most 700 (exp(theta) = l2reg overflows), got 800.0\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void lassoRefusesAThetaWhoseExponentialOverflows() {
        MainTest.Run r = MainTest.run("example", "lasso", "--steps", "1", "--theta", "800");
        assertEquals(2, r.status(), r.err());
        assertEquals("argdiff: --theta must be at most 700 (exp(theta) = lambda overflows), got 800.0\n", r.err());
        assertEquals("", r.out());
    }
}
