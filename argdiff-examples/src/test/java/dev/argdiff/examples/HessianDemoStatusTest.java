package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Status 1 always comes with its one line on standard error (hessian-demo used to exit 1 silently). */
class HessianDemoStatusTest {

    @Test
    void anUnconvergedPowerIterationSaysSoOnStderr() {
        MainTest.Run r = MainTest.run("example", "hessian-demo", "--max-iterations", "1", "--samples", "20", "--json");
        assertEquals(1, r.status());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(1, o.get("iterations").getAsInt());
        double residual = o.get("residual").getAsDouble();
        double bound = 1e-10 * Math.abs(o.get("topEigenvalue").getAsDouble());
        assertEquals(String.format(Locale.ROOT, "argdiff: the power iteration did not converge in 1 iterations "
                + "(||Hv - lambda v|| = %.3g > %.3g = TOL * lambda); raise --max-iterations or loosen --tol%n",
                residual, bound), r.err());
        MainTest.Run ok = MainTest.run("example", "hessian-demo", "--samples", "20", "--json");
        assertEquals(0, ok.status());
        assertEquals("", ok.err());
    }
}
