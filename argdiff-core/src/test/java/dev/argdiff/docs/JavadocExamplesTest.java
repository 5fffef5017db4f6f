package dev.argdiff.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The code example in the class comment of each entry point (Tensor, Autodiff, ImplicitDiff,
 * GradientDescent, ProximalGradient, LinearSolve) is extracted from the source, compiled as
 * written and run; checks appended after it compare the values its comments promise with
 * closed forms worked out by hand here.
 */
class JavadocExamplesTest {

    private static final String IMPORTS = String.join("\n",
            "import dev.argdiff.ad.Autodiff;",
            "import dev.argdiff.implicit.ImplicitDiff;",
            "import dev.argdiff.linalg.LinearOperator;",
            "import dev.argdiff.linalg.LinearSolve;",
            "import dev.argdiff.prox.Prox;",
            "import dev.argdiff.solvers.GradientDescent;",
            "import dev.argdiff.solvers.ProximalGradient;",
            "import dev.argdiff.tensor.Tensor;",
            "import java.util.function.BiFunction;",
            "import java.util.function.Function;",
            "");

    /** Source file → checks run after its example (closed forms; see each comment). */
    private static final Map<String, String> CHECKS = new LinkedHashMap<>();

    static {
        CHECKS.put("tensor/Tensor.java", "near(y, 0, 0); near(Tensor.scalar(total), 10); near(rowMeans, 1.5, 3.5);");
        // f = ½‖x‖²: ∇f = x, ∇²f = I.
        CHECKS.put("ad/Autodiff.java", "near(g, 1, 2, 3); near(h, 1, 0, 0, 0, 1, 0, 0, 0, 1);");
        // √4 = 2 and d√θ/dθ = 1/(2√θ) = 0.25.
        CHECKS.put("implicit/ImplicitDiff.java", "near(root, 2); near(slope, 0.25);");
        // Ridge, n = 3: (XᵀX/3 + 0.1·I)·w = Xᵀy/3 with XᵀX = [[2, 1], [1, 5]], Xᵀy = [4, 7]:
        // M = [[2/3 + 0.1, 1/3], [1/3, 5/3 + 0.1]]; w = M⁻¹·[4/3, 7/3]; dw/dl2reg = −M⁻¹·w.
        CHECKS.put("solvers/GradientDescent.java", String.join("\n",
                "double m00 = 2.0 / 3 + 0.1, m01 = 1.0 / 3, m11 = 5.0 / 3 + 0.1, det = m00 * m11 - m01 * m01;",
                "double w0 = (m11 * 4.0 / 3 - m01 * 7.0 / 3) / det, w1 = (m00 * 7.0 / 3 - m01 * 4.0 / 3) / det;",
                "near(w, w0, w1);",
                "near(dw, -(m11 * w0 - m01 * w1) / det, -(m00 * w1 - m01 * w0) / det);"));
        // Lasso with both coefficients active (positive): XᵀX·w = Xᵀy − λ·1 = [4 − 1, 3 − 1],
        // XᵀX = [[2, 1], [1, 2]]: w = [4/3, 1/3]; dw/dλ = −(XᵀX)⁻¹·1 = [−1/3, −1/3].
        CHECKS.put("solvers/ProximalGradient.java", "near(w, 4.0 / 3, 1.0 / 3); near(dw, -1.0 / 3, -1.0 / 3);");
        // [[4, 1], [1, 3]]⁻¹ = [[3, −1], [−1, 4]]/11.
        CHECKS.put("linalg/LinearSolve.java", "near(x, 1.0 / 11, 7.0 / 11); near(g, 2.0 / 11, 3.0 / 11);");
    }

    private static final Pattern EXAMPLE = Pattern.compile("<pre>\\{@code\\n(.*?)\\n\\s*\\*\\s*}</pre>", Pattern.DOTALL);

    @Test
    void everyEntryPointExampleCompilesRunsAndGivesTheValuesItsCommentsState(@TempDir Path out) throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        int index = 0;
        for (Map.Entry<String, String> e : CHECKS.entrySet()) {
            String example = classExample(Path.of("src/main/java/dev/argdiff").resolve(e.getKey()));
            String name = "Example" + index++;
            sources.put("examples." + name, "package examples;\n" + IMPORTS
                    + "public final class " + name + " implements Runnable {\n"
                    + "  @Override public void run() {\n" + example + "\n" + e.getValue() + "\n  }\n"
                    + "  static void near(Tensor t, double... expected) {\n"
                    + "    double[] actual = t.toArray();\n"
                    + "    if (actual.length != expected.length) throw new AssertionError(\"" + e.getKey() + ": size \" + actual.length);\n"
                    + "    for (int i = 0; i < actual.length; i++) {\n"
                    + "      if (!(Math.abs(actual[i] - expected[i]) <= 1e-6 * Math.max(1, Math.abs(expected[i]))))\n"
                    + "        throw new AssertionError(\"" + e.getKey() + ": entry \" + i + \" is \" + actual[i] + \", expected \" + expected[i]);\n"
                    + "    }\n  }\n}\n");
        }
        ClassLoader loader = JavaSources.compile(sources, out);
        for (String className : sources.keySet()) {
            Runnable example = (Runnable) loader.loadClass(className).getDeclaredConstructor().newInstance();
            example.run();
        }
    }

    /** The {@code <pre>{@code ...}</pre>} block of the comment just before the top-level class. */
    static String classExample(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int classAt = text.indexOf("\npublic final class ");
        assertTrue(classAt > 0, file + ": no public final class");
        String comment = text.substring(text.lastIndexOf("/**", classAt), classAt);
        Matcher m = EXAMPLE.matcher(comment);
        assertTrue(m.find(), file + ": the class comment has no <pre>{@code ...}</pre> example");
        return m.group(1).replaceAll("(?m)^\\s*\\* ?", "");
    }
}
