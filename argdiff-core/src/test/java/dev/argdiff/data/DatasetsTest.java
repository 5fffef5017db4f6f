package dev.argdiff.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path dir;

    @Test
    void diabetesSplitHasJaxoptSplitSizesAndExactValues() {
        Datasets.RegressionSplit d = Datasets.diabetesSplit();
        assertEquals(296, d.nTrain());
        assertEquals(146, d.nVal());
        assertEquals(10, d.features());
        assertEquals(296 * 10, d.xTrain().length);
        assertEquals(146 * 10, d.xVal().length);
        // First data line of diabetes_split.csv: 0,96,-0.2854840743986628,-0.25953511910779015,...
        assertEquals(96.0, d.yTrain()[0]);
        assertEquals(-0.2854840743986628, d.xTrain()[0]);
        assertEquals(-0.25953511910779015, d.xTrain()[1]);
        // Last training row (line 297): 0,295,0.26144412660906469,...,0.53849436004014284
        assertEquals(295.0, d.yTrain()[295]);
        assertEquals(0.26144412660906469, d.xTrain()[295 * 10]);
        assertEquals(0.53849436004014284, d.xTrain()[295 * 10 + 9]);
        // First validation row (line 298): 1,321,0.13091129743750926,0.33317575149359668,...
        assertEquals(321.0, d.yVal()[0]);
        assertEquals(0.13091129743750926, d.xVal()[0]);
        assertEquals(0.33317575149359668, d.xVal()[1]);
        // Last line: 1,111,-0.38324258464841582,...
        assertEquals(111.0, d.yVal()[145]);
        assertEquals(-0.38324258464841582, d.xVal()[145 * 10]);
        // Every row was scaled to unit L2 norm.
        for (int i = 0; i < d.nTrain(); i++) {
            double norm2 = 0;
            for (int j = 0; j < 10; j++) {
                norm2 += d.xTrain()[i * 10 + j] * d.xTrain()[i * 10 + j];
            }
            assertEquals(1.0, norm2, 1e-12, "row " + i);
        }
    }

    @Test
    void diabetesRawHas442PatientsInOriginalUnits() {
        Datasets.Regression d = Datasets.diabetesRaw();
        assertEquals(442, d.n());
        assertEquals(10, d.features());
        assertEquals(List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"), d.featureNames());
        // First line: 59,2,32.1,101,157,93.2,38,4,4.8598,87,151
        assertArrayEquals(new double[] {59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87},
                java.util.Arrays.copyOfRange(d.x(), 0, 10));
        assertEquals(151.0, d.y()[0]);
        // Last line: 36,1,19.6,71,250,133.2,97,3,4.5951,92,57
        assertEquals(4.5951, d.x()[441 * 10 + 8]);
        assertEquals(57.0, d.y()[441]);
    }

    @Test
    void digitsHas1797ImagesWithLabels0To9() {
        Datasets.Digits d = Datasets.digits();
        assertEquals(1797, d.n());
        assertEquals(1797 * 64, d.images().length);
        int[] counts = new int[10];
        for (int label : d.labels()) {
            counts[label]++;
        }
        assertArrayEquals(new int[] {178, 182, 177, 183, 181, 182, 181, 179, 174, 180}, counts);
        for (double v : d.images()) {
            if (v < 0 || v > 16 || v != Math.rint(v)) {
                throw new AssertionError("pixel value " + v + " is not a grey level 0..16");
            }
        }
        // First line: 0,0,0,5,13,9,1,0,0,0,0,13,...
        assertEquals(0, d.labels()[0]);
        assertArrayEquals(new double[] {0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13},
                java.util.Arrays.copyOfRange(d.images(), 0, 11));
        assertEquals(1, d.labels()[1]);
        assertEquals(8, d.labels()[1796]);
    }

    @Test
    void eachCallReturnsFreshArrays() {
        Datasets.Digits a = Datasets.digits();
        a.images()[0] = 99;
        assertEquals(0.0, Datasets.digits().images()[0]);
    }

    @Test
    void readCsvReadsHeaderAndRows() throws IOException {
        Path f = write("a, \"b\",c\r\n1,2.5,-3e2\n\n 4 ,\"5\",.5\n");
        Datasets.Table t = Datasets.readCsv(f);
        assertEquals(List.of("a", "b", "c"), t.columns());
        assertEquals(2, t.rows());
        assertArrayEquals(new double[] {1, 2.5, -300, 4, 5, 0.5}, t.values());
        assertArrayEquals(new double[] {2.5, 5}, t.column("b"));
        assertEquals(-300.0, t.get(0, 2));
    }

    @Test
    void readCsvNamesFileLineAndColumnOfABadValue() throws IOException {
        Path f = write("a,b,c\n1,2,3\n4,x,6\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(f));
        assertEquals(f + ":3: column 2 (b): 'x' is not a decimal number", e.getMessage());
    }

    @Test
    void readCsvRefusesNonFiniteAndEmptyValues() throws IOException {
        Path nan = write("a,b\n1,NaN\n");
        assertEquals(nan + ":2: column 2 (b): 'NaN' is not a decimal number",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(nan)).getMessage());
        Path huge = write("a,b\n1,1e999\n");
        assertEquals(huge + ":2: column 2 (b): '1e999' is out of the range of a double",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(huge)).getMessage());
        Path empty = write("a,b\n1,\n");
        assertEquals(empty + ":2: column 2 (b): empty value",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(empty)).getMessage());
    }

    @Test
    void readCsvRefusesRowsOfTheWrongLength() throws IOException {
        Path f = write("a,b,c\n1,2,3\n\n4,5\n");
        assertEquals(f + ":4: expected 3 comma-separated values (one per header column), found 2",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(f)).getMessage());
    }

    @Test
    void readCsvRequiresAHeader() throws IOException {
        Path numbers = write("1,2\n3,4\n");
        assertEquals(numbers + ":1: expected a header line of column names, found only numbers",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(numbers)).getMessage());
        Path duplicate = write("a,b,a\n1,2,3\n");
        assertEquals(duplicate + ":1: column name 'a' appears twice in the header (columns 1 and 3)",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(duplicate)).getMessage());
        Path empty = write("");
        assertEquals(empty + ": empty file, expected a header line of column names",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(empty)).getMessage());
        Path headerOnly = write("a,b\n");
        assertEquals(headerOnly + ": no data rows after the header line",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(headerOnly)).getMessage());
    }

    @Test
    void readCsvRefusesAMissingFile() {
        Path missing = dir.resolve("missing.csv");
        assertEquals(missing + ": no such file",
                assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(missing)).getMessage());
    }

    @Test
    void tableRefusesValuesThatDoNotFillIt() {
        assertThrows(IllegalArgumentException.class, () -> new Datasets.Table(List.of("a", "b"), new double[3], 2));
        assertThrows(IllegalArgumentException.class, () -> new Datasets.Table(List.of("a"), new double[1], 1).column("z"));
    }

    private int files;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("t" + (files++) + ".csv");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }
}
