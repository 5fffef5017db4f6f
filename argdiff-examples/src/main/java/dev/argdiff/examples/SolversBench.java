package dev.argdiff.examples;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.BFGS;
import dev.argdiff.solvers.GaussNewton;
import dev.argdiff.solvers.IterativeSolver;
import dev.argdiff.solvers.LBFGS;
import dev.argdiff.solvers.LevenbergMarquardt;
import dev.argdiff.solvers.NonlinearCG;
import dev.argdiff.solvers.SolverResult;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * The solver comparison of {@code argdiff bench solvers}: LBFGS, BFGS, NonlinearCG (as objectives)
 * and GaussNewton, LevenbergMarquardt (as residuals) on the extended Rosenbrock function of
 * Moré, Garbow and Hillstrom, Σ over pairs 100(x_{2i} − x_{2i−1}²)² + (a − x_{2i−1})² (θ = a = 1,
 * x* = 1, start (−1.2, 1, −1.2, …), d(Σx*)/da = (n/2)(1 + 2a) = 1.5n; the chained variant has a
 * second local minimizer from this start) and an L2
 * logistic regression (θ = λ; residual solvers do not apply). For each: iterations, evaluations
 * of the objective or residual (a gradient or a Jacobian counts as one), status, median solve
 * time, and the time of solve + implicit derivative d(Σx*)/dθ relative to the solve.
 */
final class SolversBench {
    private SolversBench() {
    }

    /** One measured (problem, solver). */
    record Row(String problem, String solver, int iterations, long evaluations, String status, double error,
               double solveMs, double gradMs, double gradRatio, double derivative) {
    }

    record Logistic(Tensor x, Tensor y, Tensor lam) {
    }

    static Tensor rosenbrock(Tensor x, Tensor a) {
        Tensor pq = x.reshape(x.size() / 2, 2);
        Tensor p = pq.transpose().row(0);
        Tensor q = pq.transpose().row(1);
        return q.sub(p.square()).square().mul(100).add(p.neg().add(a).square()).sum();
    }

    static Tensor rosenbrockResidual(Tensor x, Tensor a) {
        Tensor pq = x.reshape(x.size() / 2, 2);
        Tensor p = pq.transpose().row(0);
        Tensor q = pq.transpose().row(1);
        return Tensor.concatenate(List.of(q.sub(p.square()).mul(10), p.neg().add(a)), 0);
    }

    static Tensor logistic(Tensor w, Logistic d) {
        Tensor z = d.x().matmul(w);
        return z.softplus().sub(d.y().mul(z)).mean().add(d.lam().mul(0.5).mul(w.squaredNorm()));
    }

    static Logistic logisticData(int n, int p) {
        Tensor x = Tensor.randomNormal(1, n, p).div(Math.sqrt(p));
        Tensor wTrue = Tensor.randomNormal(2, p);
        Tensor prob = x.matmul(wTrue).sigmoid();
        Tensor u = Tensor.randomUniform(3, n);
        return new Logistic(x, u.lt(prob), Tensor.scalar(1e-2));
    }

