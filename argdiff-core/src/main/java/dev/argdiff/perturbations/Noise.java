package dev.argdiff.perturbations;

import java.util.SplittableRandom;

/**
 * The noise distributions of perturbed optimizers, with what their estimators need: a sampler
 * and the gradient of the negative log-density, ∇(−log ν)(z), the score of the
 * score-function (Stein) estimator.
 */
public enum Noise {
    /** Standard Gumbel: density exp(−z − e^(−z)); −d/dz log ν = 1 − e^(−z); mean γ (Euler's constant). */
    GUMBEL {
        @Override
        double sample(SplittableRandom rng) {
            // u in (0, 1), never 0 or 1, so the double logarithm is finite.
            double u = ((rng.nextLong() >>> 11) + 0.5) * 0x1.0p-53;
            return -Math.log(-Math.log(u));
        }

        @Override
        double score(double z) {
            return 1 - Math.exp(-z);
        }
    },
    /** Standard normal: −d/dz log ν = z. */
    NORMAL {
        @Override
        double sample(SplittableRandom rng) {
            return rng.nextGaussian();
        }

        @Override
        double score(double z) {
            return z;
        }
    };

    abstract double sample(SplittableRandom rng);

    /** ∇(−log ν)(z), per coordinate (the noise is i.i.d. across coordinates). */
    abstract double score(double z);
}
