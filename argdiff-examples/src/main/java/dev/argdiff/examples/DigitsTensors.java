package dev.argdiff.examples;

import dev.argdiff.data.Datasets;
import dev.argdiff.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * The bundled 8×8 digits (1797 images, labels 0..9) as tensors, pixels scaled from 0..16 to
 * [0, 1], in an order shuffled by a seed, so that a prefix is a random sample.
 */
record DigitsTensors(Tensor images, int[] labels) {

    /** Grey levels of the raw data go from 0 to this value. */
    static final double MAX_GREY = 16.0;

    /** All 1797 digits, rows permuted by a Fisher–Yates shuffle seeded with {@code seed}. */
    static DigitsTensors shuffled(long seed) {
        Datasets.Digits d = Datasets.digits();
        int n = d.n();
        int p = Datasets.Digits.PIXELS;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[] images = new double[n * p];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int src = order[i];
            labels[i] = d.labels()[src];
            for (int q = 0; q < p; q++) {
                images[i * p + q] = d.images()[src * p + q] / MAX_GREY;
            }
        }
        return new DigitsTensors(Tensor.of(new int[] {n, p}, images), labels);
    }

    int size() {
        return labels.length;
    }

    /** Rows from (inclusive) to (exclusive). */
    DigitsTensors rows(int from, int to) {
        int[] l = new int[to - from];
        System.arraycopy(labels, from, l, 0, l.length);
        return new DigitsTensors(images.slice(0, from, to), l);
    }

    /** The labels as a 1-d tensor of class indices. */
    Tensor labelTensor() {
        double[] v = new double[labels.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = labels[i];
        }
        return Tensor.of(v);
    }
}
