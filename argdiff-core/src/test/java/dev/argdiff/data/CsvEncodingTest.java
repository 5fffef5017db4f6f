package dev.argdiff.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CSV file that is not UTF-8 (e.g. saved as Latin-1 by a spreadsheet) is bad input, reported as such. */
class CsvEncodingTest {

    @TempDir
    Path dir;

    @Test
    void nonUtf8FileIsABadArgumentNamingTheEncoding() throws IOException {
        Path f = dir.resolve("latin1.csv");
        // "poids" with a Latin-1 'é' (0xE9) in a header name: not valid UTF-8.
        Files.write(f, "is_val,y,poids_\u00e9\n0,1,2\n1,2,3\n".getBytes(StandardCharsets.ISO_8859_1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.readCsv(f));
        assertEquals(f + ": not UTF-8 text (save the file as UTF-8 or ASCII CSV)", e.getMessage());
    }
}
