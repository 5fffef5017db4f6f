package dev.argdiff.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.argdiff.ad.Autodiff;
import dev.argdiff.backend.Blas;
import dev.argdiff.data.SyntheticLasso;
import dev.argdiff.implicit.ImplicitOptions;
import dev.argdiff.prox.Prox;
import dev.argdiff.solvers.ProximalGradient;
import dev.argdiff.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;


/**
 * The lasso hypergradient benchmark: on the synthetic problems of the reference file (bit-exact
 * data, λ = 0.1·λ_max, ProximalGradient with FISTA and backtracking, exactly 200 iterations from
 * w = 0), the median wall time of
 * <ol>
 *   <li>the solve alone,</li>
 *   <li>the solve plus the hypergradient d Σw*² / dλ by implicit differentiation,</li>
 *   <li>the same hypergradient by unrolling the 200 iterations (reverse mode),</li>
 *   <li>the same by unrolling with a checkpoint every {@value #CHECKPOINT_EVERY} iterations,</li>
 * </ol>
 * their ratios, and the heap each differentiation mode retains at the end of its forward pass
 * (the reverse tape: for unrolling, every recorded iteration). The values are printed
 * next to the reference's (JAXopt implicit, PyTorch unrolled) so every run checks correctness.
 */
public final class LassoBench {
    private LassoBench() {
    }

    /** The three problem sizes of the reference file. */
    public static final List<String> SIZES = List.of("200x50", "1000x200", "2000x1000");

    /**
     * @param stepsize {@code "linesearch"} (the solver's backtracking line search, the default) or
     *                 {@code "lipschitz"} (a fixed step 1/L, L = λ_max(AᵀA/n) by a power iteration
     *                 outside the timing): the step of the solver whose derivatives are timed
     */
    public record Options(List<String> sizes, int repeats, int iterations, String stepsize) {
        /** The step-size modes. */
        public static final List<String> STEPSIZES = List.of("linesearch", "lipschitz");

        public Options(List<String> sizes, int repeats, int iterations) {
            this(sizes, repeats, iterations, "linesearch");
        }

        public Options {
            if (!STEPSIZES.contains(stepsize)) {
                throw new IllegalArgumentException("--stepsize: unknown mode '" + stepsize + "', expected one of "
                        + STEPSIZES);
            }
            if (sizes == null || sizes.isEmpty()) {
                throw new IllegalArgumentException("--sizes must name at least one size");
            }
            for (String s : sizes) {
                if (!SIZES.contains(s)) {
                    throw new IllegalArgumentException("--sizes: unknown size '" + s + "', expected one of " + SIZES);
                }
            }
            if (repeats < 1) {
                throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
            }
            if (iterations < 1) {
                throw new IllegalArgumentException("--iterations must be >= 1, got " + iterations);
            }
        }
    }

    /**
     * One size's measurements: medians in milliseconds, ratios to the solve alone, the heap
     * retained at the end of the forward pass in MiB (tape memory), and the values with the reference's.
     * {@code solveMs} and the derivative modes use the step of {@code stepsize}; every row also has
     * the solve with the fixed step 1/L ({@code fixedSolveMs}, L = {@code lipschitz}), with the line
     * search ({@code lineSearchSolveMs}), and the BLAS floor ({@code blasFloorMs}: the two
     * matrix-vector products per iteration that FISTA cannot avoid, A·y and Aᵀ·r, alone).
     * {@code adjointIterations}: the Krylov iterations of the implicit hypergradient's adjoint solve
     * (default GMRES, rtol 1e-10); each is one VJP of the fixed-point residual F, which costs at least
     * the gradient of one solver iteration (the same two products), so
     * {@code implicitFloor} = 1 + adjointIterations / iterations is a lower bound of {@code implicitRatio}.
     */
    public record Row(String size, String stepsize, double lipschitz, double fixedSolveMs, double lineSearchSolveMs,
                      double blasFloorMs, double fixedOverFloor, double lineSearchOverFixed,
                      int iterations, int repeats, double solveMs, double implicitMs, double unrolledMs,
                      int adjointIterations, double implicitFloor,
                      double checkpointedMs, double implicitRatio, double unrolledRatio, double checkpointedRatio,
                      double implicitTapeMiB, double unrolledTapeMiB, double checkpointedTapeMiB,
                      int nnz, double sumsq, double gradImplicit, double gradUnrolled, Integer refNnz, Double refSumsq,
                      Double refGradImplicit, Double refGradUnrolled) {
    }

