package dev.argdiff.bench;

import dev.argdiff.backend.Blas;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.SolveInfo;
import dev.argdiff.linalg.dense.Cholesky;
import dev.argdiff.linalg.krylov.ConjugateGradient;
import dev.argdiff.linalg.krylov.KrylovOptions;
import dev.argdiff.linalg.krylov.KrylovResult;
import dev.argdiff.linalg.krylov.MatVec;
import dev.argdiff.linalg.krylov.NormalConjugateGradient;
import dev.argdiff.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The dense and Krylov kernels under argdiff's linear algebra (issue 3), at fixed sizes and seeds:
 * <ul>
 *   <li>a 1000×1000 matrix product, through {@link Blas#gemm} and through {@link Tensor#matmul}
 *       (which adds the tensor allocation and dispatch);</li>
 *   <li>a Cholesky factorization and solve of a 1000×1000 SPD matrix (LAPACK dpotrf + dpocon +
 *       dpotrs, plus the symmetry check);</li>
 *   <li>conjugate-gradient iterations on the ridge normal equations (XᵀX + I)·x = Xᵀy with X a
 *       2000×1000 Gaussian matrix, matrix-free (two matrix-vector products with X per
 *       iteration): through the raw Krylov API on {@code double[]} (as CG on XᵀX + I, and as
 *       {@link NormalConjugateGradient} with ridge 1) and through
 *       {@link LinearOperator#fromMatvec} + {@link LinearSolve#solveWithInfo} on tensors.</li>
 * </ul>
 *
 * <p>The CG benchmarks run exactly {@value #CG_ITERATIONS} iterations per call (tolerance 0, so
 * the solver never stops early; XᵀX + I has κ ≈ 35, far from converging to machine precision in
 * that many steps) and declare them with {@link OperationsPerInvocation}: their throughput score
 * is CG iterations per second.
 *
 * <p>Results depend on the backend {@link Blas#name()} prints (native OpenBLAS through JNI, or the
 * Java fallback, vectorized when the JVM has {@code jdk.incubator.vector}; LAPACK's Java fallback
 * is not vectorized). Run with {@code java -jar argdiff-bench/target/argdiff-bench.jar LinalgBench}.
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class LinalgBench {

    /** Order of the product and Cholesky benchmarks. */
    static final int N = 1000;
    /** Rows and columns of X in the normal-equations benchmarks. */
    static final int ROWS = 2000;
    static final int COLS = 1000;
    /** CG iterations per benchmark call. */
    static final int CG_ITERATIONS = 50;

    // product
    private double[] a;
    private double[] b;
    private double[] c;
    private Tensor aTensor;
    private Tensor bTensor;

    // Cholesky
    private double[] spd;
    private double[] rhs;

    // normal equations
    private double[] x;
    private double[] y;
    private double[] xty;
    private Tensor xTensor;
    private Tensor xtyTensor;
    private MatVec normalMatvec;
    private MatVec xMatvec;
    private MatVec xTransposeMatvec;
    private KrylovOptions fixedIterations;
    private LinearOperator<Tensor> normalOperator;
    private LinearSolver fixedIterationsSolver;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(20240603L);
        a = uniform(random, N * N);
        b = uniform(random, N * N);
        c = new double[N * N];
        aTensor = Tensor.of(new int[] {N, N}, a);
        bTensor = Tensor.of(new int[] {N, N}, b);

        // SPD: AᵀA/N + I, well conditioned
        spd = new double[N * N];
        Blas.gemm(true, false, N, N, N, 1.0 / N, a, 0, a, 0, 0.0, spd, 0);
        for (int i = 0; i < N; i++) {
            spd[i * N + i] += 1.0;
        }
        // make it exactly symmetric (the product is symmetric only to rounding)
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < i; j++) {
                spd[j * N + i] = spd[i * N + j];
            }
        }
        rhs = uniform(random, N);

        x = gaussian(random, ROWS * COLS);
        y = gaussian(random, ROWS);
        xty = new double[COLS];
        Blas.gemv(true, ROWS, COLS, 1.0, x, 0, y, 0, 0.0, xty, 0);
        double[] tmp = new double[ROWS];
        normalMatvec = v -> {
            double[] out = v.clone();                       // + I
            Blas.gemv(false, ROWS, COLS, 1.0, x, 0, v, 0, 0.0, tmp, 0);
            Blas.gemv(true, ROWS, COLS, 1.0, x, 0, tmp, 0, 1.0, out, 0);
            return out;
        };
        xMatvec = v -> {
            double[] out = new double[ROWS];
            Blas.gemv(false, ROWS, COLS, 1.0, x, 0, v, 0, 0.0, out, 0);
            return out;
        };
        xTransposeMatvec = w -> {
            double[] out = new double[COLS];
            Blas.gemv(true, ROWS, COLS, 1.0, x, 0, w, 0, 0.0, out, 0);
            return out;
        };
        fixedIterations = KrylovOptions.defaults().withRtol(0.0).withAtol(0.0).withMaxiter(CG_ITERATIONS);

        xTensor = Tensor.of(new int[] {ROWS, COLS}, x);
        xtyTensor = Tensor.of(xty);
        Tensor xt = xTensor;
        normalOperator = LinearOperator.fromMatvec((Tensor v) -> xt.transposeMatmul(xt.matmul(v)), Tensor.zeros(COLS))
                .plusIdentity(1.0);
        fixedIterationsSolver = LinearSolver.cg().withRtol(0.0).withMaxiter(CG_ITERATIONS)
                .withFailurePolicy(FailurePolicy.IGNORE);

        // the CG benchmarks must really run CG_ITERATIONS iterations
        requireFixedIterations(cgRaw());
        requireFixedIterations(normalCgRaw());
        SolveInfo info = cgLinearOperator();
        if (info.iterations() != CG_ITERATIONS) {
            throw new IllegalStateException("LinearSolve CG stopped early: " + info.summary());
        }
        System.err.println("# BLAS backend: " + Blas.name() + ", LAPACK backend: "
                + dev.ludovic.netlib.lapack.LAPACK.getInstance().getClass().getName());
    }

    private static void requireFixedIterations(KrylovResult r) {
        if (r.iterations() != CG_ITERATIONS || r.status() != KrylovResult.Status.MAX_ITERATIONS) {
            throw new IllegalStateException("CG stopped early: " + r.summary());
        }
    }

    private static double[] uniform(SplittableRandom random, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = random.nextDouble(-1.0, 1.0);
        }
        return d;
    }

    private static double[] gaussian(SplittableRandom random, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            d[i] = r * Math.cos(2 * Math.PI * u2);
            if (i + 1 < n) {
                d[i + 1] = r * Math.sin(2 * Math.PI * u2);
            }
        }
        return d;
    }

    // ------------------------------------------------------------------ dense

    /** C = A·B through the BLAS wrapper (1000×1000). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double[] gemm() {
        Blas.gemm(false, false, N, N, N, 1.0, a, 0, b, 0, 0.0, c, 0);
        return c;
    }

    /** The same product as a tensor operation (allocates the result). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor tensorMatmul() {
        return aTensor.matmul(bTensor);
    }

    /** Cholesky factorization and one solve (1000×1000 SPD). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double[] choleskyFactorSolve() {
        return Cholesky.factor(spd, N).solve(rhs);
    }

    // ------------------------------------------------------------------ CG on XᵀX + I

    /** CG on (XᵀX + I)·x = Xᵀy, raw Krylov API on double[]; score = CG iterations per second. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CG_ITERATIONS)
    public KrylovResult cgRaw() {
        return ConjugateGradient.solve(normalMatvec, xty, fixedIterations);
    }

    /** The same system as NormalConjugateGradient on X with ridge 1; score = CG iterations per second. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CG_ITERATIONS)
    public KrylovResult normalCgRaw() {
        return NormalConjugateGradient.solve(xMatvec, xTransposeMatvec, y, fixedIterations.withRidge(1.0));
    }

    /**
     * The same system through LinearOperator.fromMatvec (tensor matvecs) and LinearSolve;
     * score = CG iterations per second.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CG_ITERATIONS)
    public SolveInfo cgLinearOperator() {
        return LinearSolve.solveWithInfo(normalOperator, xtyTensor, null, fixedIterationsSolver).info();
    }
}
