package dev.argdiff.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Small public data sets shipped with argdiff, and a strict reader for numeric CSV files.
 *
 * <p>Everything is returned as plain row-major {@code double[]} arrays, so this class depends on
 * nothing else in argdiff. Each call parses the data again and returns fresh arrays that the
 * caller owns. The data sets and their sources are listed in
 * {@code dev/argdiff/data/PROVENANCE.md} next to the CSV files.
 *
 * <pre>{@code
 * Datasets.RegressionSplit d = Datasets.diabetesSplit();   // 296 train / 146 validation rows
 * double firstTarget = d.yTrain()[0];                      // 96.0
 * double x01 = d.xTrain()[0 * d.features() + 1];           // row 0, feature 1
 * }</pre>
 */
public final class Datasets {

    private static final String RESOURCE_DIR = "/dev/argdiff/data/";

    /**
     * A plain decimal number: optional sign, digits with an optional fraction, optional exponent.
     * Stricter than {@link Double#parseDouble}, which also accepts "NaN", "Infinity", hexadecimal
     * and a trailing 'd' or 'f': none of those belong in a data file.
     */
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?");

    private Datasets() {
    }

    /**
     * A numeric table read from a CSV file: column names from the header line and the values,
     * row-major ({@code values[row * columns().size() + column]}).
     */
    public record Table(List<String> columns, double[] values, int rows) {

        /** @throws IllegalArgumentException if {@code values} is not {@code rows × columns} */
        public Table {
            columns = List.copyOf(columns);
            if (rows < 0 || values.length != (long) rows * columns.size()) {
                throw new IllegalArgumentException("Table: " + values.length + " values do not fill "
                        + rows + " rows × " + columns.size() + " columns");
            }
        }

        /** The number of columns. */
        public int width() {
            return columns.size();
        }

        /** The value in {@code row}, {@code column} (both 0-based). */
        public double get(int row, int column) {
            if (row < 0 || row >= rows || column < 0 || column >= width()) {
                throw new IndexOutOfBoundsException("Table.get: (" + row + ", " + column
                        + ") outside " + rows + " × " + width());
            }
            return values[row * width() + column];
        }

        /**
         * The 0-based index of the named column.
         *
         * @throws IllegalArgumentException if there is no such column
         */
        public int columnIndex(String name) {
            int index = columns.indexOf(name);
            if (index < 0) {
                throw new IllegalArgumentException("no column named '" + name + "'; columns are " + columns);
            }
            return index;
        }

        /** A copy of the named column. */
        public double[] column(String name) {
            int c = columnIndex(name);
            double[] out = new double[rows];
            for (int r = 0; r < rows; r++) {
                out[r] = values[r * width() + c];
            }
            return out;
        }
    }

    /**
     * A regression data set: {@code x} is n×features row-major, {@code y} has n targets.
     */
    public record Regression(double[] x, int n, double[] y, int features, List<String> featureNames) {

        /** @throws IllegalArgumentException if the array lengths do not match n and features */
        public Regression {
            featureNames = List.copyOf(featureNames);
            requireLength("Regression: x", x, (long) n * features);
            requireLength("Regression: y", y, n);
            if (featureNames.size() != features) {
                throw new IllegalArgumentException("Regression: " + featureNames.size()
                        + " feature names for " + features + " features");
            }
        }
    }

    /**
     * A regression data set split into training and validation rows: {@code xTrain} is
     * nTrain×features and {@code xVal} nVal×features, both row-major.
     */
    public record RegressionSplit(double[] xTrain, int nTrain, double[] yTrain,
                                  double[] xVal, int nVal, double[] yVal, int features) {

        /** @throws IllegalArgumentException if the array lengths do not match the counts */
        public RegressionSplit {
            requireLength("RegressionSplit: xTrain", xTrain, (long) nTrain * features);
            requireLength("RegressionSplit: yTrain", yTrain, nTrain);
            requireLength("RegressionSplit: xVal", xVal, (long) nVal * features);
            requireLength("RegressionSplit: yVal", yVal, nVal);
        }
    }

    /**
     * Images of handwritten digits: {@code images} is n×64 row-major (8×8 pixels, row by row,
     * grey levels 0..16), {@code labels} the digit 0..9 of each image.
     */
    public record Digits(double[] images, int[] labels, int n) {

        /** Pixels per image (8×8). */
        public static final int PIXELS = 64;
        /** Number of classes (digits 0..9). */
        public static final int CLASSES = 10;

        /** @throws IllegalArgumentException if the array lengths do not match n */
        public Digits {
            requireLength("Digits: images", images, (long) n * PIXELS);
            if (labels.length != n) {
                throw new IllegalArgumentException("Digits: labels has length " + labels.length
                        + ", expected " + n);
            }
        }
    }

