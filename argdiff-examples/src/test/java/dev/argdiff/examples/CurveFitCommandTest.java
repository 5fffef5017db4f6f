package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.argdiff.examples.output.Plots;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code argdiff example curve-fit}: its {@code --json} document (checked against an identity
 * of the fit that the sensitivity must satisfy, and against the text output's numbers) and its
 * plot, whose ±2σ band is filled.
 */
class CurveFitCommandTest {

    @Test
    void jsonDocumentHoldsTheFitAndItsSensitivity() {
        MainTest.Run r = MainTest.run("example", "curve-fit", "--points", "15", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonArray theta = o.getAsJsonArray("theta");
        assertEquals(3, theta.size());
        JsonArray y = o.getAsJsonArray("y");
        JsonArray s = o.getAsJsonArray("sensitivity");
        assertEquals(15, y.size());
        assertEquals(3, s.size());
        assertEquals(15, s.get(0).getAsJsonArray().size());
        assertEquals(15, o.getAsJsonArray("band").size());
        assertTrue(o.get("maxFiniteDifferenceGap").getAsDouble() < 1e-6, o.get("maxFiniteDifferenceGap").toString());
        // K scales with the data: Σ_j y_j·dK/dy_j = K (independent of how the sensitivity was computed).
        double sum = 0;
        for (int j = 0; j < 15; j++) {
            sum += y.get(j).getAsDouble() * s.get(0).getAsJsonArray().get(j).getAsDouble();
        }
        double k = theta.get(0).getAsDouble();
        assertEquals(k, sum, 1e-8 * k);
        // The same run as text reports the same K.
        MainTest.Run text = MainTest.run("example", "curve-fit", "--points", "15");
        assertTrue(text.out().contains(String.format(java.util.Locale.ROOT, "K = %.6f", k)), text.out());
    }

    /** The band is a filled polygon: many pixels carry its translucent blue blended on white. */
    @Test
    void plotFillsTheBand(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("fit.png");
        MainTest.Run r = MainTest.run("example", "curve-fit", "--noise", "1.0", "--plot", png.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonParser.parseString(r.out()).getAsJsonObject();   // JSON only: no "plot written" line mixed in
        BufferedImage image = ImageIO.read(png.toFile());
        Color f = Plots.BAND_FILL;
        double a = f.getAlpha() / 255.0;
        int[] blend = {(int) Math.round(255 + a * (f.getRed() - 255)), (int) Math.round(255 + a * (f.getGreen() - 255)),
                (int) Math.round(255 + a * (f.getBlue() - 255))};
        int filled = 0;
        for (int py = 0; py < image.getHeight(); py++) {
            for (int px = 0; px < image.getWidth(); px++) {
                Color c = new Color(image.getRGB(px, py));
                if (Math.abs(c.getRed() - blend[0]) <= 3 && Math.abs(c.getGreen() - blend[1]) <= 3
                        && Math.abs(c.getBlue() - blend[2]) <= 3) {
                    filled++;
                }
            }
        }
        assertTrue(filled > 2000, "band pixels: " + filled);
    }
}
