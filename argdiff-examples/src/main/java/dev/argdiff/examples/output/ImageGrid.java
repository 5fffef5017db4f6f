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
        return writeImage(file, render(images, height, width, columns));
    }

    /**
     * Writes the images as a grid PNG under a title, with a label under each image (for example
     * the class a distilled image stands for). Arguments as {@link #write(Path, double[][], int, int, int)}.
     *
     * @param title  one line above the grid
     * @param labels one short label per image, or null for none
     * @throws IllegalArgumentException as the other form, or if labels has another length than images
     */
    public static Path write(Path file, double[][] images, int height, int width, int columns, String title,
                             java.util.List<String> labels) throws IOException {
        if (labels != null && images != null && labels.size() != images.length) {
            throw new IllegalArgumentException("ImageGrid: " + labels.size() + " labels for " + images.length + " images");
        }
        BufferedImage grid = render(images, height, width, columns);
        int cols = Math.min(columns, images.length);
        int rows = (images.length + cols - 1) / cols;
        int cellW = width * SCALE;
        int cellH = height * SCALE;
        int titleH = 34;
        int labelH = labels == null ? 0 : 18;
        int imgW = Math.max(grid.getWidth(), 480);
        int imgH = titleH + rows * (cellH + GAP + labelH) + GAP;
        BufferedImage out = new BufferedImage(imgW, imgH, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING, java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, imgW, imgH);
            g.setColor(java.awt.Color.BLACK);
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 15));
            java.awt.FontMetrics fm = g.getFontMetrics();
            g.drawString(title, Math.max(4, (imgW - fm.stringWidth(title)) / 2), 22);
            int left = (imgW - grid.getWidth()) / 2;
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 12));
            fm = g.getFontMetrics();
            for (int i = 0; i < images.length; i++) {
                int gx = GAP + (i % cols) * (cellW + GAP);
                int gy = GAP + (i / cols) * (cellH + GAP);
                int y0 = titleH + (i / cols) * (cellH + GAP + labelH);
                g.drawImage(grid.getSubimage(gx, gy, cellW, cellH), left + gx, y0, null);
                if (labels != null) {
                    String label = labels.get(i);
                    g.drawString(label, left + gx + (cellW - fm.stringWidth(label)) / 2, y0 + cellH + 14);
                }
            }
        } finally {
            g.dispose();
        }
        return writeImage(file, out);
    }

    private static BufferedImage render(double[][] images, int height, int width, int columns) {
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
        return out;
    }

    private static Path writeImage(Path file, BufferedImage out) throws IOException {
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
