package dev.argdiff.examples.output;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG line charts for the examples, drawn by XChart without a display.
 *
 * <pre>{@code
 * Plots.line("Validation loss")
 *      .axes("step", "loss")
 *      .series("implicit", steps, implicitLoss)
 *      .series("unrolled", steps, unrolledLoss)
 *      .writePng(Path.of("loss.png"));
 * }</pre>
 *
 * <p>The JVM is switched to headless mode ({@code java.awt.headless=true}) when this class is
 * loaded, unless the property was set otherwise; text needs a font that fontconfig can find
 * (Debian's OpenJDK packages bring DejaVu).
 */
public final class Plots {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Default image size in pixels. */
    public static final int DEFAULT_WIDTH = 800;
    /** Default image size in pixels. */
    public static final int DEFAULT_HEIGHT = 600;

    /** Okabe-Ito colours without black (kept for marker lines) and yellow (faint on white), then four more. */
    private static final java.awt.Color[] PALETTE = {
        new java.awt.Color(0, 114, 178), new java.awt.Color(213, 94, 0), new java.awt.Color(0, 158, 115),
        new java.awt.Color(204, 121, 167), new java.awt.Color(86, 180, 233), new java.awt.Color(230, 159, 0),
        new java.awt.Color(117, 112, 179), new java.awt.Color(170, 0, 0), new java.awt.Color(120, 120, 120),
        new java.awt.Color(150, 75, 0),
    };

    private Plots() {
    }

    /** The fill of a band: the palette's blue at 25 % opacity. */
    public static final java.awt.Color BAND_FILL = new java.awt.Color(0, 114, 178, 64);

    /** A new line chart with this title, to be filled with series and written with {@link LineChart#writePng}. */
    public static LineChart line(String title) {
        return new LineChart(title);
    }

    /**
     * Writes a line chart of one or more named y series over shared x values: the one-call form
     * of {@link #line(String)}.
     */
    /** {@code FILE.png} → {@code FILE<suffix>.png} in the same folder (a suffix added to other names). */
    public static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        boolean png = name.regionMatches(true, name.length() - 4, ".png", 0, 4);
        String stem = png ? name.substring(0, name.length() - 4) : name;
        return file.resolveSibling(stem + suffix + ".png");
    }

    public static Path writeLineChart(Path file, String title, String xLabel, String yLabel,
                                      double[] x, Map<String, double[]> ySeries) throws IOException {
        LineChart chart = line(title).axes(xLabel, yLabel);
        for (Map.Entry<String, double[]> e : ySeries.entrySet()) {
            chart.series(e.getKey(), x, e.getValue());
        }
        return chart.writePng(file);
    }

    /** A line chart under construction; not thread-safe. */
    public static final class LineChart {
        private final String title;
        private String xLabel = "";
        private String yLabel = "";
        private int width = DEFAULT_WIDTH;
        private int height = DEFAULT_HEIGHT;
        private boolean logY;
        private boolean logX;
        private final Map<String, double[][]> series = new LinkedHashMap<>();
        /** Names of the series drawn as markers only (points, not a line). */
        private final java.util.Set<String> markerSeries = new java.util.HashSet<>();
        /** Vertical marker lines: name → x. */
        private final Map<String, Double> verticals = new LinkedHashMap<>();
        /** Names of the series that are closed polygons drawn filled (bands). */
        private final java.util.Set<String> bandSeries = new java.util.HashSet<>();

        private LineChart(String title) {
            this.title = title == null ? "" : title;
        }

        /** Axis labels. */
        public LineChart axes(String xLabel, String yLabel) {
            this.xLabel = xLabel == null ? "" : xLabel;
            this.yLabel = yLabel == null ? "" : yLabel;
            return this;
        }

        /**
         * Image size in pixels.
         *
         * @throws IllegalArgumentException unless 100 ≤ width, height ≤ 10000
         */
        public LineChart size(int width, int height) {
            if (width < 100 || height < 100 || width > 10_000 || height > 10_000) {
                throw new IllegalArgumentException("Plots: image size must be within 100..10000 pixels, got "
                        + width + " × " + height);
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /** A logarithmic y axis; every y value must then be positive. */
        public LineChart logY(boolean logY) {
            this.logY = logY;
            return this;
        }

        /** A logarithmic x axis; every x value must then be positive. */
        public LineChart logX(boolean logX) {
            this.logX = logX;
            return this;
        }

        /**
         * Adds a named series drawn as markers without a connecting line (for example the
         * iterates of an optimizer on top of a curve); the arrays are copied.
         *
         * @throws IllegalArgumentException as {@link #series(String, double[], double[])}
         */
        public LineChart points(String name, double[] x, double[] y) {
            series(name, x, y);
            markerSeries.add(name);
            return this;
        }

        /**
         * Marks {@code x} with a dashed black vertical line across the data, named in the legend
         * (for example the λ an optimizer selected).
         *
         * @throws IllegalArgumentException if x is not finite or the name is empty or already used
         */
        public LineChart verticalLine(String name, double x) {
            if (name == null || name.isBlank() || series.containsKey(name) || verticals.containsKey(name)) {
                throw new IllegalArgumentException("Plots: a vertical line needs a new, non-empty name, got '" + name + "'");
            }
            if (!Double.isFinite(x)) {
                throw new IllegalArgumentException("Plots: vertical line '" + name + "' at x = " + x);
            }
            verticals.put(name, x);
            return this;
        }

        /**
         * Adds a filled band between {@code lower} and {@code upper} over {@code x} (for example a
         * confidence band around a fit), drawn translucent under the series added after it; the
         * arrays are copied.
         *
         * @throws IllegalArgumentException as {@link #series(String, double[], double[])}, or if
         *         the bounds' lengths differ from x's
         */
        public LineChart band(String name, double[] x, double[] lower, double[] upper) {
            if (lower.length != x.length || upper.length != x.length) {
                throw new IllegalArgumentException("Plots: band '" + name + "' has " + x.length + " x values, "
                        + lower.length + " lower and " + upper.length + " upper bounds");
            }
            // The closed polygon: along x on the upper bound, back on the lower one.
            int n = x.length;
            double[] px = new double[2 * n];
            double[] py = new double[2 * n];
            for (int i = 0; i < n; i++) {
                px[i] = x[i];
                py[i] = upper[i];
                px[2 * n - 1 - i] = x[i];
                py[2 * n - 1 - i] = lower[i];
            }
            series(name, px, py);
            bandSeries.add(name);
            return this;
        }

        /**
         * Adds a named series; the arrays are copied.
         *
         * @throws IllegalArgumentException if the name is empty or already used, the arrays are
         *         empty or of different lengths, or a value is NaN or infinite
         */
        public LineChart series(String name, double[] x, double[] y) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("Plots: a series needs a non-empty name");
            }
            if (series.containsKey(name)) {
                throw new IllegalArgumentException("Plots: series '" + name + "' was already added");
            }
            if (x.length != y.length) {
                throw new IllegalArgumentException("Plots: series '" + name + "' has " + x.length + " x values and "
                        + y.length + " y values");
            }
            if (x.length == 0) {
                throw new IllegalArgumentException("Plots: series '" + name + "' is empty");
            }
            requireFinite(name, "x", x);
            requireFinite(name, "y", y);
            series.put(name, new double[][] {x.clone(), y.clone()});
            return this;
        }

        /** Adds a named series read from a list of points (e.g. the steps of a run), x and y given by accessors. */
        public <T> LineChart series(String name, List<T> points, ToDoubleFunction<T> x,
                                    ToDoubleFunction<T> y) {
            return series(name, points.stream().mapToDouble(x).toArray(), points.stream().mapToDouble(y).toArray());
        }

        /**
         * Draws the chart and writes it to {@code file} as PNG (exactly that path, parent folders
         * created).
         *
         * @return {@code file}
         * @throws IllegalStateException if no series was added
         * @throws IllegalArgumentException if the y axis is logarithmic and a y value is not positive
         */
        public Path writePng(Path file) throws IOException {
            if (series.isEmpty()) {
                throw new IllegalStateException("Plots: chart '" + title + "' has no series to draw");
            }
            if (logX) {
                for (Map.Entry<String, double[][]> e : series.entrySet()) {
                    double[] x = e.getValue()[0];
                    for (int i = 0; i < x.length; i++) {
                        if (x[i] <= 0) {
                            throw new IllegalArgumentException("Plots: series '" + e.getKey() + "' has x[" + i + "] = "
                                    + x[i] + ", which a logarithmic axis cannot show");
                        }
                    }
                }
            }
            if (logY) {
                for (Map.Entry<String, double[][]> e : series.entrySet()) {
                    double[] y = e.getValue()[1];
                    for (int i = 0; i < y.length; i++) {
                        if (y[i] <= 0) {
                            throw new IllegalArgumentException("Plots: series '" + e.getKey() + "' has y[" + i + "] = "
                                    + y[i] + ", which a logarithmic axis cannot show");
                        }
                    }
                }
            }
            XYChart chart = new XYChartBuilder().width(width).height(height).title(title)
                    .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
            // The legend sits below the plot area, so it never covers data; colours are the
            // Okabe-Ito palette, distinguishable also with the common colour-vision deficiencies.
            chart.getStyler()
                    .setYAxisLogarithmic(logY)
                    .setXAxisLogarithmic(logX)
                    .setLegendPosition(Styler.LegendPosition.OutsideS)
                    .setLegendLayout(Styler.LegendLayout.Horizontal)
                    .setChartBackgroundColor(java.awt.Color.WHITE)
                    .setPlotBackgroundColor(java.awt.Color.WHITE)
                    .setSeriesColors(PALETTE)
                    .setMarkerSize(7)
                    .setAntiAlias(true);
            for (Map.Entry<String, double[][]> e : series.entrySet()) {
                XYSeries s = chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
                if (bandSeries.contains(e.getKey())) {
                    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
                    s.setMarker(SeriesMarkers.NONE);
                    s.setFillColor(BAND_FILL);
                    s.setLineColor(BAND_FILL);
                } else if (markerSeries.contains(e.getKey())) {
                    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                    s.setMarker(SeriesMarkers.CIRCLE);
                } else {
                    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                    s.setMarker(SeriesMarkers.NONE);
                }
            }
            double yLow = Double.POSITIVE_INFINITY;
            double yHigh = Double.NEGATIVE_INFINITY;
            for (double[][] xy : series.values()) {
                for (double v : xy[1]) {
                    yLow = Math.min(yLow, v);
                    yHigh = Math.max(yHigh, v);
                }
            }
            for (Map.Entry<String, Double> e : verticals.entrySet()) {
                XYSeries s = chart.addSeries(e.getKey(), new double[] {e.getValue(), e.getValue()},
                        new double[] {yLow, yHigh});
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(java.awt.Color.BLACK);
                s.setLineStyle(new java.awt.BasicStroke(2f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                        10f, new float[] {8f, 6f}, 0f));
            }
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // The OutputStream form writes exactly this path (the String form appends ".png").
            try (OutputStream out = Files.newOutputStream(file)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
            return file;
        }

        private static void requireFinite(String name, String axis, double[] values) {
            for (int i = 0; i < values.length; i++) {
                if (!Double.isFinite(values[i])) {
                    throw new IllegalArgumentException("Plots: series '" + name + "' has " + axis + "[" + i + "] = "
                            + values[i] + "; only finite values can be drawn");
                }
            }
        }
    }
}
