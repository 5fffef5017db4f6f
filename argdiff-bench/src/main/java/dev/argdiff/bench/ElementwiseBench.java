package dev.argdiff.bench;

import dev.argdiff.tensor.Tensor;
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

import java.util.concurrent.TimeUnit;

/**
 * The cost of concrete element-wise operations (issue 10): add, mul and where on vectors of n
 * entries, and the fused updates x + s·y and s·x + t·y next to their unfused expressions, each
 * producing a fresh tensor, after every operation kind has run through the kernels (as
 * in a real program). Divide the reported time by n for ns per element.
 *
 * <pre>{@code
 * java -jar argdiff-bench/target/argdiff-bench.jar ElementwiseBench
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ElementwiseBench {

    @Param({"1000", "100000"})
    public int n;

    private Tensor x;
    private Tensor y;
    private Tensor mask;

    @Setup
    public void setup() {
        x = Tensor.randomNormal(1, n);
        y = Tensor.randomNormal(2, n);
        mask = x.gt(0.0);
        // A real program sends every operation kind through the same kernels: run them all first, so that the JIT
        // compiles the kernels with that profile (a benchmark of add alone would see a monomorphic call site).
        Tensor a = Tensor.randomNormal(3, 1000);
        Tensor b = Tensor.randomNormal(4, 1000);
        for (int i = 0; i < 20_000; i++) {
            sink = a.add(b).mul(b).sub(a).div(b).maximum(a).minimum(b).pow(a.gt(b)).add(a.lt(b)).add(a.eq(b));
        }
    }

    /** Keeps the profile warm-up's results alive. */
    private Tensor sink;

    @Benchmark
    public Tensor add() {
        return x.add(y);
    }

    @Benchmark
    public Tensor mul() {
        return x.mul(y);
    }

    @Benchmark
    public Tensor where() {
        return Tensor.where(mask, x, y);
    }

    /** The fused update x + s·y (one loop, one output array). */
    @Benchmark
    public Tensor addScaled() {
        return x.addScaled(0.5, y);
    }

    /** The same update unfused: two operations and an intermediate s·y. */
    @Benchmark
    public Tensor addScaledUnfused() {
        return x.add(y.mul(0.5));
    }

    /** The fused s·x + t·y. */
    @Benchmark
    public Tensor linearCombination() {
        return Tensor.linearCombination(1.5, x, -0.5, y);
    }

    /** The same unfused: three operations and two intermediates. */
    @Benchmark
    public Tensor linearCombinationUnfused() {
        return x.mul(1.5).add(y.mul(-0.5));
    }
}
