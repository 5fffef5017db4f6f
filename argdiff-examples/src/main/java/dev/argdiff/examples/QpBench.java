package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.solvers.OSQP;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The QP benchmark: random dense problems min ½xᵀQx + cᵀx s.t. Gx ≤ h with n unknowns and m =
 * n/2 inequalities (Q = MᵀM/n + 0.1·I, G Gaussian, h = Gx₀ + slack with about a third of the
 * constraints active at x₀'s neighbourhood), solved by {@link OSQP} from zero. Reports the median
 * wall time of the solve alone and of the solve plus the implicit gradient of ½‖x*‖² with respect
 * to c and h (reverse mode through the KKT conditions), their ratio, and the KKT residuals reached.
 */
public final class QpBench {
    private QpBench() {
    }

    /** The least warm-up time per size, in milliseconds. */
    private static final long WARMUP_MS = 2000;
    /** The most warm-up rounds per size (slow sizes stop after two). */
    private static final int MAX_WARMUP_ROUNDS = 1000;

    /** @param sizes the values of n; @param repeats timed runs after the warm-up */
    public record Options(List<Integer> sizes, int repeats, double tol) {
        public Options {
            if (sizes == null || sizes.isEmpty()) {
                throw new IllegalArgumentException("--sizes must name at least one n");
            }
            for (int n : sizes) {
                if (n < 2) {
                    throw new IllegalArgumentException("--sizes: n must be >= 2, got " + n);
                }
            }
            if (repeats < 1) {
                throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
            }
            if (!(tol > 0)) {
                throw new IllegalArgumentException("--tol must be > 0, got " + tol);
            }
        }
    }

    /**
     * One size: medians in milliseconds, the ratio, the iterations, the active constraints and the
     * residuals (∞-norms: primal max(Gx − h, 0), dual Qx + c + Gᵀλ, complementarity λ∘(Gx − h)).
     */
    public record Row(int n, int m, int repeats, double solveMs, double derivativeMs, double ratio, int iterations,
                      String status, int active, double primalResidual, double dualResidual,
                      double complementarity, double gradNormC, double gradNormH) {
    }

    /** The gradient's arguments: the data the derivative is taken with respect to. */
    record Data(Tensor c, Tensor h) {
    }

    static OSQP.Problem problem(int n, Tensor q, Tensor g, Data d) {
        return new OSQP.Problem(q, d.c(), null, null, g, d.h());
    }

    public static Row measure(int n, Options options, Runnable step) {
        int m = n / 2;
        Random rnd = new Random(n);
        double[] mm = gaussian(rnd, n * n);
        Tensor mt = Tensor.of(new int[]{n, n}, mm);
        Tensor q = mt.transposeMatmul(mt).div(n).add(Tensor.eye(n).mul(0.1));
        double[] qa = q.toArray();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = 0.5 * (qa[i * n + j] + qa[j * n + i]);
                qa[i * n + j] = v;
                qa[j * n + i] = v;
            }
        }
        Tensor qs = Tensor.of(new int[]{n, n}, qa);
        Tensor g = Tensor.of(new int[]{m, n}, gaussian(rnd, m * n));
        double[] c = gaussian(rnd, n);
        double[] h = new double[m];
        for (int i = 0; i < m; i++) {
            h[i] = rnd.nextDouble();
        }
        Data data = new Data(Tensor.of(c), Tensor.of(h));
        OSQP solver = OSQP.create().tol(options.tol()).maxiter(10_000);
        // Warm-up (JIT: at least two rounds and WARMUP_MS, or two rounds for a single timed run), and the values
        // reported. With one round, n = 500 measured a 133 ms solve against 102 ms for solve + derivative.
        SolverResult<Kkt.Point<Tensor>, OSQP.State> r = solver.run(problem(n, qs, g, data));
        Data grad = gradient(solver, n, qs, g, data);
        long warmupEnd = System.nanoTime() + (options.repeats() > 1 ? WARMUP_MS * 1_000_000L : 0);
        for (int round = 1; round < 2 || (System.nanoTime() < warmupEnd && round < MAX_WARMUP_ROUNDS); round++) {
            solver.run(problem(n, qs, g, data));
            gradient(solver, n, qs, g, data);
        }
        double[] solve = new double[options.repeats()];
        double[] deriv = new double[options.repeats()];
        for (int k = 0; k < options.repeats(); k++) {
            long t0 = System.nanoTime();
            solver.run(problem(n, qs, g, data));
            long t1 = System.nanoTime();
            gradient(solver, n, qs, g, data);
            long t2 = System.nanoTime();
            solve[k] = (t1 - t0) / 1e6;
            deriv[k] = (t2 - t1) / 1e6;
            step.run();
        }
        double[] x = r.params().primal().toArray();
        double[] lambda = r.params().ineqDual().toArray();
        double[] gx = g.matmul(r.params().primal()).toArray();
        double[] stat = qs.matmul(r.params().primal()).add(data.c()).add(g.transposeMatmul(r.params().ineqDual()))
                .toArray();
        double primal = 0;
        double comp = 0;
        int active = 0;
        for (int i = 0; i < m; i++) {
            primal = Math.max(primal, gx[i] - h[i]);
            comp = Math.max(comp, Math.abs(lambda[i] * (gx[i] - h[i])));
            active += lambda[i] > 0 ? 1 : 0;
        }
        double dual = 0;
        for (double v : stat) {
            dual = Math.max(dual, Math.abs(v));
        }
        double ms = median(solve);
        // The solve + derivative time is the solve plus the derivative's own time (measured separately above:
        // a gradient call re-runs the solve inside its evaluation).
        double md = median(deriv);
        return new Row(n, m, options.repeats(), ms, md, md / ms, r.iterations(), r.status().name(), active,
                Math.max(primal, 0), dual, comp, grad.c().norm().item(), grad.h().norm().item());
    }

    /** Solve plus the implicit gradient of ½‖x*‖² with respect to (c, h): one call, the solve included. */
    private static Data gradient(OSQP solver, int n, Tensor q, Tensor g, Data data) {
        return Autodiff.grad((Data d) -> solver.run(problem(n, q, g, d)).params().primal().squaredNorm().mul(0.5))
                .apply(data);
    }

    private static double[] gaussian(Random rnd, int size) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int k = s.length;
        return k % 2 == 1 ? s[k / 2] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
    }
}
