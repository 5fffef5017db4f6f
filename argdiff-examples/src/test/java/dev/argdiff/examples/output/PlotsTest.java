package dev.argdiff.examples.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    @TempDir
    Path dir;

    @Test
    void writesAPngOfTheRequestedSizeAtExactlyThePathGiven() throws Exception {
        double[] x = new double[50];
        double[] a = new double[50];
        double[] b = new double[50];
        for (int i = 0; i < 50; i++) {
            x[i] = i;
            a[i] = Math.exp(-0.1 * i);
            b[i] = 1.0 / (1 + i);
        }
        Path file = dir.resolve("sub/loss"); // no extension: XChart must not append one
        Path written = Plots.line("Validation loss").axes("step", "loss").size(640, 480).logY(true)
                .series("implicit", x, a).series("unrolled", x, b).writePng(file);

        assertEquals(file, written);
        assertTrue(Files.size(file) > 1000);
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(640, image.getWidth());
        assertEquals(480, image.getHeight());
        // Not a blank canvas: the corner is the white background, and some pixels are not white.
        assertEquals(0xFFFFFF, image.getRGB(0, 0) & 0xFFFFFF);
        boolean drawn = false;
        for (int px = 0; px < image.getWidth() && !drawn; px += 3) {
            for (int py = 0; py < image.getHeight() && !drawn; py += 3) {
                drawn = (image.getRGB(px, py) & 0xFFFFFF) != 0xFFFFFF;
            }
        }
        assertTrue(drawn);
    }

    @Test
    void oneCallFormUsesTheDefaultSize() throws Exception {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("train", new double[] {3, 2, 1.5});
        series.put("validation", new double[] {3.5, 2.5, 2.4});
        Path file = Plots.writeLineChart(dir.resolve("chart.png"), "Loss", "epoch", "loss",
                new double[] {1, 2, 3}, series);
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(Plots.DEFAULT_WIDTH, image.getWidth());
        assertEquals(Plots.DEFAULT_HEIGHT, image.getHeight());
    }

    @Test
    void refusesSeriesItCannotDraw() {
        assertEquals("Plots: series 's' has 2 x values and 3 y values",
                assertThrows(IllegalArgumentException.class,
                        () -> Plots.line("t").series("s", new double[2], new double[3])).getMessage());
        assertEquals("Plots: series 's' has y[1] = NaN; only finite values can be drawn",
                assertThrows(IllegalArgumentException.class,
                        () -> Plots.line("t").series("s", new double[2], new double[] {1, Double.NaN})).getMessage());
        assertEquals("Plots: series 's' has y[0] = 0.0, which a logarithmic axis cannot show",
                assertThrows(IllegalArgumentException.class, () -> Plots.line("t").logY(true)
                        .series("s", new double[] {1}, new double[] {0}).writePng(dir.resolve("x.png"))).getMessage());
        assertThrows(IllegalStateException.class, () -> Plots.line("t").writePng(dir.resolve("empty.png")));
        assertThrows(IllegalArgumentException.class, () -> Plots.line("t").size(10, 10));
    }
}
