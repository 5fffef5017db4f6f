package dev.argdiff.examples;

import dev.argdiff.data.Datasets;
import dev.argdiff.tensor.Tensor;

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
    static RegressionData load(java.nio.file.Path file) {
        return file == null ? load() : of(Datasets.readRegressionSplit(file));
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
