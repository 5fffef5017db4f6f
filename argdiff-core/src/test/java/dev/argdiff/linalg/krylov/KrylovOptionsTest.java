package dev.argdiff.linalg.krylov;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KrylovOptionsTest {

    @Test
    void defaults() {
        KrylovOptions o = KrylovOptions.defaults();
        assertEquals(1e-8, o.rtol());
        assertEquals(0.0, o.atol());
        assertNull(o.maxiter());
        assertEquals(2000, o.maxiterFor(200));
        assertEquals(10, o.maxiterFor(0));
        assertEquals(Integer.MAX_VALUE, o.maxiterFor(Integer.MAX_VALUE / 2));
        assertNull(o.initialGuess());
        assertEquals(0.0, o.ridge());
        assertNull(o.preconditioner());
        assertEquals(20, o.restart());
    }

    @Test
    void withMethodsReturnModifiedCopies() {
        MatVec m = Preconditioners.identity();
        KrylovOptions o = KrylovOptions.defaults().withRtol(1e-3).withAtol(1e-9).withMaxiter(7)
                .withInitialGuess(new double[] {1, 2}).withRidge(0.5).withPreconditioner(m).withRestart(4);
        assertEquals(1e-3, o.rtol());
        assertEquals(1e-9, o.atol());
        assertEquals(7, o.maxiter());
        assertEquals(7, o.maxiterFor(1000));
        assertArrayEquals(new double[] {1, 2}, o.initialGuess());
        assertEquals(0.5, o.ridge());
        assertSame(m, o.preconditioner());
        assertEquals(4, o.restart());
        assertNull(o.withDefaultMaxiter().maxiter());
        assertNull(o.withInitialGuess(null).initialGuess());
        assertEquals(1e-8, KrylovOptions.defaults().rtol(), "defaults untouched");
    }

    @Test
    void initialGuessIsCopiedInAndOut() {
        double[] guess = {1, 2, 3};
        KrylovOptions o = KrylovOptions.defaults().withInitialGuess(guess);
        guess[0] = 99;
        assertArrayEquals(new double[] {1, 2, 3}, o.initialGuess());
        o.initialGuess()[1] = 99;
        assertArrayEquals(new double[] {1, 2, 3}, o.initialGuess());
    }

    @Test
    void valueSemantics() {
        KrylovOptions a = KrylovOptions.defaults().withInitialGuess(new double[] {1, 2});
        KrylovOptions b = KrylovOptions.defaults().withInitialGuess(new double[] {1, 2});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, b.withInitialGuess(new double[] {1, 3}));
        assertEquals("KrylovOptions[rtol=1.0E-8, atol=0.0, maxiter=10*n, initialGuess=zeros, ridge=0.0,"
                + " preconditioner=identity, restart=20]", KrylovOptions.defaults().toString());
    }

    @Test
    void invalidValuesAreRefusedNamingTheOption() {
        KrylovOptions d = KrylovOptions.defaults();
        assertMessage("KrylovOptions: rtol must be finite and >= 0, got -1.0", () -> d.withRtol(-1));
        assertMessage("KrylovOptions: rtol must be finite and >= 0, got NaN", () -> d.withRtol(Double.NaN));
        assertMessage("KrylovOptions: rtol must be finite and >= 0, got Infinity",
                () -> d.withRtol(Double.POSITIVE_INFINITY));
        assertMessage("KrylovOptions: atol must be finite and >= 0, got -1.0E-12", () -> d.withAtol(-1e-12));
        assertMessage("KrylovOptions: atol must be finite and >= 0, got NaN", () -> d.withAtol(Double.NaN));
        assertMessage("KrylovOptions: maxiter must be >= 1, got 0", () -> d.withMaxiter(0));
        assertMessage("KrylovOptions: maxiter must be >= 1, got -5", () -> d.withMaxiter(-5));
        assertMessage("KrylovOptions: ridge must be finite and >= 0, got -0.1", () -> d.withRidge(-0.1));
        assertMessage("KrylovOptions: ridge must be finite and >= 0, got NaN", () -> d.withRidge(Double.NaN));
        assertMessage("KrylovOptions: restart must be >= 1, got 0", () -> d.withRestart(0));
        assertMessage("KrylovOptions: initialGuess[1] is NaN; initialGuess must be finite",
                () -> d.withInitialGuess(new double[] {0, Double.NaN}));
        assertMessage("KrylovOptions: initialGuess[0] is Infinity; initialGuess must be finite",
                () -> d.withInitialGuess(new double[] {Double.POSITIVE_INFINITY}));
    }

    private static void assertMessage(String expected, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(expected, e.getMessage());
    }
}
