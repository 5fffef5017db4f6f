package dev.argdiff.examples;

import dev.argdiff.data.Datasets;
import dev.argdiff.tensor.Tensor;

/** The diabetes train/validation split of JAXopt's examples, as tensors. */
record DiabetesTensors(Tensor xTrain, Tensor yTrain, Tensor xVal, Tensor yVal) {

    static DiabetesTensors load() {
        Datasets.RegressionSplit data = Datasets.diabetesSplit();
        int p = data.features();
        return new DiabetesTensors(Tensor.of(new int[] {data.nTrain(), p}, data.xTrain()), Tensor.of(data.yTrain()),
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
