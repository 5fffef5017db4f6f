package dev.argdiff.examples.output;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * A PNG of small grey-level images in a grid (learned atoms, distilled images), drawn with
 * java.awt without a display: XChart draws charts, not images.
 *
 * <pre>{@code
 * ImageGrid.write(Path.of("atoms.png"), atoms, 8, 8, 8);   // rows of 64 values, 8×8 each, 8 per row
 * }</pre>
 *
 * <p>Each image is scaled on its own, ink dark on white (matplotlib's {@code gray_r}): an image
 * without negative values maps 0..max to white..black; one with negative values maps
 * −m..m to white..black, m = max |value| (JAXopt's notebooks plot img/|img|.max() on −1..1).
 */
public final class ImageGrid {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Pixels of the PNG per image pixel. */
    public static final int SCALE = 12;
    /** Pixels between images. */
    private static final int GAP = 4;

    private ImageGrid() {
    }

    /**
     * Writes the images as a grid PNG to exactly {@code file} (parent folders created).
     *
     * @param images  one image per row, {@code height·width} values row by row
     * @param height  pixel rows of an image
     * @param width   pixel columns of an image
     * @param columns images per row of the grid (≥ 1)
     * @return {@code file}
     * @throws IllegalArgumentException if there is no image, a row has another length than
     *         height·width, a value is not finite, or a size is not positive
     */
    public static Path write(Path file, double[][] images, int height, int width, int columns) throws IOException {
        if (images == null || images.length == 0) {
            throw new IllegalArgumentException("ImageGrid: no image to draw");
        }
        if (height < 1 || width < 1 || columns < 1) {
            throw new IllegalArgumentException("ImageGrid: height, width and columns must be >= 1, got " + height
                    + ", " + width + ", " + columns);
        }
        for (int i = 0; i < images.length; i++) {
            if (images[i].length != height * width) {
                throw new IllegalArgumentException("ImageGrid: image " + i + " has " + images[i].length
                        + " values, expected " + height + "×" + width);
            }
            for (double v : images[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("ImageGrid: image " + i + " has a value " + v
                            + "; only finite values can be drawn");
                }
            }
        }
        int cols = Math.min(columns, images.length);
        int rows = (images.length + cols - 1) / cols;
        int cellW = width * SCALE;
        int cellH = height * SCALE;
        int imgW = cols * cellW + (cols + 1) * GAP;
        int imgH = rows * cellH + (rows + 1) * GAP;
        BufferedImage out = new BufferedImage(imgW, imgH, BufferedImage.TYPE_INT_RGB);
        int background = 0xB0C4DE; // light steel blue between the images
        for (int y = 0; y < imgH; y++) {
            for (int x = 0; x < imgW; x++) {
                out.setRGB(x, y, background);
            }
        }
        for (int i = 0; i < images.length; i++) {
            double[] img = images[i];
            double min = Double.POSITIVE_INFINITY;
            double maxAbs = 0;
            for (double v : img) {
                min = Math.min(min, v);
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            boolean signed = min < 0;
            int x0 = GAP + (i % cols) * (cellW + GAP);
            int y0 = GAP + (i / cols) * (cellH + GAP);
            for (int r = 0; r < height; r++) {
                for (int c = 0; c < width; c++) {
                    double v = maxAbs == 0 ? 0 : img[r * width + c] / maxAbs; // in [-1, 1]
                    double ink = signed ? (v + 1) / 2 : v;                    // in [0, 1]
                    int grey = (int) Math.round(255 * (1 - ink));
                    int rgb = (grey << 16) | (grey << 8) | grey;
                    for (int dy = 0; dy < SCALE; dy++) {
                        for (int dx = 0; dx < SCALE; dx++) {
                            out.setRGB(x0 + c * SCALE + dx, y0 + r * SCALE + dy, rgb);
                        }
                    }
                }
            }
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            if (!ImageIO.write(out, "png", os)) {
                throw new IOException("ImageGrid: no PNG writer available");
            }
        }
        return file;
    }
}