    record Args(Tensor lam, Tensor a, Tensor b) {
    }

    static Tensor leastSquares(Tensor w, Args a) {
        return a.a().matmul(w).sub(a.b()).square().mean().mul(0.5);
    }

    /** Measures one size. {@code progress} is called after each timed run. */
    public static Row measure(String size, Options options, Runnable progress) {
        String[] nm = size.split("x");
        SyntheticLasso problem = SyntheticLasso.generate(Integer.parseInt(nm[0]), Integer.parseInt(nm[1]));
        int p = problem.a().dim(1);
        Tensor lam = Tensor.scalar(problem.lambda());
        // Exactly `iterations` iterations (tol 0), as in the reference. The problems are not converged to
        // 1e-12 after 200 iterations, so the certification tolerance is set explicitly to 1e-6.
        double lipschitz = lipschitz(problem.a());
        AtomicInteger adjointIterations = new AtomicInteger(-1);
        ProximalGradient<Tensor, Args> lineSearch = ProximalGradient.<Tensor, Args>of(LassoBench::leastSquares,
                        (x, a, s) -> Prox.lasso(x, a.lam(), s))
                .maxiter(options.iterations()).tol(0.0)
                .implicitOptions(ImplicitOptions.defaults().withOptimalityTolerance(1e-6)
                        .withObserver(d -> adjointIterations.set(
                                d.linearSolve() == null ? 0 : d.linearSolve().iterations())));
        ProximalGradient<Tensor, Args> fixed = lineSearch.stepsize(1 / lipschitz);
        ProximalGradient<Tensor, Args> implicit = options.stepsize().equals("lipschitz") ? fixed : lineSearch;
        ProximalGradient<Tensor, Args> unrolled = implicit.implicitDiff(false);
        ProximalGradient<Tensor, Args> checkpointed = unrolled.checkpointEvery(CHECKPOINT_EVERY);
        Tensor w0 = Tensor.zeros(p);
        // A decorated solver remembers its last solution (ImplicitDiff.customRoot): every timed run uses a fresh
        // copy (each option method returns a new solver) so that no run is answered from that memo.
        Supplier<Tensor> solve = () -> fresh(implicit).run(w0, new Args(lam, problem.a(), problem.b())).params();
        Supplier<Tensor> solveFixed = () -> fresh(fixed).run(w0, new Args(lam, problem.a(), problem.b())).params();
        Supplier<Tensor> solveLineSearch = () -> fresh(lineSearch).run(w0, new Args(lam, problem.a(), problem.b()))
                .params();
        Runnable floor = blasFloor(problem.a(), options.iterations());
        Function<ProximalGradient<Tensor, Args>, Tensor> hypergradient = solver -> Autodiff.grad(
                (Tensor l) -> fresh(solver).run(w0, new Args(l, problem.a(), problem.b())).params().squaredNorm())
                .apply(lam);

        // Warm up every path (JIT), then interleave the timed runs (each after an untimed one of its mode) so that
        // drift in the machine's load affects the modes alike.
        Tensor w = solve.get();
        Tensor gImplicit = hypergradient.apply(implicit);
        Tensor gUnrolled = hypergradient.apply(unrolled);
        Tensor gCheckpointed = hypergradient.apply(checkpointed);
        if (Math.abs(gCheckpointed.item() - gUnrolled.item()) > 1e-9 * Math.abs(gUnrolled.item())) {
            throw new IllegalStateException("bench lasso: checkpointed unrolling gave " + gCheckpointed.item()
                    + ", plain unrolling " + gUnrolled.item());
        }
        int adjoint = adjointIterations.get();
        // The small sizes run each mode in a few milliseconds: two rounds leave the JIT mid-compilation (the 200x50
        // fixed-step solve measured 5.8 to 25.8 ms from one run to the next), so warm-up goes on for WARMUP_MS. No
        // cap on the rounds: the derivative code runs once per hypergradient, and 50 rounds (the earlier cap) left it
        // partly compiled at 200x50 (implicit/solve 1.53 there against 1.22 after a few hundred rounds).
        long warmupEnd = System.nanoTime() + (options.repeats() > 1 ? WARMUP_MS * 1_000_000L : 0);
        for (int i = 0; i < WARMUP_RUNS || System.nanoTime() < warmupEnd; i++) {
            solve.get();
            solveFixed.get();
            solveLineSearch.get();
            floor.run();
            hypergradient.apply(implicit);
            hypergradient.apply(unrolled);
            hypergradient.apply(checkpointed);
        }
        // Each timed run follows an untimed run of the same mode: a run right after another mode starts with that
        // mode's code and data in the caches, which cost the 200x50 implicit hypergradient about 0.25 ms (ratio 1.40
        // interleaved, 1.24 when each run followed one of its own kind, in the same JVM) — a user repeats one mode.
        double[][] ms = new double[7][options.repeats()];
        for (int i = 0; i < options.repeats(); i++) {
            ms[0][i] = timeMsAfterOneUntimed(solve::get);
            ms[4][i] = timeMsAfterOneUntimed(solveFixed::get);
            ms[5][i] = timeMsAfterOneUntimed(solveLineSearch::get);
            ms[6][i] = timeMsAfterOneUntimed(floor);
            ms[1][i] = timeMsAfterOneUntimed(() -> hypergradient.apply(implicit));
            ms[2][i] = timeMsAfterOneUntimed(() -> hypergradient.apply(unrolled));
            ms[3][i] = timeMsAfterOneUntimed(() -> hypergradient.apply(checkpointed));
            if (progress != null) {
                progress.run();
            }
        }
        double solveMs = median(ms[0]);
        double implicitMs = median(ms[1]);
        double unrolledMs = median(ms[2]);
        double checkpointedMs = median(ms[3]);
        double fixedMs = median(ms[4]);
        double lineSearchMs = median(ms[5]);
        double floorMs = median(ms[6]);
        double implicitTape = tapeMiB(implicit, problem, lam, w0);
        double unrolledTape = tapeMiB(unrolled, problem, lam, w0);
        double checkpointedTape = tapeMiB(checkpointed, problem, lam, w0);

        int nnz = 0;
        for (double v : w.toArray()) {
            nnz += v != 0 ? 1 : 0;
        }
        JsonObject ref = reference(size);
        return new Row(size, options.stepsize(), lipschitz, fixedMs, lineSearchMs, floorMs, fixedMs / floorMs,
                lineSearchMs / fixedMs, options.iterations(), options.repeats(), solveMs, implicitMs, unrolledMs,
                adjoint, 1 + adjoint / (double) options.iterations(), checkpointedMs,
                implicitMs / solveMs, unrolledMs / solveMs, checkpointedMs / solveMs, implicitTape, unrolledTape,
                checkpointedTape, nnz, w.squaredNorm().item(),
                gImplicit.item(), gUnrolled.item(),
                ref == null ? null : ref.get("nnz").getAsInt(),
                ref == null ? null : ref.get("sumsq_w").getAsDouble(),
                ref == null ? null : ref.get("dsumsq_dlam_implicit_jaxopt").getAsDouble(),
                ref == null ? null : ref.get("dsumsq_dlam_unrolled_pytorch").getAsDouble());
    }

