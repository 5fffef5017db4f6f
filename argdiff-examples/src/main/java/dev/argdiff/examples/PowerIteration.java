package dev.argdiff.examples;

import java.util.SplittableRandom;

/**
 * The largest-magnitude eigenvalue of a dense symmetric matrix by power iteration; for a
 * positive semidefinite matrix (a convex loss's Hessian) that is the largest eigenvalue.
 */
public final class PowerIteration {

    /**
     * The result: eigenvalue λ (the Rayleigh quotient vᵀAv), unit eigenvector v, iterations
     * used, final residual ‖Av − λv‖, and whether the residual reached {@code tol·|λ|}.
     */
    public record Result(double value, double[] vector, int iterations, double residual, boolean converged) {
    }

    private PowerIteration() {
    }

    /**
     * Power iteration on the symmetric dim×dim row-major matrix {@code a} from a fixed
     * pseudo-random start, stopping when ‖Av − λv‖ ≤ tol·|λ|. For a symmetric matrix an
     * eigenvalue then lies within tol·|λ| of λ.
     *
     * @throws IllegalArgumentException if the sizes do not match, maxIterations &lt; 1 or tol ≤ 0
     */
    public static Result largest(double[] a, int dim, int maxIterations, double tol) {
        if (dim < 1 || a.length != (long) dim * dim) {
            throw new IllegalArgumentException("PowerIteration: matrix has " + a.length + " entries, expected "
                    + dim + "×" + dim);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("PowerIteration: maxIterations must be ≥ 1, got " + maxIterations);
        }
        if (!(tol > 0)) {
            throw new IllegalArgumentException("PowerIteration: tol must be > 0, got " + tol);
        }
        SplittableRandom random = new SplittableRandom(20240611L);
        double[] v = new double[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = random.nextDouble(-1.0, 1.0);
        }
        normalize(v);
        double[] av = new double[dim];
        double lambda = 0;
        double residual = Double.POSITIVE_INFINITY;
        int k = 0;
        while (k < maxIterations) {
            k++;
            multiply(a, dim, v, av);
            lambda = dot(v, av);
            double r2 = 0;
            for (int i = 0; i < dim; i++) {
                double r = av[i] - lambda * v[i];
                r2 += r * r;
            }
            residual = Math.sqrt(r2);
            if (residual <= tol * Math.abs(lambda)) {
                return new Result(lambda, v, k, residual, true);
            }
            // Av ≠ 0 here: Av = 0 would have met the test above with λ = 0 and residual 0.
            normalize(av);
            double[] t = v;
            v = av;
            av = t;
        }
        return new Result(lambda, v, k, residual, false);
    }

    private static void multiply(double[] a, int dim, double[] v, double[] out) {
        for (int i = 0; i < dim; i++) {
            double s = 0;
            int row = i * dim;
            for (int j = 0; j < dim; j++) {
                s += a[row + j] * v[j];
            }
            out[i] = s;
        }
    }

    private static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static void normalize(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
    }
}
