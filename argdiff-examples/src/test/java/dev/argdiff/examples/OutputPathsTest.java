package dev.argdiff.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Output paths are checked before the run, so that a bad one costs nothing and destroys nothing:
 * never an input file, a .png name, siblings named in --help and the output, an existing file
 * replaced only where the user named it (--force for the others), and a message that says what is
 * wrong with a path that cannot be written.
 */
class OutputPathsTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    @TempDir
    Path dir;

    private Path dataFile() throws IOException {
        Path csv = dir.resolve("mydata.csv");
        StringBuilder text = new StringBuilder("is_val,y,f0,f1\n");
        for (int i = 0; i < 30; i++) {
            text.append(i < 20 ? 0 : 1).append(',').append(2 * Math.sin(i) - Math.cos(3 * i)).append(',')
                    .append(Math.sin(i)).append(',').append(Math.cos(3 * i)).append('\n');
        }
        Files.writeString(csv, text);
        return csv;
    }

    private static boolean isPng(Path file) throws IOException {
        return Arrays.equals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(file), 4));
    }

    @Test
    void thePlotNeverOverwritesTheDataFile() throws IOException {
        // Was: exit 0, "plot written to mydata.csv", the CSV replaced by a PNG.
        Path csv = dataFile();
        byte[] before = Files.readAllBytes(csv);
        for (String plot : new String[] {csv.toString(), dir.resolve(".").resolve("mydata.csv").toString()}) {
            MainTest.Run r = MainTest.run("example", "ridge", "--steps", "1", "--data", csv.toString(), "--plot", plot);
            assertEquals(2, r.status(), r.err());
            assertEquals("argdiff: --plot " + plot + " is the --data file; the plot would overwrite the data\n", r.err());
            assertEquals("", r.out(), "refused before the run");
        }
        // A sibling that is the data file (data named like one) is refused even with --force.
        Path sibling = dir.resolve("fit-path.png");
        Files.copy(csv, sibling);
        MainTest.Run r = MainTest.run("example", "lasso", "--steps", "1", "--data", sibling.toString(), "--plot",
                dir.resolve("fit.png").toString(), "--force");
        assertEquals(2, r.status(), r.err());
        assertEquals("argdiff: --plot " + dir.resolve("fit.png") + " also writes " + sibling + ", which is the --data "
                + "file; the plot would overwrite the data\n", r.err());
        assertArrayEquals(before, Files.readAllBytes(csv));
        assertArrayEquals(before, Files.readAllBytes(sibling));
    }

    @Test
    void thePlotMustBeAPngFile() {
        Path txt = dir.resolve("out.txt");
        MainTest.Run r = MainTest.run("example", "imaml", "--steps", "1", "--plot", txt.toString());
        assertEquals(2, r.status(), r.err());
        assertEquals("argdiff: --plot must name a .png file (the plots are PNG images), got '" + txt + "'\n", r.err());
        assertTrue(Files.notExists(txt));
        MainTest.Run empty = MainTest.run("example", "ridge", "--steps", "1", "--plot", "");
        assertEquals(2, empty.status(), empty.err());
        assertEquals("argdiff: --plot needs a file name ending in .png, got ''\n", empty.err());
    }

    @Test
    void anExistingSiblingIsReplacedOnlyWithForce() throws IOException {
        Path plot = dir.resolve("l.png");
        Path sibling = dir.resolve("l-path.png");
        Files.writeString(sibling, "the user's own file");
        MainTest.Run refused = MainTest.run("example", "lasso", "--steps", "1", "--plot", plot.toString());
        assertEquals(2, refused.status(), refused.err());
        assertEquals("argdiff: --plot " + plot + " also writes " + sibling + ", which exists; choose another --plot "
                + "name, remove that file, or add --force to replace it\n", refused.err());
        assertEquals("the user's own file", Files.readString(sibling));
        assertTrue(Files.notExists(plot), "nothing written when the check fails");

        MainTest.Run forced = MainTest.run("example", "lasso", "--steps", "1", "--plot", plot.toString(), "--force");
        assertEquals(0, forced.status(), forced.err());
        assertTrue(isPng(plot) && isPng(sibling));
        assertTrue(forced.out().contains("plots written to " + plot + " and " + sibling), forced.out());
    }

    @Test
    void theNamedPlotFileIsReplaced() throws IOException {
        Path plot = dir.resolve("r.png");
        Files.writeString(plot, "an old plot");
        MainTest.Run r = MainTest.run("example", "ridge", "--steps", "1", "--plot", plot.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(isPng(plot));
        assertTrue(r.out().endsWith("plot written to " + plot + "\n"), r.out());
    }

    @Test
    void theHelpNamesEverySiblingFileAndTheForceOption() {
        String[][] commands = {{"lasso", "FILE-path.png"}, {"sparse-coding", "FILE-atoms.png"},
            {"distillation", "FILE-images.png"}};
        for (String[] c : commands) {
            MainTest.Run help = MainTest.run("example", c[0], "--help");
            assertEquals(0, help.status(), help.err());
            String text = help.out().replaceAll("\\s+", " ");
            assertTrue(text.contains(c[1]), c[0] + ": " + text);
            assertTrue(text.contains("--force Replace existing files written next to the --plot file"), text);
        }
    }

    @Test
    void anUnwritablePlotPathSaysWhatIsWrong() throws IOException {
        // Was, after the whole run: "argdiff: /proc/x.png", "argdiff: : Is a directory", or the path of the file.
        Path folder = Files.createDirectory(dir.resolve("figures.png"));
        MainTest.Run isDir = MainTest.run("example", "ridge", "--steps", "1", "--plot", folder.toString());
        assertEquals(2, isDir.status(), isDir.err());
        assertEquals("argdiff: --plot " + folder + " is a directory; give a file name\n", isDir.err());
        assertEquals("", isDir.out());

        Path file = Files.writeString(dir.resolve("notes"), "text");
        Path under = file.resolve("x.png");
        MainTest.Run parentIsFile = MainTest.run("example", "ridge", "--steps", "1", "--plot", under.toString());
        assertEquals(2, parentIsFile.status(), parentIsFile.err());
        assertEquals("argdiff: --plot " + under + " cannot be created: " + file.toAbsolutePath()
                + " is a file, not a directory\n", parentIsFile.err());

        Path proc = Path.of("/proc");
        assumeTrue(Files.isDirectory(proc.resolve("self")), "a Linux /proc");
        MainTest.Run inProc = MainTest.run("example", "ridge", "--steps", "1", "--plot", "/proc/x.png");
        assertEquals(2, inProc.status(), inProc.err());
        assertTrue(inProc.err().startsWith("argdiff: --plot /proc/x.png cannot be created: the directory /proc does "
                + "not accept new files ("), inProc.err());
        assertEquals("", inProc.out());
    }

    @Test
    void aMissingFolderIsCreated() throws IOException {
        Path plot = dir.resolve("new").resolve("deeper").resolve("p.png");
        MainTest.Run r = MainTest.run("example", "ridge", "--steps", "1", "--plot", plot.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(isPng(plot));
    }

    @Test
    void aDataPathThatIsNoFileSaysWhatItIs() throws Exception {
        // Was "no such file" for both.
        MainTest.Run folder = MainTest.run("example", "ridge", "--data", dir.toString());
        assertEquals(2, folder.status(), folder.err());
        assertEquals("argdiff: " + dir + ": is a directory, not a CSV file\n", folder.err());
        MainTest.Run missing = MainTest.run("example", "lasso", "--data", dir.resolve("none.csv").toString());
        assertEquals("argdiff: " + dir.resolve("none.csv") + ": no such file\n", missing.err());

        Path fifo = dir.resolve("pipe.csv");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            mkfifo = null;
        }
        assumeTrue(mkfifo != null && mkfifo.waitFor() == 0, "mkfifo is available");
        MainTest.Run pipe = MainTest.run("example", "ridge", "--data", fifo.toString());
        assertEquals(2, pipe.status(), pipe.err());
        assertEquals("argdiff: " + fifo + ": not a regular file (a pipe or a device); give a CSV file\n", pipe.err());
    }
}