    /**
     * λ_max(AᵀA/n), the Lipschitz constant of the gradient of ½·mean((Aw − b)²), by a power
     * iteration (until the Rayleigh quotient changes by less than 1e-13 relative, at most 10000 steps).
     */
    static double lipschitz(Tensor a) {
        int n = a.dim(0);
        int p = a.dim(1);
        double[] m = a.toArray();
        double[] v = new double[p];
        Arrays.fill(v, 1 / Math.sqrt(p));
        double[] av = new double[n];
        double[] w = new double[p];
        double previous = 0;
        for (int k = 0; k < 10_000; k++) {
            Blas.gemv(false, n, p, 1.0, m, 0, v, 0, 0.0, av, 0);
            Blas.gemv(true, n, p, 1.0 / n, m, 0, av, 0, 0.0, w, 0);
            double rayleigh = Blas.dot(p, v, 0, w, 0);
            double norm = Blas.nrm2(p, w, 0);
            for (int i = 0; i < p; i++) {
                v[i] = w[i] / norm;
            }
            if (Math.abs(rayleigh - previous) <= 1e-13 * rayleigh) {
                return rayleigh;
            }
            previous = rayleigh;
        }
        return previous;
    }

    /**
     * The products FISTA cannot avoid: per iteration one A·y and one Aᵀ·r (BLAS dgemv on the
     * problem's arrays), {@code iterations} times, with the vectors kept as they are.
     */
    static Runnable blasFloor(Tensor a, int iterations) {
        int n = a.dim(0);
        int p = a.dim(1);
        double[] m = a.toArray();
        double[] y = new double[p];
        Arrays.fill(y, 1e-3);
        double[] r = new double[n];
        double[] g = new double[p];
        return () -> {
            for (int k = 0; k < iterations; k++) {
                Blas.gemv(false, n, p, 1.0, m, 0, y, 0, 0.0, r, 0);
                Blas.gemv(true, n, p, 1.0 / n, m, 0, r, 0, 0.0, g, 0);
            }
        };
    }

