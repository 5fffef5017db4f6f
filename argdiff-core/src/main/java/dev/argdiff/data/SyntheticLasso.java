package dev.argdiff.data;

import dev.argdiff.tensor.Tensor;

/**
 * The synthetic lasso problems of argdiff's benchmarks, defined bit for bit so that any
 * implementation builds the same data: a SplitMix64 stream with seed 42 whose first n·p values
 * fill A row-major as 2u − 1 and the next n values fill b the same way, with
 * u = (z >>> 11)·2⁻⁵³. Objective ½·mean((A w − b)²) + λ‖w‖₁ with λ = 0.1·max|Aᵀb|/n.
 *
 * @param a      the n×p design matrix
 * @param b      the n targets
 * @param lambda the regularization 0.1·λ_max
 */
public record SyntheticLasso(Tensor a, Tensor b, double lambda) {

    /** The default seed of the benchmark problems. */
    public static final long SEED = 42L;

    /** The problem of size n×p from the seed-42 stream. */
    public static SyntheticLasso generate(int n, int p) {
        if (n < 1 || p < 1) {
            throw new IllegalArgumentException("SyntheticLasso.generate: n and p must be >= 1, got " + n + "x" + p);
        }
        SplitMix64 rng = new SplitMix64(SEED);
        double[] a = new double[n * p];
        for (int i = 0; i < a.length; i++) {
            a[i] = 2 * rng.nextUnit() - 1;
        }
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = 2 * rng.nextUnit() - 1;
        }
        double lambdaMax = 0;
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += a[i * p + j] * b[i];
            }
            lambdaMax = Math.max(lambdaMax, Math.abs(s));
        }
        return new SyntheticLasso(Tensor.of(new int[] {n, p}, a), Tensor.of(b), 0.1 * lambdaMax / n);
    }

    /** SplitMix64 (Steele, Lea, Flood 2014), as specified in the reference file. */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            this.state = seed;
        }

        long next() {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** A double in [0, 1) from the top 53 bits. */
        double nextUnit() {
            return (next() >>> 11) * 0x1.0p-53;
        }
    }
}
