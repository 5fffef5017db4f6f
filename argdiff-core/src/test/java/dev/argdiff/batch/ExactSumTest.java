package dev.argdiff.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactSumTest {

    /** The exact sum rounded to the nearest double, from BigDecimal: the independent reference. */
    private static double reference(double[] values) {
        BigDecimal s = BigDecimal.ZERO;
        for (double v : values) {
            s = s.add(new BigDecimal(v));
        }
        // 40 significant digits then doubleValue: a double has 17, so double rounding cannot hit a tie here.
        return s.round(new MathContext(40)).doubleValue();
    }

    @Test
    void anyOrderAndAnySplitGiveTheCorrectlyRoundedSum() {
        SplittableRandom rng = new SplittableRandom(3);
        double[] v = new double[2000];
        for (int i = 0; i < v.length; i++) {
            // magnitudes from 1e-20 to 1e20 and both signs: plain summation loses most of the small terms.
            v[i] = (rng.nextBoolean() ? 1 : -1) * rng.nextDouble() * Math.pow(10, rng.nextInt(-20, 21));
        }
        double expected = reference(v);
        for (int trial = 0; trial < 5; trial++) {
            shuffle(v, rng);
            ExactSum whole = new ExactSum(1);
            for (double x : v) {
                whole.add(0, x);
            }
            assertEquals(expected, whole.round(0));
            int parts = 2 + trial;
            ExactSum[] split = new ExactSum[parts];
            for (int p = 0; p < parts; p++) {
                split[p] = new ExactSum(1);
            }
            for (int i = 0; i < v.length; i++) {
                split[i % parts].add(0, v[i]);
            }
            for (int p = parts - 1; p > 0; p--) {
                split[p - 1].merge(split[p]);
            }
            assertEquals(expected, split[0].round(0));
        }
    }

    @Test
    void cancellationAndTiesAreExact() {
        ExactSum s = new ExactSum(3);
        for (double x : new double[] {1e100, 1.0, -1e100}) {
            s.add(0, x);
        }
        assertEquals(1.0, s.round(0));
        // 1 + 2⁻⁵³ + 2⁻¹⁰⁶: naive left-to-right gives 1.0; the exact sum is above the tie, so it rounds up.
        for (double x : new double[] {1.0, Math.scalb(1.0, -53), Math.scalb(1.0, -106)}) {
            s.add(1, x);
        }
        assertEquals(Math.nextUp(1.0), s.round(1));
        assertEquals(0.0, s.round(2));
    }

    @Test
    void overflowOfTheExactSumIsRefused() {
        ExactSum s = new ExactSum(1);
        s.add(0, Double.MAX_VALUE);
        assertEquals("exact sum: component 0 overflows the double range",
                assertThrows(ArithmeticException.class, () -> s.add(0, Double.MAX_VALUE)).getMessage());
    }

    private static void shuffle(double[] v, SplittableRandom rng) {
        for (int i = v.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
    }
}
