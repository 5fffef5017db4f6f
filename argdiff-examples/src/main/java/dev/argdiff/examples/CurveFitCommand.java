package dev.argdiff.examples;

import dev.argdiff.examples.output.JsonOutput;
import dev.argdiff.examples.output.OutputFiles;
import dev.argdiff.examples.output.Plots;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code argdiff example curve-fit}: the command line of {@link CurveFitExample}. */
@Command(name = "curve-fit",
        description = {"Fit a logistic growth curve K/(1 + exp(-r(t - t0))) to noisy data with Levenberg-Marquardt; "
                + "the sensitivity d(theta*)/dy of the fitted parameters to every data point by implicit "
                + "differentiation of J^T r = 0, checked against finite differences of re-fitted data, and its gap "
                + "to the Gauss-Newton approximation (J^T J)^-1 J^T."},
        sortOptions = false)
final class CurveFitCommand implements Callable<Integer> {

    private final Streams streams;

    @Option(names = "--points", paramLabel = "M", defaultValue = "40", description = "Data points (default: ${DEFAULT-VALUE}).")
    private int points;

    @Option(names = "--noise", paramLabel = "SIGMA", defaultValue = "0.3",
            description = "Standard deviation of the noise (default: ${DEFAULT-VALUE}).")
    private double noise;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "7", description = "Seed of the noise (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write a PNG of the data, the fit and its ±2σ band.")
    private Path plot;

    @Option(names = "--json", description = "Print one JSON document instead of text: t, y, theta, fit, band (2 sd), "
            + "sensitivity (3 x M, d(theta*)/dy), maxFiniteDifferenceGap, gaussNewtonRelativeGap, sigma, iterations.")
    private boolean json;

    CurveFitCommand(Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws IOException {
        OutputFiles.checkPlot(plot, false, null);
        CurveFitExample.Result r = CurveFitExample.run(new CurveFitExample.Options(points, noise, seed));
        var out = streams.out();
        if (plot != null) {
            writePlot(r);
        }
        if (json) {
            new JsonOutput(out).document(r);
            return Main.EXIT_OK;
        }
        out.printf(Locale.ROOT, "fit (LM, %d iterations): K = %.6f, r = %.6f, t0 = %.6f   (truth 10, 1.2, 5), "
                + "sigma = %.4f%n", r.iterations(), r.theta()[0], r.theta()[1], r.theta()[2], r.sigma());
        out.println("sensitivity d(theta*)/dy_j (implicit, J^T r = 0):");
        out.println("   j      t_j        dK/dy        dr/dy       dt0/dy");
        for (int j = 0; j < r.t().length; j++) {
            out.printf(Locale.ROOT, "%4d %8.3f %12.6f %12.6f %12.6f%n", j, r.t()[j], r.sensitivity()[0][j],
                    r.sensitivity()[1][j], r.sensitivity()[2][j]);
        }
        out.printf(Locale.ROOT, "max |implicit - finite differences of re-fitted data| = %.3e%n",
                r.maxFiniteDifferenceGap());
        out.printf(Locale.ROOT, "Gauss-Newton approximation (J^T J)^-1 J^T: max relative gap to the implicit "
                + "Jacobian = %.3e (the dropped term sum r_i Hess r_i)%n", r.gaussNewtonRelativeGap());
        if (plot != null) {
            out.println("plot written to " + plot);
        }
        return Main.EXIT_OK;
    }

    /** The data as points, the fit as a line over its filled ±2σ band. */
    private void writePlot(CurveFitExample.Result r) throws IOException {
        double[] lo = new double[r.t().length];
        double[] hi = new double[r.t().length];
        for (int j = 0; j < lo.length; j++) {
            lo[j] = r.fit()[j] - r.band()[j];
            hi[j] = r.fit()[j] + r.band()[j];
        }
        Plots.line("Logistic growth fit (Levenberg-Marquardt)").axes("t", "y")
                .band("fit ± 2 sd", r.t(), lo, hi)
                .points("data", r.t(), r.y())
                .series("fit", r.t(), r.fit())
                .writePng(plot);
    }
}
