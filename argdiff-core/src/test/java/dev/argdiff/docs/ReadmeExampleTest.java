package dev.argdiff.docs;

import dev.argdiff.data.Datasets;
import dev.argdiff.testing.PlainLinearAlgebra;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first example, FirstHypergradient.java, exactly as written there: extracted from
 * README.md, compiled against the library, run; the numbers it prints are checked against a
 * closed-form ridge solution (normal equations solved by plain Gaussian elimination) and its
 * finite differences, and the README's block of expected output must be what it prints.
 */
class ReadmeExampleTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TEXT_BLOCK = Pattern.compile("```text\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern NUMBER = Pattern.compile("[-+]?\\d+\\.?\\d*(?:[eE][-+]?\\d+)?");

    @Test
    void firstHypergradientCompilesAsWrittenAndPrintsTheClosedFormValues(@TempDir Path out) throws Exception {
        String readme = Files.readString(JavaSources.repositoryRoot().resolve("README.md"), StandardCharsets.UTF_8);
        String source = null;
        int after = -1;
        Matcher m = JAVA_BLOCK.matcher(readme);
        while (m.find()) {
            if (m.group(1).contains("public class FirstHypergradient")) {
                source = m.group(1);
                after = m.end();
                break;
            }
        }
        assertTrue(source != null, "README.md has no ```java block with public class FirstHypergradient");
        ClassLoader loader = JavaSources.compile(Map.of("FirstHypergradient", source), out);
        Method main = loader.loadClass("FirstHypergradient").getMethod("main", String[].class);
        PrintStream saved = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(saved);
        }
        String output = printed.toString(StandardCharsets.UTF_8);

        // The README shows the output right after the program.
        Matcher text = TEXT_BLOCK.matcher(readme);
        assertTrue(text.find(after), "README.md: no ```text block after the program");
        assertEquals(text.group(1).strip(), output.strip(), "the README's printed output is out of date");

        String[] lines = output.strip().split("\\R");
        assertEquals(4, lines.length, output);
        double loss = lastNumber(lines[0]);
        double hypergradient = lastNumber(lines[1]);
        double curvature = lastNumber(lines[2]);
        double[] step = NUMBER.matcher(lines[3]).results().mapToDouble(r -> Double.parseDouble(r.group())).toArray();
        double next = step[step.length - 2];
        double nextLoss = step[step.length - 1];

        Datasets.RegressionSplit d = Datasets.diabetesSplit();
        assertEquals(closedFormLoss(d, 1.0), loss, 1e-7 * loss);
        double h = 1e-4;
        double fd1 = (closedFormLoss(d, 1 + h) - closedFormLoss(d, 1 - h)) / (2 * h);
        assertEquals(fd1, hypergradient, 1e-6 * Math.abs(fd1));
        double fd2 = (closedFormLoss(d, 1 + h) - 2 * closedFormLoss(d, 1.0) + closedFormLoss(d, 1 - h)) / (h * h);
        assertEquals(fd2, curvature, 1e-4 * Math.abs(fd2));
        assertEquals(1 - 0.001 * hypergradient, next, 1e-9 * Math.abs(next));
        assertEquals(closedFormLoss(d, next), nextLoss, 1e-7 * nextLoss);
        assertTrue(nextLoss < loss, "the gradient step lowers the validation loss");
    }

    /** mean((X_val w − y_val)²) at w = (X_trᵀX_tr/n + λI)⁻¹X_trᵀy_tr/n. */
    private static double closedFormLoss(Datasets.RegressionSplit d, double lambda) {
        int n = d.nTrain();
        int p = d.features();
        double[][] a = new double[p][p];
        double[] b = new double[p];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < p; j++) {
                b[j] += d.xTrain()[i * p + j] * d.yTrain()[i] / n;
                for (int k = 0; k < p; k++) {
                    a[j][k] += d.xTrain()[i * p + j] * d.xTrain()[i * p + k] / n;
                }
            }
        }
        for (int j = 0; j < p; j++) {
            a[j][j] += lambda;
        }
        double[] w = PlainLinearAlgebra.solve(a, b);
        double loss = 0;
        for (int i = 0; i < d.nVal(); i++) {
            double r = -d.yVal()[i];
            for (int j = 0; j < p; j++) {
                r += d.xVal()[i * p + j] * w[j];
            }
            loss += r * r / d.nVal();
        }
        return loss;
    }

    private static double[] numbers(String line) {
        // Only the numbers after the colon: labels contain digits too ("l2reg = 1", "d²").
        Matcher m = NUMBER.matcher(line.substring(line.indexOf(':') + 1));
        return m.results().mapToDouble(r -> Double.parseDouble(r.group())).toArray();
    }

    private static double lastNumber(String line) {
        double[] all = numbers(line);
        return all[all.length - 1];
    }
}
