package dev.argdiff.bench;

import dev.argdiff.backend.Blas;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time of one dense product {@code C = A·B} of two n×n row-major matrices through
 * {@link Blas#gemm}, the kernel under every dense operation of argdiff.
 *
 * <p>The result depends on the backend {@link Blas#name()} reports (native OpenBLAS through JNI,
 * or the Java fallback, vectorized when the JVM has {@code jdk.incubator.vector}); the forked
 * JVM gets {@code --add-modules jdk.incubator.vector} so the fallback is the fast one. Run with
 * {@code java -jar argdiff-bench/target/argdiff-bench.jar GemmBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class GemmBenchmark {

    /** Matrix order. */
    @Param({"1000"})
    public int n;

    private double[] a;
    private double[] b;
    private double[] c;

    @Setup
    public void setup() {
        SplittableRandom random = new SplittableRandom(42);
        a = new double[n * n];
        b = new double[n * n];
        c = new double[n * n];
        for (int i = 0; i < n * n; i++) {
            a[i] = random.nextDouble(-1.0, 1.0);
            b[i] = random.nextDouble(-1.0, 1.0);
        }
        System.err.println("# BLAS backend: " + Blas.name());
    }

    /** {@code C = A·B}; C is returned so the JIT cannot drop the call. */
    @Benchmark
    public double[] gemm() {
        Blas.gemm(false, false, n, n, n, 1.0, a, 0, b, 0, 0.0, c, 0);
        return c;
    }
}
