package dev.argdiff.solvers;

import java.util.Arrays;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Mini-batches drawn without replacement, epoch after epoch, deterministic given a seed: each
 * epoch is a fresh Fisher–Yates shuffle of 0..n−1 (from one {@link SplittableRandom} seeded once)
 * cut into consecutive batches of {@code batchSize}; the last batch of an epoch is shorter when
 * batchSize does not divide n. The iterators never end; {@link StochasticSolver#runIterator}
 * stops at its {@code maxiter}.
 */
public final class MiniBatches {
    private MiniBatches() {
    }

    /**
     * The row indices of each batch.
     *
     * @throws IllegalArgumentException unless n ≥ 1 and 1 ≤ batchSize ≤ n
     */
    public static Iterator<int[]> indices(int n, int batchSize, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("MiniBatches: n must be >= 1, got " + n);
        }
        if (batchSize < 1 || batchSize > n) {
            throw new IllegalArgumentException("MiniBatches: batchSize must be in 1.." + n + ", got " + batchSize);
        }
        return new Iterator<>() {
            private final SplittableRandom rng = new SplittableRandom(seed);
            private int[] order = new int[0];
            private int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public int[] next() {
                if (next >= order.length) {
                    order = shuffled(n, rng);
                    next = 0;
                }
                int[] batch = Arrays.copyOfRange(order, next, Math.min(order.length, next + batchSize));
                next += batch.length;
                return batch;
            }
        };
    }

    /** The batches {@code batch.apply(indices)} for the index batches of {@link #indices}. */
    public static <B> Iterator<B> of(int n, int batchSize, long seed, Function<int[], B> batch) {
        if (batch == null) {
            throw new IllegalArgumentException("MiniBatches.of: batch is null");
        }
        Iterator<int[]> idx = indices(n, batchSize, seed);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public B next() {
                return batch.apply(idx.next());
            }
        };
    }

    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
