package dev.argdiff.ad;

import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transform state belongs to the calling thread: concurrent transforms give the sequential results exactly. */
class ConcurrencyTest {

    private static ExecutorService pool;

    @BeforeAll
    static void startPool() {
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    private static final Tensor A = Tensor.randomNormal(1, 8, 5);
    private static final Tensor X = Tensor.randomNormal(2, 5).mul(0.5);
    private static final Tensor V = Tensor.randomNormal(3, 5);

    /**
     * A two-layer network's loss with a custom rule inside, nontrivial at second order. The
     * product A·x is written as a broadcast and a sum, evaluated by argdiff's own scalar kernels:
     * their results do not depend on the JIT (Java floating point is strict), so sequential and
     * concurrent results must agree to the bit.
     */
    private static final Function<Tensor, Tensor> F = x -> {
        Tensor h = A.mul(x).sum(1).tanh();
        Tensor sp = Autodiff.customJvp((Tensor z) -> z.softplus(), (z, out, t) -> t.mul(z.sigmoid())).apply(h);
        return sp.logsumexp().add(x.squaredNorm().mul(0.1)).add(x.norm(1).mul(0.01));
    };

    /** The same with A·x by matmul, which goes through BLAS. */
    private static final Function<Tensor, Tensor> F_BLAS = x -> {
        Tensor h = A.matmul(x).tanh();
        Tensor sp = Autodiff.customJvp((Tensor z) -> z.softplus(), (z, out, t) -> t.mul(z.sigmoid())).apply(h);
        return sp.logsumexp().add(x.squaredNorm().mul(0.1)).add(x.norm(1).mul(0.01));
    };

    private static double[][] compute(Function<Tensor, Tensor> f) {
        return new double[][] {
            Autodiff.grad(f).apply(X).toArray(),
            Autodiff.hessian(f).apply(X).toArray(),
            Autodiff.jvp(f, X, V).tangent().toArray(),
            Autodiff.hvp(f, X, V).toArray(),
            Autodiff.jacrev(Autodiff.grad(f)).apply(X).toArray(),
        };
    }

    private static List<double[][]> concurrently(Function<Tensor, Tensor> f, int repetitions) throws Exception {
        List<Future<double[][]>> futures = new ArrayList<>();
        for (int rep = 0; rep < repetitions; rep++) {
            futures.add(pool.submit(() -> compute(f)));
        }
        List<double[][]> results = new ArrayList<>();
        for (Future<double[][]> future : futures) {
            results.add(future.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    @Test
    void concurrentTransformsGiveExactlyTheSequentialResults() throws Exception {
        double[][] expected = compute(F);
        for (double[][] actual : concurrently(F, 60)) {
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i], actual[i]);
            }
        }
        assertEquals(0, Dispatch.depth());
    }

    /**
     * Through BLAS the comparison needs a tolerance of rounding size: the vectorized Java BLAS
     * sums with {@code DoubleVector.reduceLanes(ADD)}, whose order the Vector API leaves
     * unspecified, and it differs between the interpreted and the JIT-compiled code. The last
     * bits of a dot product can thus change during a run, on one thread as on several.
     */
    @Test
    void concurrentTransformsThroughBlasAgreeToRounding() throws Exception {
        double[][] expected = compute(F_BLAS);
        for (double[][] actual : concurrently(F_BLAS, 60)) {
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i], actual[i], 1e-13 * maxAbs(expected[i]));
            }
        }
        // And both ways of writing A·x give the same derivatives.
        double[][] viaKernels = compute(F);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(viaKernels[i], expected[i], 1e-13 * maxAbs(expected[i]));
        }
    }

    private static double maxAbs(double[] values) {
        double m = 0;
        for (double v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void nestingLevelsArePerThread() throws Exception {
        // Both threads are inside transforms at the same time (the barrier), at different depths.
        CyclicBarrier barrier = new CyclicBarrier(2);
        Callable<Integer> shallow = () -> {
            int[] depth = new int[1];
            Autodiff.grad((Tensor x) -> {
                await(barrier);
                depth[0] = Dispatch.depth();
                await(barrier);
                return x.sum();
            }).apply(Tensor.of(1.0));
            return depth[0];
        };
        Callable<Integer> deep = () -> {
            int[] depth = new int[1];
            Autodiff.grad((Tensor x) -> Autodiff.grad((Tensor y) -> Autodiff.jvp((Tensor z) -> {
                await(barrier);
                depth[0] = Dispatch.depth();
                await(barrier);
                return z.mul(x).mul(y);
            }, y, y).tangent().sum()).apply(x).sum()).apply(Tensor.of(1.0));
            return depth[0];
        };
        for (int rep = 0; rep < 20; rep++) {
            Future<Integer> a = pool.submit(shallow);
            Future<Integer> b = pool.submit(deep);
            assertEquals(1, a.get(30, TimeUnit.SECONDS));
            assertEquals(3, b.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aTracerHandedToAnotherThreadIsRefused() throws Exception {
        // The tape of a reverse trace is not shared between threads: using one of its values on
        // another thread must fail loudly rather than record on it concurrently.
        Throwable[] seen = new Throwable[1];
        Autodiff.grad((Tensor x) -> {
            Future<Tensor> other = pool.submit(() -> x.mul(2.0));
            try {
                other.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                seen[0] = e.getCause();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return x.sum();
        }).apply(Tensor.of(1, 2));
        assertInstanceOf(IllegalStateException.class, seen[0]);
        assertTrue(seen[0].getMessage().contains("thread"), seen[0].getMessage());
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
