package dev.argdiff.bench;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.tensor.Tensor;
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

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The cost of the autodiff transforms relative to evaluating the function (issue 2).
 *
 * <p>Least squares, f(w) = ½‖Xw − y‖²/n with X of 2000×1000: the loss alone, {@code grad},
 * {@code valueAndGrad} and the Hessian-vector product {@code hvp} (forward over reverse). Targets:
 * grad ≤ 3× the loss and hvp ≤ 6× the loss (reverse mode costs one more matrix-vector product
 * than the loss, forward over reverse three more).
 *
 * <p>Per-operation overhead: a chain of 1000 scalar multiplications and 1000 additions under
 * {@code grad}, reported per operation (forward and backward together); target ≤ 1 µs.
 *
 * <pre>{@code
 * java -jar argdiff-bench/target/argdiff-bench.jar AutodiffBench
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss16m"})
public class AutodiffBench {

    private static final int N = 2000;
    private static final int D = 1000;
    private static final int CHAIN = 1000;

    private Tensor x;
    private Tensor r;
    private Tensor w;
    private Tensor v;
    private Function<Tensor, Tensor> loss;
    private Function<Tensor, Tensor> gradLoss;
    private Function<Tensor, Autodiff.ValueAndGrad<Tensor>> valueAndGradLoss;

    private Tensor x0;
    private Function<Tensor, Tensor> gradChain;

    private static final int FAN_OUT = 8;
    private static final int FAN_N = 100_000;
    private Tensor u;
    private Function<Tensor, Tensor> gradFanOut;

    @Setup
    public void setup() {
        x = Tensor.randomNormal(1, N, D);
        Tensor wTrue = Tensor.randomNormal(2, D);
        Tensor y = x.matmul(wTrue).add(Tensor.randomNormal(3, N).mul(0.1));
        w = Tensor.randomNormal(4, D).mul(0.1);
        v = Tensor.randomNormal(5, D);
        loss = z -> x.matmul(z).sub(y).squaredNorm().mul(0.5 / N);
        r = x.matmul(w).sub(y);
        gradLoss = Autodiff.grad(loss);
        valueAndGradLoss = Autodiff.valueAndGrad(loss);

        Tensor a = Tensor.scalar(0.999);
        Tensor b = Tensor.scalar(1e-3);
        x0 = Tensor.scalar(0.5);
        u = Tensor.randomNormal(6, FAN_N);
        Tensor c = Tensor.randomNormal(7, FAN_N);
        gradFanOut = Autodiff.grad((Tensor t) -> {
            Tensor shared = t.mul(c);
            Tensor acc = shared;
            for (int k = 1; k < FAN_OUT; k++) {
                acc = acc.add(shared.mul(c));
            }
            return acc.sum();
        });
        gradChain = Autodiff.grad((Tensor t) -> {
            Tensor s = t;
            for (int i = 0; i < CHAIN; i++) {
                s = s.mul(a).add(b);
            }
            return s;
        });
    }

    /**
     * One value of 1e5 entries used {@value #FAN_OUT} times: its cotangent gets that many
     * contributions in the reverse pass (compare B/op with {@code -prof gc}).
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor fanOutGrad() {
        return gradFanOut.apply(u);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor leastSquaresLoss() {
        return loss.apply(w);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor leastSquaresGrad() {
        return gradLoss.apply(w);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Autodiff.ValueAndGrad<Tensor> leastSquaresValueAndGrad() {
        return valueAndGradLoss.apply(w);
    }

    /**
     * The product the loss makes, X·w, alone: with {@link #leastSquaresTransposedProduct} the floor
     * of grad/loss is (X·w + Xᵀ·r) / X·w (the BLAS kernels of the two products differ in speed).
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor leastSquaresProduct() {
        return x.matmul(w);
    }

    /** The product the gradient adds, Xᵀ·r (as the reverse pass computes it: rᵀ·X), alone. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor leastSquaresTransposedProduct() {
        return r.matmul(x);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public Tensor leastSquaresHvp() {
        return Autodiff.hvp(loss, w, v);
    }

    /** Time per scalar operation (2000 per invocation: 1000 mul + 1000 add), recorded and differentiated. */
    @Benchmark
    @OperationsPerInvocation(2 * CHAIN)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Tensor scalarChainGradPerOp() {
        return gradChain.apply(x0);
    }
}