    /**
     * The diabetes data (Efron et al. 2004) with each row scaled to unit L2 norm, split 296
     * training / 146 validation rows as in JAXopt's implicit-differentiation examples: 10
     * features, disease progression as target.
     */
    public static RegressionSplit diabetesSplit() {
        return regressionSplit(resource("diabetes_split.csv"), "diabetes_split.csv");
    }

    /**
     * A train/validation regression split from a CSV file laid out like {@code diabetes_split.csv}:
     * a header, a column {@code is_val} (0 training, 1 validation), a column {@code y} (the target)
     * and any number of feature columns (all the others, in file order).
     *
     * @throws IllegalArgumentException for a malformed file (see {@link #readCsv}), a missing
     *         {@code is_val} or {@code y} column, no feature column, an {@code is_val} other than 0
     *         or 1, or no training or no validation row; the message names the file and the row
     */
    public static RegressionSplit readRegressionSplit(Path file) {
        return regressionSplit(readCsv(file), file.toString());
    }

    private static RegressionSplit regressionSplit(Table t, String source) {
        if (!t.columns().contains("is_val") || !t.columns().contains("y")) {
            throw new IllegalArgumentException(source + ": needs columns 'is_val' and 'y' (and feature columns), found "
                    + t.columns());
        }
        int isVal = t.columnIndex("is_val");
        int y = t.columnIndex("y");
        int features = t.width() - 2;
        if (features < 1) {
            throw new IllegalArgumentException(source + ": no feature column besides 'is_val' and 'y'");
        }
        int[] xColumns = new int[features];
        for (int c = 0, j = 0; c < t.width(); c++) {
            if (c != isVal && c != y) {
                xColumns[j++] = c;
            }
        }
        int nVal = 0;
        for (int r = 0; r < t.rows(); r++) {
            double flag = t.get(r, isVal);
            if (flag != 0 && flag != 1) {
                throw new IllegalArgumentException(source + ": data row " + (r + 1) + ": is_val is " + flag
                        + ", expected 0 or 1");
            }
            nVal += (int) flag;
        }
        int nTrain = t.rows() - nVal;
        if (nTrain == 0 || nVal == 0) {
            throw new IllegalArgumentException(source + ": needs at least one training row (is_val = 0) and one "
                    + "validation row (is_val = 1), found " + nTrain + " and " + nVal);
        }
        double[] xTrain = new double[nTrain * features];
        double[] yTrain = new double[nTrain];
        double[] xVal = new double[nVal * features];
        double[] yVal = new double[nVal];
        int iTrain = 0;
        int iVal = 0;
        for (int r = 0; r < t.rows(); r++) {
            boolean val = t.get(r, isVal) == 1;
            double[] xs = val ? xVal : xTrain;
            int i = val ? iVal++ : iTrain++;
            for (int j = 0; j < features; j++) {
                xs[i * features + j] = t.get(r, xColumns[j]);
            }
            (val ? yVal : yTrain)[i] = t.get(r, y);
        }
        return new RegressionSplit(xTrain, nTrain, yTrain, xVal, nVal, yVal, features);
    }

    /**
     * The diabetes data (Efron et al. 2004) in its original units: 442 patients, 10 features
     * (age, sex, bmi, bp, s1..s6), disease progression one year after baseline as target.
     */
    public static Regression diabetesRaw() {
        Table t = resource("diabetes_raw.csv");
        int target = t.columnIndex("target");
        List<String> names = new ArrayList<>(t.columns());
        names.remove(target);
        int features = names.size();
        double[] x = new double[t.rows() * features];
        double[] y = new double[t.rows()];
        for (int r = 0; r < t.rows(); r++) {
            int j = 0;
            for (int c = 0; c < t.width(); c++) {
                if (c == target) {
                    y[r] = t.get(r, c);
                } else {
                    x[r * features + j++] = t.get(r, c);
                }
            }
        }
        return new Regression(x, t.rows(), y, features, names);
    }

    /**
     * The 1797 8×8 handwritten digits of the UCI "Optical Recognition of Handwritten Digits"
     * data (Alpaydin and Kaynak 1998, CC BY 4.0), as distributed with scikit-learn.
     */
    public static Digits digits() {
        Table t = resource("digits.csv");
        int label = t.columnIndex("label");
        double[] images = new double[t.rows() * Digits.PIXELS];
        int[] labels = new int[t.rows()];
        int[] pixelColumns = new int[Digits.PIXELS];
        for (int p = 0; p < Digits.PIXELS; p++) {
            pixelColumns[p] = t.columnIndex("p" + p);
        }
        for (int r = 0; r < t.rows(); r++) {
            double l = t.get(r, label);
            if (l != Math.rint(l) || l < 0 || l >= Digits.CLASSES) {
                throw new IllegalStateException("digits.csv: row " + (r + 1) + ": label " + l
                        + " is not a digit 0..9");
            }
            labels[r] = (int) l;
            for (int p = 0; p < Digits.PIXELS; p++) {
                images[r * Digits.PIXELS + p] = t.get(r, pixelColumns[p]);
            }
        }
        return new Digits(images, labels, t.rows());
    }