    /** The block size of the checkpointed unrolled mode. */
    static final int CHECKPOINT_EVERY = 20;

    /** The heap retained at the end of the forward pass of one hypergradient computation with this solver. */
    private static double tapeMiB(ProximalGradient<Tensor, Args> solver, SyntheticLasso problem, Tensor lam, Tensor w0) {
        ProximalGradient<Tensor, Args> copy = fresh(solver);
        return retainedAtEndOfForwardMiB(probe -> Autodiff.grad((Tensor l) -> {
            Tensor v = copy.run(w0, new Args(l, problem.a(), problem.b())).params().squaredNorm();
            probe.run();
            return v;
        }).apply(lam));
    }

    /** A copy of the solver with its own (empty) memo of the last solution. */
    private static ProximalGradient<Tensor, Args> fresh(ProximalGradient<Tensor, Args> solver) {
        return solver.maxiter(solver.options().maxiter());
    }

    /** Untimed runs of each mode before measuring: at least this many, and more until {@link #WARMUP_MS} have passed. */
    static final int WARMUP_RUNS = 2;

    /** The least time spent in warm-up runs per size, in milliseconds (when more than one run is timed). */
    static final long WARMUP_MS = 3000;

    private static double timeMsAfterOneUntimed(Runnable run) {
        run.run();
        return timeMs(run);
    }

    private static double timeMs(Runnable run) {
        long t0 = System.nanoTime();
        run.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }

    /**
     * The heap retained at the end of the forward pass of a gradient computation — when the
     * reverse tape (for unrolling: every recorded iteration) is complete and the backward pass
     * has not started — above the heap in use before it, both measured after a full GC. The
     * measured function calls the probe at that moment.
     */
    private static double retainedAtEndOfForwardMiB(Consumer<Runnable> run) {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long baseline = rt.totalMemory() - rt.freeMemory();
        long[] atProbe = {baseline};
        run.accept(() -> {
            System.gc();
            atProbe[0] = rt.totalMemory() - rt.freeMemory();
        });
        return Math.max(0, atProbe[0] - baseline) / (1024.0 * 1024.0);
    }

    private static JsonObject reference(String size) {
        try (InputStream in = LassoBench.class.getResourceAsStream("/dev/argdiff/examples/reference/lasso_synthetic.json")) {
            if (in == null) {
                return null;
            }
            JsonObject all = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            JsonObject sizes = all.getAsJsonObject("sizes");
            return sizes.has(size) ? sizes.getAsJsonObject(size) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
