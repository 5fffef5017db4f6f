package dev.argdiff.linalg.dense;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Independent problems can be solved on several threads at once (no shared mutable state). */
class ConcurrencyTest {

    @Test
    void independentSolvesOnSeveralThreadsAgree() throws Exception {
        int n = 40;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Double>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = 100 + t;
                results.add(pool.submit(() -> {
                    double worst = 0;
                    for (int rep = 0; rep < 5; rep++) {
                        double[] a = TestMatrices.spd(seed, n);
                        double[] b = TestMatrices.random(seed + 1, n);
                        worst = Math.max(worst, TestMatrices.relativeResidual(a, n, n, LU.factor(a, n).solve(b), 1, b));
                        worst = Math.max(worst, TestMatrices.relativeResidual(a, n, n, Cholesky.factor(a, n).solve(b), 1, b));
                        double[] lambda = SymmetricEigen.eigenvaluesOf(a, n);
                        double[] s = SVD.singularValuesOf(a, n, n);
                        // For an SPD matrix the singular values are the eigenvalues, reversed.
                        for (int i = 0; i < n; i++) {
                            worst = Math.max(worst, Math.abs(lambda[i] - s[n - 1 - i]) / s[0]);
                        }
                    }
                    return worst;
                }));
            }
            for (Future<Double> f : results) {
                double worst = f.get();
                assertTrue(worst <= 1e-12, "worst relative error " + worst);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
