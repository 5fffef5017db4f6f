package dev.argdiff.perturbations;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Perturbed optimizers (Berthet, Blondel, Teboul, Cuturi, Vert, Bach, "Learning with
 * differentiable perturbed optimizers", NeurIPS 2020), JAXopt's {@code jaxopt.perturbations}:
 * smooth, differentiable surrogates of a piecewise-constant argmax (a ranking, a shortest path,
 * a one-hot argmax…) by averaging it over random perturbations of its input,
 * <pre>
 *   y_σ(θ) = E[argmax(θ + σZ)],   F_σ(θ) = E[max(θ + σZ)] = E[⟨argmax(θ + σZ), θ + σZ⟩],   f_σ(θ) = E[f(θ + σZ)]
 * </pre>
 * estimated by Monte Carlo with {@code numSamples} draws of Z (i.i.d. {@link Noise#GUMBEL} or
 * {@link Noise#NORMAL} per coordinate) from a fixed seed: each function is deterministic, and the
 * same draws serve its value and its derivative.
 *
 * <p><b>Derivatives</b>, as custom rules, in forward and reverse mode:
 * <ul>
 *   <li>{@link #max}: ∇F_σ = y_σ (the gradient of the smoothed max is the perturbed argmax),
 *       estimated on the same draws; y_σ is itself {@link #argmax}, so F_σ has a second
 *       derivative too.</li>
 *   <li>{@link #argmax} and {@link #fun}: the score-function estimator
 *       J·v = E[g(θ + σZ)·⟨∇(−log ν)(Z), v⟩]/σ, optionally with g(θ) subtracted as a control
 *       variate (lower variance, same mean). Their derivatives of order 2 and more are not
 *       estimated: differentiating through their Jacobian throws (differentiate {@link #max}
 *       twice instead).</li>
 * </ul>
 * The argmax or f is called on concrete tensors only and must be deterministic; everything a
 * perturbed function is differentiated with respect to is its input θ (pass the rest as
 * constants captured by the argmax).
 *
 * <p><b>Shapes</b>: θ has any shape; the argmax maps a tensor of θ's shape to any fixed shape.
 * {@link #max} needs argmax outputs of θ's shape (one-hot rows along the last axis, typically)
 * and returns one value per row, shape θ.shape[:-1] (0-d for a vector); JAXopt sums the rows.
 *
 * <p>Defaults, as JAXopt: 1000 samples, σ = 0.1, Gumbel noise, no control variate, seed 0.
 */
public final class Perturbed {
    private Perturbed() {
    }

    /**
     * @param numSamples     Monte Carlo draws (≥ 1)
     * @param sigma          the noise scale σ (&gt; 0)
     * @param noise          the distribution of Z
     * @param seed           the seed of the draws
     * @param controlVariate subtract g(θ) in the score-function estimator ({@link #argmax}, {@link #fun})
     */
    public record Options(int numSamples, double sigma, Noise noise, long seed, boolean controlVariate) {
        public Options {
            if (numSamples < 1) {
                throw new IllegalArgumentException("Perturbed: numSamples must be >= 1, got " + numSamples);
            }
            if (!(sigma > 0) || Double.isInfinite(sigma)) {
                throw new IllegalArgumentException("Perturbed: sigma must be finite and > 0, got " + sigma);
            }
            if (noise == null) {
                throw new IllegalArgumentException("Perturbed: noise is null");
            }
        }

        /** 1000 Gumbel samples, σ = 0.1, seed 0, no control variate (JAXopt's defaults). */
        public static Options defaults() {
            return new Options(1000, 0.1, Noise.GUMBEL, 0L, false);
        }

        public Options withNumSamples(int value) {
            return new Options(value, sigma, noise, seed, controlVariate);
        }

        public Options withSigma(double value) {
            return new Options(numSamples, value, noise, seed, controlVariate);
        }

        public Options withNoise(Noise value) {
            return new Options(numSamples, sigma, value, seed, controlVariate);
        }

        public Options withSeed(long value) {
            return new Options(numSamples, sigma, noise, value, controlVariate);
        }

        public Options withControlVariate(boolean value) {
            return new Options(numSamples, sigma, noise, seed, value);
        }
    }

    /**
     * The one-hot argmax along the last axis (ties to the first index): the argmax of the
     * linear program max ⟨y, θ⟩ over the simplex, the usual input of {@link #argmax} and {@link #max}.
     */
    public static Tensor oneHotArgmax(Tensor theta) {
        if (theta.rank() == 0 || theta.dim(theta.rank() - 1) == 0) {
            throw new ShapeException("Perturbed.oneHotArgmax: needs a non-empty last axis, got shape "
                    + Shapes.str(theta.shape()));
        }
        int k = theta.dim(theta.rank() - 1);
        double[] v = theta.toArray();
        double[] out = new double[v.length];
        for (int r = 0; r < v.length / k; r++) {
            int best = 0;
            for (int j = 1; j < k; j++) {
                if (v[r * k + j] > v[r * k + best]) {
                    best = j;
                }
            }
            out[r * k + best] = 1;
        }
        return Tensor.of(theta.shape(), out);
    }

    /** The perturbed argmax y_σ(θ) = E[argmax(θ + σZ)], differentiable by the score-function estimator. */
    public static Function<Tensor, Tensor> argmax(Function<Tensor, Tensor> argmaxFn, Options options) {
        return scoreFunctionEstimator("Perturbed.argmax", argmaxFn, options);
    }

    /** The perturbed f_σ(θ) = E[f(θ + σZ)], differentiable by the score-function estimator. */
    public static Function<Tensor, Tensor> fun(Function<Tensor, Tensor> f, Options options) {
        return scoreFunctionEstimator("Perturbed.fun", f, options);
    }

    /**
     * The perturbed max F_σ(θ) = E[⟨argmax(θ + σZ), θ + σZ⟩], summed along the last axis (one
     * value per row), with gradient the perturbed argmax on the same draws.
     */
    public static Function<Tensor, Tensor> max(Function<Tensor, Tensor> argmaxFn, Options options) {
        check("Perturbed.max", argmaxFn, options);
        Function<Tensor, Tensor> gradient = argmax(argmaxFn, options);
        return Autodiff.customDerivatives(
                (Tensor theta) -> {
                    requireInput("Perturbed.max", theta);
                    Draws d = Draws.of(theta, options);
                    int k = theta.dim(theta.rank() - 1);
                    int rows = theta.size() / k;
                    double[] sum = new double[rows];
                    for (int n = 0; n < options.numSamples(); n++) {
                        Tensor perturbed = d.perturbed(theta, n);
                        double[] y = call("Perturbed.max", argmaxFn, perturbed, theta.shape());
                        double[] p = perturbed.toArray();
                        for (int i = 0; i < y.length; i++) {
                            sum[i / k] += y[i] * p[i];
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        sum[r] /= options.numSamples();
                    }
                    return Tensor.of(Arrays.copyOf(theta.shape(), theta.rank() - 1), sum);
                },
                (theta, out, tangent) -> gradient.apply(theta).mul(tangent).sum(-1),
                (theta, out, cotangent) -> {
                    int[] s = Arrays.copyOf(cotangent.shape(), cotangent.rank() + 1);
                    s[cotangent.rank()] = 1;
                    return gradient.apply(theta).mul(cotangent.reshape(s));
                });
    }

    private static Function<Tensor, Tensor> scoreFunctionEstimator(String op, Function<Tensor, Tensor> g,
                                                                   Options options) {
        check(op, g, options);
        return Autodiff.customDerivatives(
                (Tensor theta) -> {
                    requireInput(op, theta);
                    Samples s = Samples.of(op, g, theta, options);
                    return s.mean();
                },
                (theta, out, tangent) -> {
                    // J·v = Σₙ (gₙ − c)·⟨scoreₙ, v⟩ / (Nσ): outputs and scores are constants, linear in v.
                    Samples s = Samples.of(op, g, concreteOrThrow(op, theta), options);
                    Tensor weights = s.scores().matmul(tangent.reshape(theta.size()));
                    return s.centered().transposeMatmul(weights).div(options.numSamples() * options.sigma())
                            .reshape(s.outputShape());
                },
                (theta, out, cotangent) -> {
                    Samples s = Samples.of(op, g, concreteOrThrow(op, theta), options);
                    Tensor perSample = s.centered().matmul(cotangent.reshape(s.outputSize()));
                    return s.scores().transposeMatmul(perSample).div(options.numSamples() * options.sigma())
                            .reshape(theta.shape());
                });
    }

    /**
     * The rules read the draws' outputs as constants: their derivative in θ is not estimated, so
     * a rule met with a traced θ (a derivative of order ≥ 2) must refuse rather than return 0.
     */
    private static Tensor concreteOrThrow(String op, Tensor theta) {
        if (theta.isTraced()) {
            throw new UnsupportedOperationException(op + ": derivatives of order 2 and higher are not available (the "
                    + "Jacobian is a score-function estimate on fixed draws); differentiate Perturbed.max twice instead");
        }
        return theta;
    }

    private static void check(String op, Function<Tensor, Tensor> f, Options options) {
        if (f == null) {
            throw new IllegalArgumentException(op + ": the function is null");
        }
        if (options == null) {
            throw new IllegalArgumentException(op + ": options is null");
        }
    }

    private static void requireInput(String op, Tensor theta) {
        if (theta == null) {
            throw new IllegalArgumentException(op + ": theta is null");
        }
        if (!theta.isFinite()) {
            throw new IllegalArgumentException(op + ": theta contains NaN or an infinity");
        }
        if (op.equals("Perturbed.max") && (theta.rank() == 0 || theta.dim(theta.rank() - 1) == 0)) {
            throw new ShapeException(op + ": theta needs a non-empty last axis, got shape " + Shapes.str(theta.shape()));
        }
    }

    private static double[] call(String op, Function<Tensor, Tensor> f, Tensor input, int[] expectedShape) {
        Tensor y = f.apply(input);
        if (y == null) {
            throw new IllegalStateException(op + ": the function returned null");
        }
        if (expectedShape != null && !Arrays.equals(y.shape(), expectedShape)) {
            throw new ShapeException(op + ": the argmax must return the input's shape " + Shapes.str(expectedShape)
                    + ", got " + Shapes.str(y.shape()));
        }
        return y.toArray();
    }

    /** The N draws of Z for θ's shape, from the seed (the same draws for every θ of that size). */
    private record Draws(double[] z, int d, double sigma) {
        static Draws of(Tensor theta, Options o) {
            int d = theta.size();
            SplittableRandom rng = new SplittableRandom(o.seed());
            double[] z = new double[o.numSamples() * d];
            for (int i = 0; i < z.length; i++) {
                z[i] = o.noise().sample(rng);
            }
            return new Draws(z, d, o.sigma());
        }

        /** θ + σ·Zₙ, concrete. */
        Tensor perturbed(Tensor theta, int n) {
            double[] t = theta.concrete().toArray();
            double[] p = new double[d];
            for (int i = 0; i < d; i++) {
                p[i] = t[i] + sigma * z[n * d + i];
            }
            return Tensor.of(theta.shape(), p);
        }
    }

    /** g at every draw: outputs (N×e), scores ∇(−log ν)(Zₙ) (N×d), and their summaries. */
    private record Samples(Tensor outputs, Tensor scores, Tensor baseline, int[] outputShape) {
        static Samples of(String op, Function<Tensor, Tensor> g, Tensor theta, Options o) {
            Draws draws = Draws.of(theta, o);
            int n = o.numSamples();
            int d = theta.size();
            Tensor y0 = g.apply(draws.perturbed(theta, 0));
            if (y0 == null) {
                throw new IllegalStateException(op + ": the function returned null");
            }
            int[] outShape = y0.shape();
            double[] first = y0.toArray();
            int e = first.length;
            double[] out = new double[n * e];
            System.arraycopy(first, 0, out, 0, e);
            for (int k = 1; k < n; k++) {
                double[] y = call(op, g, draws.perturbed(theta, k), outShape);
                System.arraycopy(y, 0, out, k * e, e);
            }
            double[] sc = new double[n * d];
            for (int i = 0; i < sc.length; i++) {
                sc[i] = o.noise().score(draws.z()[i]);
            }
            Tensor baseline = null;
            if (o.controlVariate()) {
                baseline = Tensor.of(new int[] {e}, call(op, g, theta.concrete(), outShape));
            }
            return new Samples(Tensor.of(new int[] {n, e}, out), Tensor.of(new int[] {n, d}, sc), baseline, outShape);
        }

        int outputSize() {
            return outputs.dim(1);
        }

        Tensor mean() {
            return outputs.mean(0).reshape(outputShape);
        }

        /** The outputs minus the control variate g(θ), when one is used. */
        Tensor centered() {
            return baseline == null ? outputs : outputs.sub(baseline);
        }
    }
}
