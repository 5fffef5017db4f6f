package dev.argdiff.objective;

import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;

/**
 * Objective functions of linear models, JAXopt's {@code jaxopt.objective}: functions of
 * (params, data) — and of a regularization strength for the regularized ones — averaging a
 * {@link Losses loss} over the samples of a data set. Written with tensor operations, so they
 * are differentiable in the parameters, the regularization strength and the data.
 *
 * <p>They fit {@code BiFunction<Tensor, Data, Tensor>} as method references
 * ({@code Objectives::leastSquares}, {@code Objectives::binaryLogreg}, …), and the regularized
 * ones close over their strength: {@code (w, d) -> Objectives.ridgeRegression(w, l2reg, d)}.
 *
 * <p><b>Shapes.</b> X is (n, d): n samples of d features. Parameters are w of shape (d) for
 * scalar outputs, W of shape (d, k) for k outputs or classes. Every objective returns a 0-d
 * tensor. Mismatched shapes are refused with a {@link ShapeException} naming the objective,
 * a negative or non-finite l2reg with an {@link IllegalArgumentException}.
 */
public final class Objectives {
    private Objectives() {
    }

    /**
     * A data set: a design matrix x of shape (n, d) and targets y of shape (n) (values, 0/1
     * labels or class indices) or (n, k) (several outputs, or one-hot labels). A record, hence
     * a tree: objectives can be differentiated with respect to the data too.
     *
     * <p>The constructor checks only shapes (it also builds tangent and cotangent trees);
     * {@link #of(Tensor, Tensor)} also refuses NaN and infinite values — use it at the boundary.
     */
    public record Data(Tensor x, Tensor y) {
        /** Checks the shapes. */
        public Data {
            if (x == null || y == null) {
                throw new IllegalArgumentException("Objectives.Data: " + (x == null ? "x" : "y") + " is null");
            }
            if (x.rank() != 2 || (y.rank() != 1 && y.rank() != 2) || y.dim(0) != x.dim(0)) {
                throw new ShapeException("Objectives.Data: needs x of shape (n, d) and y of shape (n) or (n, k), got x "
                        + Shapes.str(x.shape()) + " and y " + Shapes.str(y.shape()));
            }
        }

        /** A data set whose values are checked to be finite. */
        public static Data of(Tensor x, Tensor y) {
            Data d = new Data(x, y);
            if (!x.isFinite()) {
                throw new IllegalArgumentException("Objectives.Data: x contains NaN or infinity");
            }
            if (!y.isFinite()) {
                throw new IllegalArgumentException("Objectives.Data: y contains NaN or infinity");
            }
            return d;
        }

        /** The number of samples n. */
        public int numSamples() {
            return x.dim(0);
        }
    }

    /** The parameters of a linear model with an intercept: W of shape (d, k) and b of shape (k). */
    public record LinearModel(Tensor w, Tensor b) {
    }

    // ------------------------------------------------------------------ regression

    /**
     * Least squares (JAXopt {@code least_squares}):
     * <pre>
     *   f(w) = (1/2n)·‖X·w − y‖²      (mean over all entries of X·W − Y for k outputs)
     * </pre>
     *
     * @param w    shape (d) with y of shape (n), or (d, k) with y of shape (n, k)
     */
    public static Tensor leastSquares(Tensor w, Data data) {
        Tensor pred = predict("Objectives.leastSquares", w, data);
        requireSameShape("Objectives.leastSquares", pred, data.y());
        return pred.sub(data.y()).square().mean().mul(0.5);
    }

    /**
     * Ridge regression, l2-regularized least squares (JAXopt {@code ridge_regression}):
     * <pre>
     *   f(w) = (1/2n)·‖X·w − y‖² + ½·l2reg·‖w‖²
     * </pre>
     *
     * @param l2reg ≥ 0, a 0-d tensor
     */
    public static Tensor ridgeRegression(Tensor w, Tensor l2reg, Data data) {
        checkL2reg("Objectives.ridgeRegression", l2reg);
        return leastSquares(w, data).add(l2Penalty(w, l2reg));
    }

    /** The ridge regression objective with a constant strength. */
    public static Tensor ridgeRegression(Tensor w, double l2reg, Data data) {
        return ridgeRegression(w, Tensor.scalar(l2reg), data);
    }

    // ------------------------------------------------------------------ binary classification

    /**
     * Binary logistic regression (JAXopt {@code binary_logreg}):
     * <pre>
     *   f(w) = (1/n)·Σᵢ ℓ(yᵢ, xᵢᵀw)
     * </pre>
     * with ℓ the {@link Losses#binaryLogistic binary logistic loss}, evaluated stably.
     *
     * @param w    shape (d)
     * @param data y of shape (n) with values 0 or 1
     */
    public static Tensor binaryLogreg(Tensor w, Data data) {
        String op = "Objectives.binaryLogreg";
        Tensor logits = predict(op, w, data);
        requireSameShape(op, logits, data.y());
        return Losses.binaryLogistic(data.y(), logits).mean();
    }

    /**
     * l2-regularized binary logistic regression: {@link #binaryLogreg} + ½·l2reg·‖w‖².
     *
     * @param l2reg ≥ 0, a 0-d tensor
     */
    public static Tensor l2BinaryLogreg(Tensor w, Tensor l2reg, Data data) {
        checkL2reg("Objectives.l2BinaryLogreg", l2reg);
        return binaryLogreg(w, data).add(l2Penalty(w, l2reg));
    }

    /** The ℓ2-regularized binary logistic regression objective with a constant strength. */
    public static Tensor l2BinaryLogreg(Tensor w, double l2reg, Data data) {
        return l2BinaryLogreg(w, Tensor.scalar(l2reg), data);
    }