    /**
     * Reads a numeric CSV file: a header line of column names, then one row of numbers per line,
     * separated by commas. Blank lines are skipped; a value may be surrounded by double quotes
     * and spaces; a UTF-8 byte order mark is ignored. Values must be finite decimal numbers.
     *
     * @throws IllegalArgumentException if the file does not exist, is not a regular file (a
     *         directory, a pipe), or is malformed: no header, a header of numbers only, an empty
     *         or repeated column name, a row with the wrong
     *         number of values, or a value that is not a finite decimal number. The message names
     *         the file, the line number and the column.
     * @throws UncheckedIOException if the file exists but cannot be read
     */
    public static Table readCsv(Path file) {
        if (!Files.isRegularFile(file)) {
            // "no such file" only when there is none: a directory or a FIFO is another mistake.
            throw new IllegalArgumentException(file + (Files.isDirectory(file) ? ": is a directory, not a CSV file"
                    : Files.exists(file) ? ": not a regular file (a pipe or a device); give a CSV file"
                    : ": no such file"));
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parseCsv(reader, file.toString());
        } catch (CharacterCodingException e) {
            // Files.newBufferedReader reports bytes that are not UTF-8 as "Input length = 1": say what is wrong.
            throw new IllegalArgumentException(file + ": not UTF-8 text (save the file as UTF-8 or ASCII CSV)", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses CSV text as {@link #readCsv(Path)} does; {@code source} names the input in error
     * messages.
     */
    public static Table parseCsv(Reader reader, String source) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        int lineNumber = 0;
        List<String> columns = null;
        double[] values = new double[1024];
        int count = 0;
        int rows = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNumber++;
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (columns == null) {
                columns = header(fields, source, lineNumber);
                continue;
            }
            if (fields.length != columns.size()) {
                throw new IllegalArgumentException(source + ":" + lineNumber + ": expected " + columns.size()
                        + " comma-separated values (one per header column), found " + fields.length);
            }
            if (count + fields.length > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, count + fields.length));
            }
            for (int c = 0; c < fields.length; c++) {
                values[count++] = number(fields[c], source, lineNumber, c, columns.get(c));
            }
            rows++;
        }
        if (columns == null) {
            throw new IllegalArgumentException(source + ": empty file, expected a header line of column names");
        }
        if (rows == 0) {
            throw new IllegalArgumentException(source + ": no data rows after the header line");
        }
        return new Table(columns, Arrays.copyOf(values, count), rows);
    }

    private static List<String> header(String[] fields, String source, int lineNumber) {
        List<String> names = new ArrayList<>(fields.length);
        Map<String, Integer> seen = new HashMap<>();
        boolean allNumbers = true;
        for (int c = 0; c < fields.length; c++) {
            String name = unquote(fields[c]);
            if (name.isEmpty()) {
                throw new IllegalArgumentException(source + ":" + lineNumber + ": column " + (c + 1)
                        + " of the header has an empty name");
            }
            Integer previous = seen.putIfAbsent(name, c);
            if (previous != null) {
                throw new IllegalArgumentException(source + ":" + lineNumber + ": column name '" + name
                        + "' appears twice in the header (columns " + (previous + 1) + " and " + (c + 1) + ")");
            }
            allNumbers &= DECIMAL.matcher(name).matches();
            names.add(name);
        }
        if (allNumbers) {
            throw new IllegalArgumentException(source + ":" + lineNumber
                    + ": expected a header line of column names, found only numbers");
        }
        return names;
    }

    private static double number(String field, String source, int lineNumber, int column, String name) {
        String text = unquote(field);
        String where = source + ":" + lineNumber + ": column " + (column + 1) + " (" + name + "): ";
        if (text.isEmpty()) {
            throw new IllegalArgumentException(where + "empty value");
        }
        if (!DECIMAL.matcher(text).matches()) {
            throw new IllegalArgumentException(where + "'" + text + "' is not a decimal number");
        }
        double value = Double.parseDouble(text);
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(where + "'" + text + "' is out of the range of a double");
        }
        return value;
    }

    private static String unquote(String field) {
        String s = field.strip();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    private static Table resource(String name) {
        InputStream stream = Datasets.class.getResourceAsStream(RESOURCE_DIR + name);
        if (stream == null) {
            throw new IllegalStateException("data set resource " + RESOURCE_DIR + name
                    + " is missing from the classpath (is argdiff-core packaged correctly?)");
        }
        try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            return parseCsv(reader, name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data set resource " + name, e);
        }
    }

    private static void requireLength(String what, double[] array, long expected) {
        if (array.length != expected) {
            throw new IllegalArgumentException(what + " has length " + array.length + ", expected " + expected);
        }
    }
}
