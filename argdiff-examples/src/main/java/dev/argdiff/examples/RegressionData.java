package dev.argdiff.examples;

import dev.argdiff.data.Datasets;
import dev.argdiff.tensor.Tensor;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A regression train/validation split as tensors: by default the diabetes split of JAXopt's
 * examples, or a user's CSV file in the same layout ({@code --data FILE.csv}).
 */
record RegressionData(Tensor xTrain, Tensor yTrain, Tensor xVal, Tensor yVal) {

    /** The bundled diabetes split. */
    static RegressionData load() {
        return of(Datasets.diabetesSplit());
    }

    /** The bundled diabetes split when {@code file} is null, else the file's. */
    static RegressionData load(Path file) {
        if (file == null) {
            return load();
        }
        Datasets.RegressionSplit split = Datasets.readRegressionSplit(file);
        requireRepresentable(file, split);
        return of(split);
    }

    /**
     * Refuses data whose values are too large for the solvers' double arithmetic: CG forms
     * pᵀ(XᵀX)p with p of the size of Xᵀy, about (n·a²·p)·(n·a·b)² for the largest |feature| a and
     * |y| b. Past Double.MAX_VALUE (with a margin of 1e4) the products overflow and the solve
     * stalls; the failure would then read as an unconverged solver ("run the solver longer").
     */
    private static void requireRepresentable(Path file, Datasets.RegressionSplit data) {
        double a = Math.max(maxAbs(data.xTrain()), maxAbs(data.xVal()));
        double b = Math.max(maxAbs(data.yTrain()), maxAbs(data.yVal()));
        double logN = Math.log(Math.max(data.nTrain(), data.nVal()));
        double logP = Math.log(data.features());
        double logProduct = (logN + 2 * Math.log(a) + logP) + 2 * (logN + Math.log(a) + Math.log(b) + 0.5 * logP);
        if (logProduct > Math.log(Double.MAX_VALUE) - Math.log(1e4)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: the values are too large "
                    + "for double arithmetic (largest |feature| %.3g, largest |y| %.3g): the solvers' products of them "
                    + "overflow; rescale the features (for example, standardize each column)", file, a, b));
        }
    }

    private static double maxAbs(double[] values) {
        double m = 0;
        for (double v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static RegressionData of(Datasets.RegressionSplit data) {
        int p = data.features();
        return new RegressionData(Tensor.of(new int[] {data.nTrain(), p}, data.xTrain()), Tensor.of(data.yTrain()),
                Tensor.of(new int[] {data.nVal(), p}, data.xVal()), Tensor.of(data.yVal()));
    }

    int features() {
        return xTrain.dim(1);
    }

    /** mean((X_val w − y_val)²). */
    Tensor validationLoss(Tensor w) {
        return xVal.matmul(w).sub(yVal).square().mean();
    }
}