    // ------------------------------------------------------------------ multiclass classification

    /**
     * Multiclass logistic regression (JAXopt {@code multiclass_logreg}):
     * <pre>
     *   f(W) = (1/n)·Σᵢ ℓ(yᵢ, Wᵀxᵢ)
     * </pre>
     * with ℓ the {@link Losses#multiclassLogistic softmax cross-entropy}. Its gradient is
     * Xᵀ(softmax(X·W) − Y)/n, Y the one-hot labels.
     *
     * @param w    shape (d, k)
     * @param data y: class indices of shape (n), or one-hot rows of shape (n, k)
     */
    public static Tensor multiclassLogreg(Tensor w, Data data) {
        String op = "Objectives.multiclassLogreg";
        requireMatrix(op, w);
        Tensor logits = predict(op, w, data);
        return Losses.multiclassLogistic(data.y(), logits).mean();
    }

    /**
     * l2-regularized multiclass logistic regression (JAXopt {@code l2_multiclass_logreg}):
     * {@link #multiclassLogreg} + ½·l2reg·‖W‖².
     *
     * @param l2reg ≥ 0, a 0-d tensor
     */
    public static Tensor l2MulticlassLogreg(Tensor w, Tensor l2reg, Data data) {
        checkL2reg("Objectives.l2MulticlassLogreg", l2reg);
        return multiclassLogreg(w, data).add(l2Penalty(w, l2reg));
    }

    /** The ℓ2-regularized multiclass logistic regression objective with a constant strength. */
    public static Tensor l2MulticlassLogreg(Tensor w, double l2reg, Data data) {
        return l2MulticlassLogreg(w, Tensor.scalar(l2reg), data);
    }

    /**
     * Multiclass logistic regression with an intercept (JAXopt
     * {@code multiclass_logreg_with_intercept}): the mean of ℓ(yᵢ, Wᵀxᵢ + b).
     *
     * @param params W of shape (d, k) and b of shape (k)
     */
    public static Tensor multiclassLogregWithIntercept(LinearModel params, Data data) {
        String op = "Objectives.multiclassLogregWithIntercept";
        Tensor logits = predictAffine(op, params, data);
        return Losses.multiclassLogistic(data.y(), logits).mean();
    }

    /**
     * l2-regularized multiclass logistic regression with an intercept (JAXopt
     * {@code l2_multiclass_logreg_with_intercept}): the intercept is not penalized,
     * f(W, b) = mean ℓ(yᵢ, Wᵀxᵢ + b) + ½·l2reg·‖W‖².
     *
     * @param l2reg ≥ 0, a 0-d tensor
     */
    public static Tensor l2MulticlassLogregWithIntercept(LinearModel params, Tensor l2reg, Data data) {
        checkL2reg("Objectives.l2MulticlassLogregWithIntercept", l2reg);
        return multiclassLogregWithIntercept(params, data).add(l2Penalty(params.w(), l2reg));
    }

    /** The ℓ2-regularized multiclass logistic regression objective with intercept and a constant strength. */
    public static Tensor l2MulticlassLogregWithIntercept(LinearModel params, double l2reg, Data data) {
        return l2MulticlassLogregWithIntercept(params, Tensor.scalar(l2reg), data);
    }

    // ------------------------------------------------------------------ helpers

    private static Tensor l2Penalty(Tensor w, Tensor l2reg) {
        return l2reg.mul(0.5).mul(w.squaredNorm());
    }

    private static Tensor predict(String op, Tensor w, Data data) {
        if (w == null || data == null) {
            throw new IllegalArgumentException(op + ": " + (w == null ? "params" : "data") + " is null");
        }
        if ((w.rank() != 1 && w.rank() != 2) || w.dim(0) != data.x().dim(1)) {
            throw new ShapeException(op + ": params of shape " + Shapes.str(w.shape())
                    + " do not fit x of shape " + Shapes.str(data.x().shape()) + " (needs shape ("
                    + data.x().dim(1) + ") or (" + data.x().dim(1) + ", k))");
        }
        return data.x().matmul(w);
    }

    private static Tensor predictAffine(String op, LinearModel params, Data data) {
        if (params == null || params.w() == null || params.b() == null) {
            throw new IllegalArgumentException(op + ": params, W and b must not be null");
        }
        requireMatrix(op, params.w());
        Tensor logits = predict(op, params.w(), data);
        if (params.b().rank() != 1 || params.b().dim(0) != params.w().dim(1)) {
            throw new ShapeException(op + ": b of shape " + Shapes.str(params.b().shape()) + " does not fit W of shape "
                    + Shapes.str(params.w().shape()) + " (needs shape (" + params.w().dim(1) + "))");
        }
        return logits.add(params.b());
    }

    private static void requireMatrix(String op, Tensor w) {
        if (w == null) {
            throw new IllegalArgumentException(op + ": params is null");
        }
        if (w.rank() != 2) {
            throw new ShapeException(op + ": W must have shape (d, k), got " + Shapes.str(w.shape()));
        }
    }

    private static void requireSameShape(String op, Tensor pred, Tensor y) {
        if (!Arrays.equals(pred.shape(), y.shape())) {
            throw new ShapeException(op + ": predictions have shape " + Shapes.str(pred.shape()) + " but y has shape "
                    + Shapes.str(y.shape()));
        }
    }

    private static void checkL2reg(String op, Tensor l2reg) {
        if (l2reg == null) {
            throw new IllegalArgumentException(op + ": l2reg is null");
        }
        if (l2reg.rank() != 0) {
            throw new ShapeException(op + ": l2reg must be a 0-d tensor, got shape " + Shapes.str(l2reg.shape()));
        }
        double v = l2reg.item();
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(op + ": l2reg must be finite and >= 0, got " + v);
        }
    }
}
