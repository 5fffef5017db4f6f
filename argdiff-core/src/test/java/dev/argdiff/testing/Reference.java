package dev.argdiff.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reference values computed by independent software (a dense float64 solve, JAXopt, PyTorch),
 * loaded from {@code src/test/resources/dev/argdiff/reference/} for tests to compare against.
 * See the README there for where each number comes from; each JSON file also says so in its
 * "about" field.
 */
public final class Reference {

    private static final String DIR = "/dev/argdiff/reference/";

    private Reference() {
    }

    /**
     * Ridge regression on {@code diabetes_split.csv}: inner objective
     * {@code 0.5·mean((X_tr w − y_tr)²) + 0.5·l2reg·‖w‖²} with {@code l2reg = exp(theta)}, outer
     * objective {@code mean((X_val w*(l2reg) − y_val)²)}.
     *
     * @param wStar the solution at {@code theta}
     * @param dwStarDl2reg the derivative of the solution with respect to l2reg
     * @param valLoss the outer objective at the solution
     * @param dvalLossDtheta the derivative of the outer objective with respect to theta
     * @param adamExample JAXopt's ridge example: Adam on theta with implicit differentiation
     */
    public record Ridge(String about, double theta, double l2reg, double[] wStar, double[] dwStarDl2reg,
                        double valLoss, double dvalLossDtheta, AdamExample adamExample) {
    }

    /**
     * JAXopt's {@code ridge_reg_implicit_diff} example run in float64: {@code losses[k]} is the
     * validation loss before update k+1 of Adam on theta.
     */
    public record AdamExample(String about, double[] losses, double thetaAfter50) {
    }

    /**
     * One synthetic lasso problem of {@code lasso_synthetic.json}: objective
     * {@code 0.5·mean((A w − b)²) + lam·‖w‖₁} with A of size rows×cols, defined by a SplitMix64
     * stream (see {@link #data()}).
     *
     * @param nnz the support size of the solution after 200 FISTA iterations
     * @param sumsqW its squared norm
     * @param dsumsqDlamImplicitJaxopt d sum(w*²)/d lam by JAXopt's implicit differentiation
     * @param dsumsqDlamUnrolledPytorch the same by PyTorch, unrolled through 200 FISTA iterations
     */
    public record Lasso(String name, int rows, int cols, double lam, int nnz, double sumsqW,
                        double dsumsqDlamImplicitJaxopt, double dsumsqDlamUnrolledPytorch) {

        /** The problem's data, bit for bit, from the library's generator of the file's SplitMix64 stream. */
        public dev.argdiff.data.SyntheticLasso data() {
            return dev.argdiff.data.SyntheticLasso.generate(rows, cols);
        }
    }

    /** The contents of {@code ridge_diabetes.json}. */
    public static Ridge ridgeDiabetes() {
        JsonObject o = load("ridge_diabetes.json");
        JsonObject adam = object(o, "adam_example");
        return new Ridge(
                string(o, "about"),
                number(o, "theta"),
                number(o, "l2reg"),
                numbers(o, "w_star"),
                numbers(o, "dw_star_dl2reg"),
                number(o, "val_loss"),
                number(o, "dval_loss_dtheta"),
                new AdamExample(string(adam, "about"), numbers(adam, "losses"), number(adam, "theta_after_50")));
    }

    /** The problems of {@code lasso_synthetic.json} by name ("200x50", "1000x200", "2000x1000"), in file order. */
    public static Map<String, Lasso> lassoSynthetic() {
        JsonObject sizes = object(load("lasso_synthetic.json"), "sizes");
        Map<String, Lasso> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : sizes.entrySet()) {
            String name = e.getKey();
            String[] dims = name.split("x");
            if (dims.length != 2) {
                throw new IllegalStateException("lasso_synthetic.json: size '" + name + "' is not ROWSxCOLS");
            }
            JsonObject c = e.getValue().getAsJsonObject();
            out.put(name, new Lasso(name, Integer.parseInt(dims[0]), Integer.parseInt(dims[1]),
                    number(c, "lam"), (int) number(c, "nnz"), number(c, "sumsq_w"),
                    number(c, "dsumsq_dlam_implicit_jaxopt"), number(c, "dsumsq_dlam_unrolled_pytorch")));
        }
        return out;
    }

    /** A reference JSON file as a gson tree, for values the records above do not cover. */
    public static JsonObject load(String fileName) {
        InputStream stream = Reference.class.getResourceAsStream(DIR + fileName);
        if (stream == null) {
            throw new IllegalStateException("reference file " + DIR + fileName + " is not on the test classpath");
        }
        try (Reader reader = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(reader).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reference file " + fileName, e);
        }
    }

    private static JsonElement field(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new IllegalStateException("reference JSON: missing field '" + key + "'");
        }
        return e;
    }

    private static JsonObject object(JsonObject o, String key) {
        return field(o, key).getAsJsonObject();
    }

    private static String string(JsonObject o, String key) {
        return field(o, key).getAsString();
    }

    private static double number(JsonObject o, String key) {
        return field(o, key).getAsDouble();
    }

    private static double[] numbers(JsonObject o, String key) {
        JsonArray a = field(o, key).getAsJsonArray();
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }
}
