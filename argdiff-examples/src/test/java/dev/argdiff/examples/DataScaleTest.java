package dev.argdiff.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Data whose products overflow double arithmetic is named as such: features scaled by 1e150 used
 * to fail with "the solution is not a root ... run the solver longer".
 */
class DataScaleTest {

    @TempDir
    Path dir;

    private Path split(double featureScale) throws IOException {
        StringBuilder csv = new StringBuilder("is_val,y,f0,f1\n");
        for (int i = 0; i < 30; i++) {
            double a = Math.sin(i);
            double b = Math.cos(3 * i);
            csv.append(i < 20 ? 0 : 1).append(',').append(2 * a - b).append(',').append(a * featureScale).append(',')
                    .append(b * featureScale).append('\n');
        }
        return Files.writeString(dir.resolve("scaled-" + featureScale + ".csv"), csv);
    }

    @Test
    void featuresScaledBy1e150AreRefusedAsOverflowing() throws IOException {
        Path big = split(1e150);
        for (String example : new String[] {"ridge", "lasso"}) {
            MainTest.Run r = MainTest.run("example", example, "--steps", "1", "--data", big.toString());
            assertEquals(2, r.status(), example + ": " + r.err());
            // the largest |feature| is max_i |sin i|·1e150 over 30 rows, |y| = max |2 sin i − cos 3i|
            double a = 0;
            double b = 0;
            for (int i = 0; i < 30; i++) {
                a = Math.max(a, Math.max(Math.abs(Math.sin(i)), Math.abs(Math.cos(3 * i))) * 1e150);
                b = Math.max(b, Math.abs(2 * Math.sin(i) - Math.cos(3 * i)));
            }
            assertEquals(String.format(java.util.Locale.ROOT, "argdiff: %s: the values are too large for double "
                    + "arithmetic (largest |feature| %.3g, largest |y| %.3g): the solvers' products of them overflow; "
                    + "rescale the features (for example, standardize each column)%n", big, a, b), r.err());
            assertEquals("", r.out());
        }
    }
}