    static <A> Row measure(String problem, String name, IterativeSolver<Tensor, A, ?, ?> solver, Tensor x0,
                           java.util.function.Function<Tensor, A> args, double theta, AtomicLong counter,
                           int repeats) {
        // Warm-up (JIT) for at least WARMUP_MS and two rounds, then solve and derivative timed alternately, so that
        // neither column is charged with the other's compilation (with one warm-up round, the solves timed first
        // still ran partly interpreted: NonlinearCG on Rosenbrock n = 1000 measured 504 ms solve, 38 ms derivative).
        SolverResult<Tensor, ?> r = solver.run(x0, args.apply(Tensor.scalar(theta)));
        boolean differentiable = r.converged();
        // A single timed run (a smoke test) gets the two warm-up rounds only.
        // Fast cases also run at least MIN_WARMUP_ROUNDS (within MAX_WARMUP_MS): after 1 s the first case, LBFGS on
        // Rosenbrock n = 2, still measured 7.7 ms per solve, 0.36 ms once its code was compiled (~800 runs).
        long start = System.nanoTime();
        long warmupEnd = start + (repeats > 1 ? WARMUP_MS * 1_000_000L : 0);
        long warmupCap = start + (repeats > 1 ? MAX_WARMUP_MS * 1_000_000L : 0);
        for (int round = 0; round < 2 || (System.nanoTime() < warmupEnd && round < MAX_WARMUP_ROUNDS)
                || (round < MIN_WARMUP_ROUNDS && System.nanoTime() < warmupCap); round++) {
            solver.run(x0, args.apply(Tensor.scalar(theta)));
            if (differentiable) {
                Autodiff.grad((Tensor t) -> solver.run(x0, args.apply(t)).params().sum()).apply(Tensor.scalar(theta));
            }
        }
        double[] solve = new double[repeats];
        double[] grad = new double[repeats];
        long evals = 0;
        double derivative = Double.NaN;
        for (int i = 0; i < repeats; i++) {
            counter.set(0);
            long t0 = System.nanoTime();
            r = solver.run(x0, args.apply(Tensor.scalar(theta)));
            solve[i] = (System.nanoTime() - t0) / 1e6;
            evals = counter.get();
            if (differentiable) {
                t0 = System.nanoTime();
                derivative = Autodiff.grad((Tensor t) -> solver.run(x0, args.apply(t)).params().sum())
                        .apply(Tensor.scalar(theta)).item();
                grad[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double s = median(solve);
        double g = r.converged() ? median(grad) : Double.NaN;
        return new Row(problem, name, r.iterations(), evals, r.status().toString(), r.error(), s, g, g / s,
                derivative);
    }

    /** The least warm-up time per case, in milliseconds. */
    private static final long WARMUP_MS = 1000;
    /** The most warm-up rounds per case (slow cases stop after two). */
    private static final int MAX_WARMUP_ROUNDS = 1000;
    /** The least warm-up rounds per case, unless they take longer than {@link #MAX_WARMUP_MS}. */
    private static final int MIN_WARMUP_ROUNDS = 400;
    /** The most time the minimum number of rounds may take, in milliseconds. */
    private static final long MAX_WARMUP_MS = 5000;

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    /** Measures every case; {@code done} hears each row as soon as it is measured. */
    static List<Row> run(List<Integer> rosenbrockSizes, boolean logistic, int repeats, double tol, int maxiter,
                         java.util.function.Consumer<Row> done) {
        List<Row> rows = new ArrayList<>() {
            @Override
            public boolean add(Row row) {
                done.accept(row);
                return super.add(row);
            }
        };
        Runnable step = () -> { };
        AtomicLong count = new AtomicLong();
        BiFunction<Tensor, Tensor, Tensor> f = (x, a) -> {
            count.incrementAndGet();
            return rosenbrock(x, a);
        };
        BiFunction<Tensor, Tensor, Tensor> r = (x, a) -> {
            count.incrementAndGet();
            return rosenbrockResidual(x, a);
        };
        for (int n : rosenbrockSizes) {
            double[] start = new double[n];
            for (int i = 0; i < n; i++) {
                start[i] = i % 2 == 0 ? -1.2 : 1.0;
            }
            Tensor x0 = Tensor.of(start);
            String p = "rosenbrock n=" + n;
            java.util.function.Function<Tensor, Tensor> id = t -> t;
            rows.add(measure(p, "LBFGS", LBFGS.of(f).tol(tol).maxiter(maxiter), x0, id, 1.0, count, repeats));
            step.run();
            rows.add(measure(p, "BFGS", BFGS.of(f).tol(tol).maxiter(maxiter), x0, id, 1.0, count, repeats));
            step.run();
            rows.add(measure(p, "NonlinearCG", NonlinearCG.of(f).tol(tol).maxiter(maxiter), x0, id, 1.0, count,
                    repeats));
            step.run();
            rows.add(measure(p, "GaussNewton", GaussNewton.of(r).tol(tol).maxiter(maxiter), x0, id, 1.0, count,
                    repeats));
            step.run();
            rows.add(measure(p, "LevenbergMarquardt", LevenbergMarquardt.of(r).tol(tol).maxiter(maxiter), x0, id, 1.0,
                    count, repeats));
            step.run();
        }
        if (logistic) {
            Logistic d = logisticData(2000, 1000);
            BiFunction<Tensor, Logistic, Tensor> lf = (w, a) -> {
                count.incrementAndGet();
                return logistic(w, a);
            };
            java.util.function.Function<Tensor, Logistic> la = t -> new Logistic(d.x(), d.y(), t);
            Tensor w0 = Tensor.zeros(1000);
            String p = "logistic 2000x1000";
            rows.add(measure(p, "LBFGS", LBFGS.of(lf).tol(tol).maxiter(maxiter), w0, la, 1e-2, count, repeats));
            step.run();
            rows.add(measure(p, "BFGS", BFGS.of(lf).tol(tol).maxiter(maxiter), w0, la, 1e-2, count, repeats));
            step.run();
            rows.add(measure(p, "NonlinearCG", NonlinearCG.of(lf).tol(tol).maxiter(maxiter), w0, la, 1e-2, count,
                    repeats));
            step.run();
        }
        return rows;
    }
}
