package dev.argdiff.linalg.dense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The argument contract every square-matrix entry point shares. */
class DenseValidationTest {

    static Stream<Arguments> squareEntryPoints() {
        return Stream.of(
                Arguments.of("LU.factor", (BiConsumer<double[], Integer>) LU::factor),
                Arguments.of("Cholesky.factor", (BiConsumer<double[], Integer>) Cholesky::factor),
                Arguments.of("SymmetricEigen.decompose", (BiConsumer<double[], Integer>) SymmetricEigen::decompose),
                Arguments.of("SymmetricEigen.eigenvaluesOf", (BiConsumer<double[], Integer>) SymmetricEigen::eigenvaluesOf),
                Arguments.of("SVD.decompose", (BiConsumer<double[], Integer>) (a, n) -> SVD.decompose(a, n, n)),
                Arguments.of("SVD.singularValuesOf", (BiConsumer<double[], Integer>) (a, n) -> SVD.singularValuesOf(a, n, n)),
                Arguments.of("QR.leastSquares", (BiConsumer<double[], Integer>)
                        (a, n) -> QR.leastSquares(a, n, n, new double[Math.max(n, 0)])));
    }

    private static String message(BiConsumer<double[], Integer> f, double[] a, int n) {
        return assertThrows(IllegalArgumentException.class, () -> f.accept(a, n)).getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("squareEntryPoints")
    void refusesNull(String op, BiConsumer<double[], Integer> f) {
        assertEquals(op + ": a must not be null", message(f, null, 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("squareEntryPoints")
    void refusesWrongLength(String op, BiConsumer<double[], Integer> f) {
        String msg = message(f, new double[8], 3);
        String expected = op.startsWith("LU") || op.startsWith("Cholesky") || op.startsWith("SymmetricEigen")
                ? op + ": a has length 8, expected n*n = 9 for n = 3"
                : op + ": a has length 8, expected m*n = 9 for m = 3, n = 3";
        assertEquals(expected, msg);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("squareEntryPoints")
    void refusesNegativeSize(String op, BiConsumer<double[], Integer> f) {
        String msg = message(f, new double[0], -1);
        String name = op.startsWith("SVD") || op.startsWith("QR") ? "m" : "n";
        assertEquals(op + ": " + name + " must be >= 0, got -1", msg);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("squareEntryPoints")
    void refusesNanAndInfinity(String op, BiConsumer<double[], Integer> f) {
        double[] a = {4, 0, 0, 0, 4, 0, 0, 0, 4};
        a[5] = Double.NaN;
        a[7] = Double.NaN;
        assertEquals(op + ": matrix contains NaN at (1, 2)", message(f, a, 3));
        a[5] = 0;
        a[7] = 0;
        a[2] = Double.POSITIVE_INFINITY;
        assertEquals(op + ": matrix contains Infinity at (0, 2)", message(f, a, 3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("squareEntryPoints")
    void acceptsWellFormedInput(String op, BiConsumer<double[], Integer> f) {
        f.accept(new double[] {4, 1, 0, 1, 4, 1, 0, 1, 4}, 3);
        f.accept(new double[] {2}, 1);
        f.accept(new double[0], 0);
    }

    @org.junit.jupiter.api.Test
    void solveArgumentsAreChecked() {
        LU lu = LU.factor(new double[] {4, 1, 1, 4}, 2);
        Cholesky chol = Cholesky.factor(new double[] {4, 1, 1, 4}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lu.solve(null));
        assertEquals("LU.solve: b must not be null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> chol.solve(new double[3]));
        assertEquals("Cholesky.solve: b has length 3, expected n = 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> lu.solve(new double[5], 3));
        assertEquals("LU.solve: b has length 5, expected n*nrhs = 6 for n = 2, nrhs = 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> lu.solveTransposed(new double[0], -1));
        assertEquals("LU.solveTransposed: nrhs must be >= 0, got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> chol.solve(new double[] {1, 2, 3, Double.NaN}, 2));
        assertEquals("Cholesky.solve: right-hand side contains NaN at (1, 1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LU.factor(new double[] {1}, 1, 2.0));
        assertEquals("LU.factor: rcondThreshold must be in [0, 1], got 2.0", e.getMessage());
    }
}
