package dev.argdiff.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RidgeTasksTest {

    @Test
    void aTaskBuiltAloneEqualsTheSameTaskOfTheList() {
        List<RidgeTasks.Task> list = RidgeTasks.generate(8, 6, 3, 5L);
        RidgeTasks.Task alone = RidgeTasks.task(5L, 6, 6, 3);
        assertArrayEquals(list.get(6).a(), alone.a());
        assertArrayEquals(list.get(6).b(), alone.b());
        assertArrayEquals(list.get(6).aVal(), alone.aVal());
        assertArrayEquals(list.get(6).bVal(), alone.bVal());
    }

    @Test
    void entriesLookStandardNormal() {
        // 40 tasks × 100×20 × 2 matrices = 160,000 draws: mean within 0.01 and variance within 0.02 of N(0, 1)
        // (standard errors 0.0025 and 0.0035). Regression: seeding task i with seed + i·γ, γ being
        // SplittableRandom's own increment, made consecutive tasks replay one stream shifted by a draw; the
        // variance of these correlated draws came out 0.976.
        double sum = 0;
        double squares = 0;
        int n = 0;
        for (RidgeTasks.Task t : RidgeTasks.generate(40, 100, 20, 1L)) {
            for (double[] m : new double[][] {t.a(), t.aVal()}) {
                for (double v : m) {
                    sum += v;
                    squares += v * v;
                    n++;
                }
            }
        }
        double mean = sum / n;
        assertEquals(0.0, mean, 0.01);
        assertEquals(1.0, squares / n - mean * mean, 0.02);
    }

    @Test
    void badSizesAreRefused() {
        assertEquals("RidgeTasks.generate: rows and cols must be >= 1, got 0x3",
                assertThrows(IllegalArgumentException.class, () -> RidgeTasks.generate(1, 0, 3, 1L)).getMessage());
        assertEquals("RidgeTasks.task: index must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> RidgeTasks.task(1L, -1, 2, 2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RidgeTasks.Task(2, 2, new double[3], new double[2],
                new double[4], new double[2]));
    }
}
