package dev.argdiff.objective;

import dev.argdiff.projection.Projection;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Loss functions of one prediction, JAXopt's {@code jaxopt.loss}, vectorized: every loss
 * applies to a batch at once and returns one loss per sample (no reduction), written with
 * tensor operations so it is differentiable by every transform.
 *
 * <p><b>Shapes.</b> Regression and binary losses are elementwise (labels and predictions
 * broadcast together). Multiclass losses take scores of shape (…, k) — one row of k class
 * scores per sample — and return shape (…); their labels are either
 * <ul>
 *   <li>class indices, of shape (…): whole numbers in [0, k), stored as doubles; or</li>
 *   <li>one-hot rows (or class probabilities), of the scores' shape (…, k): entries ≥ 0, rows summing to 1.</li>
 * </ul>
 * The shape decides which. Labels are data: they get no useful derivative (indices none at
 * all; probability rows the derivative of the formula, which is linear in them).
 *
 * <p>Invalid labels (a binary label other than 0 or 1, an index out of range or not whole,
 * a probability row not summing to 1) are refused with an {@link IllegalArgumentException},
 * and mismatched shapes with a {@link ShapeException}.
 */
public final class Losses {
    private Losses() {
    }

    // ------------------------------------------------------------------ regression

    /**
     * The Huber loss (JAXopt {@code huber_loss}), elementwise:
     * <pre>
     *   ℓ(t, p) = ½·d²          if d = |t − p| ≤ δ
     *             δ·(d − ½·δ)   otherwise
     * </pre>
     * Quadratic near zero, linear in the tails; continuously differentiable (the derivative is
     * clip(p − t, −δ, δ)); at d = δ the quadratic branch is taken, as in JAXopt.
     *
     * @param target t, broadcasting with pred
     * @param pred   p
     * @param delta  δ &gt; 0: 0-d or broadcasting with the result
     */
    public static Tensor huber(Tensor target, Tensor pred, Tensor delta) {
        String op = "Losses.huber";
        requireNonNull(op, "target", target);
        requireNonNull(op, "pred", pred);
        requireNonNull(op, "delta", delta);
        for (double d : delta.toArray()) {
            if (!(d > 0) || !Double.isFinite(d)) {
                throw new IllegalArgumentException(op + ": delta must be finite and > 0, got " + d);
            }
        }
        Tensor absDiff = target.sub(pred).abs();
        return Tensor.where(absDiff.gt(delta), delta.mul(absDiff.sub(delta.mul(0.5))), absDiff.square().mul(0.5));
    }

    /** The Huber loss with a constant {@code delta}. */
    public static Tensor huber(Tensor target, Tensor pred, double delta) {
        return huber(target, pred, Tensor.scalar(delta));
    }

    /** The Huber loss with δ = 1 (JAXopt's default). */
    public static Tensor huber(Tensor target, Tensor pred) {
        return huber(target, pred, 1.0);
    }

    // ------------------------------------------------------------------ binary classification

    /**
     * The binary logistic loss (JAXopt {@code binary_logistic_loss}), elementwise, for labels
     * y ∈ {0, 1} and logits z:
     * <pre>
     *   ℓ(y, z) = −y·log σ(z) − (1 − y)·log(1 − σ(z)) = softplus(z) − y·z = softplus(y ? −z : z)
     * </pre>
     * The last form is the one evaluated: it never subtracts two large numbers, so it is
     * accurate for logits of any size (ℓ(1, −1000) = 1000, ℓ(1, 1000) = e^−1000 ≈ 0). The
     * derivative in z is σ(z) − y.
     *
     * @param label 0 or 1, broadcasting with logit
     */
    public static Tensor binaryLogistic(Tensor label, Tensor logit) {
        String op = "Losses.binaryLogistic";
        checkBinaryLabels(op, label, logit);
        return Tensor.where(label, logit.neg(), logit).softplus();
    }

    /**
     * The binary hinge loss (JAXopt {@code binary_hinge_loss}), elementwise: with the label
     * mapped to ±1, max(0, 1 − (2y − 1)·score). The derivative at the kink is 0.
     *
     * @param label 0 or 1, broadcasting with score
     */
    public static Tensor binaryHinge(Tensor label, Tensor score) {
        String op = "Losses.binaryHinge";
        checkBinaryLabels(op, label, score);
        Tensor signed = label.mul(2.0).sub(1.0);
        return score.mul(signed).rsub(1.0).relu();
    }

    // ------------------------------------------------------------------ multiclass

    /**
     * The multiclass logistic loss, or softmax cross-entropy (JAXopt
     * {@code multiclass_logistic_loss}), of each row of logits z against its label y:
     * <pre>
     *   ℓ(y, z) = log Σ_j exp(z_j) − ⟨y, z⟩ = logsumexp(z − ⟨y, z⟩)   (y one-hot or probabilities)
     * </pre>
     * The second form is the one evaluated (the true class's logit is subtracted inside the
     * log-sum-exp, which is itself shifted by its maximum), so the loss is finite and accurate
     * for logits of any size. The gradient in z is softmax(z) − y.
     *
     * @param labels class indices of shape (…) or one-hot rows of shape (…, k)
     * @param logits shape (…, k), k ≥ 1
     * @return shape (…)
     */
    public static Tensor multiclassLogistic(Tensor labels, Tensor logits) {
        Tensor y = labelDistribution("Losses.multiclassLogistic", labels, logits);
        Tensor trueLogit = logits.mul(y).sum(-1, true);
        return logits.sub(trueLogit).logsumexp(-1);
    }

    /**
     * The multiclass hinge loss (JAXopt {@code multiclass_hinge_loss}), of Crammer and Singer
     * (2001):
     * <pre>
     *   ℓ(y, s) = max_j (s_j + 1 − y_j) − ⟨s, y⟩
     * </pre>
     * 0 when the true class beats every other by a margin of 1. At ties of the maximum, the
     * derivative is shared equally.
     *
     * @param labels class indices of shape (…) or one-hot rows of shape (…, k)
     * @param scores shape (…, k)
     * @return shape (…)
     */
    public static Tensor multiclassHinge(Tensor labels, Tensor scores) {
        Tensor y = labelDistribution("Losses.multiclassHinge", labels, scores);
        return scores.add(1.0).sub(y).max(-1).sub(scores.mul(y).sum(-1));
    }

    /**
     * The multiclass perceptron loss (JAXopt {@code multiclass_perceptron_loss}):
     * max_j s_j − ⟨s, y⟩.
     *
     * @param labels class indices of shape (…) or one-hot rows of shape (…, k)
     * @param scores shape (…, k)
     * @return shape (…)
     */
    public static Tensor multiclassPerceptron(Tensor labels, Tensor scores) {
        Tensor y = labelDistribution("Losses.multiclassPerceptron", labels, scores);
        return scores.max(-1).sub(scores.mul(y).sum(-1));
    }

    /**
     * The multiclass sparsemax loss (JAXopt {@code multiclass_sparsemax_loss}; Martins and
     * Astudillo 2016), the Fenchel–Young loss of the Gini negentropy Ω(p) = ½(‖p‖² − 1) on the
     * simplex:
     * <pre>
     *   ℓ(y, s) = ⟨p, s − ⟨y, s⟩⟩ + ½(‖y‖² − ‖p‖²),   p = sparsemax(s) = P_simplex(s)
     * </pre>
     * For one-hot y this is JAXopt's ⟨p, s − s_y⟩ + ½(1 − ‖p‖²). The loss is ≥ 0, 0 iff p = y,
     * and its gradient in s is p − y.
     *
     * @param labels class indices of shape (…) or one-hot rows of shape (…, k)
     * @param scores shape (…, k)
     * @return shape (…)
     */
    public static Tensor multiclassSparsemax(Tensor labels, Tensor scores) {
        Tensor y = labelDistribution("Losses.multiclassSparsemax", labels, scores);
        Tensor p = Projection.simplex(scores, Tensor.scalar(1.0), -1);
        Tensor shifted = scores.sub(scores.mul(y).sum(-1, true));
        return p.mul(shifted).sum(-1).add(y.square().sum(-1).sub(p.square().sum(-1)).mul(0.5));
    }

    /**
     * One-hot rows for class indices: shape (…) to (…, k), a 1 at each index.
     *
     * @throws IllegalArgumentException if an index is not a whole number in [0, k)
     */
    public static Tensor oneHot(Tensor labels, int numClasses) {
        String op = "Losses.oneHot";
        requireNonNull(op, "labels", labels);
        if (numClasses < 1) {
            throw new IllegalArgumentException(op + ": numClasses must be >= 1, got " + numClasses);
        }
        double[] idx = labels.toArray();
        double[] out = new double[idx.length * numClasses];
        for (int i = 0; i < idx.length; i++) {
            double c = idx[i];
            if (!(c >= 0 && c < numClasses && c == Math.rint(c))) {
                throw new IllegalArgumentException(op + ": labels must be whole numbers in [0, " + numClasses
                        + "), got " + c + (idx.length > 1 ? " at entry " + i : ""));
            }
            out[i * numClasses + (int) c] = 1.0;
        }
        int[] s = labels.shape();
        int[] shape = Arrays.copyOf(s, s.length + 1);
        shape[s.length] = numClasses;
        return Tensor.of(shape, out);
    }

    // ------------------------------------------------------------------ sparse and Fenchel–Young losses

    /**
     * The sparse plus function (JAXopt {@code sparse_plus}), elementwise: the twin of softplus
     * with exact zeros and an exactly linear tail, convex and continuously differentiable:
     * <pre>
     *   sparsePlus(x) = 0 (x ≤ −1),   ¼(x + 1)² (−1 &lt; x &lt; 1),   x (x ≥ 1)
     * </pre>
     * Its derivative is {@link #sparseSigmoid}.
     *
     * @throws IllegalArgumentException if x is null
     */
    public static Tensor sparsePlus(Tensor x) {
        requireNonNull("Losses.sparsePlus", "x", x);
        return Tensor.where(x.le(-1.0), Tensor.scalar(0.0),
                Tensor.where(x.ge(1.0), x, x.add(1.0).square().mul(0.25)));
    }

    /**
     * The sparse sigmoid (JAXopt {@code sparse_sigmoid}), elementwise: ½·clip(x + 1, 0, 2), the
     * derivative of {@link #sparsePlus}, which reaches 0 and 1 exactly (the binary sparsemax).
     *
     * @throws IllegalArgumentException if x is null
     */
    public static Tensor sparseSigmoid(Tensor x) {
        requireNonNull("Losses.sparseSigmoid", "x", x);
        return x.add(1.0).clip(0.0, 2.0).mul(0.5);
    }

    /**
     * The binary sparsemax loss (JAXopt {@code binary_sparsemax_loss}; Blondel, Martins, Niculae,
     * "Learning with Fenchel–Young losses", JMLR 2020, §4.4), elementwise, for labels y ∈ {0, 1}:
     * sparsePlus(y ? −z : z). Zero iff sparseSigmoid(z) = y; the derivative in z is
     * sparseSigmoid(z) − y.
     *
     * @param label 0 or 1, broadcasting with logit
     */
    public static Tensor binarySparsemax(Tensor label, Tensor logit) {
        checkBinaryLabels("Losses.binarySparsemax", label, logit);
        return sparsePlus(Tensor.where(label, logit.neg(), logit));
    }

    /**
     * The binary perceptron loss (JAXopt {@code binary_perceptron_loss}), elementwise: with the
     * label mapped to ±1, max(0, −(2y − 1)·score). The derivative at the kink is 0.
     *
     * @param label 0 or 1, broadcasting with score
     */
    public static Tensor binaryPerceptron(Tensor label, Tensor score) {
        checkBinaryLabels("Losses.binaryPerceptron", label, score);
        return Tensor.where(label, score.neg(), score).relu();
    }

    /**
     * The Fenchel–Young loss generated by a regularized max Ω* (JAXopt
     * {@code make_fenchel_young_loss}; Blondel, Martins, Niculae, JMLR 2020):
     * <pre>
     *   ℓ(y, s) = Ω*(s) − ⟨y, s⟩        (Ω*(s) = maxFn(s), one value per row of k scores)
     * </pre>
     * (JAXopt omits the constant Ω(y) too.) With maxFn = logsumexp it is
     * {@link #multiclassLogistic}; with the sparsemax's max it is {@link #multiclassSparsemax}
     * up to that constant; its gradient in s is ∇Ω*(s) − y.
     *
     * @param maxFn the regularized max, scores (…, k) ↦ (…), differentiable; e.g.
     *              {@code s -> s.logsumexp(-1)} or {@link dev.argdiff.perturbations.Perturbed#max}
     * @return (labels, scores) ↦ loss of shape (…); labels are class indices (…) or rows (…, k)
     * @throws IllegalArgumentException if maxFn is null
     */
    public static BiFunction<Tensor, Tensor, Tensor> fenchelYoung(
            Function<Tensor, Tensor> maxFn) {
        requireNonNull("Losses.fenchelYoung", "maxFn", maxFn);
        return (labels, scores) -> {
            String op = "Losses.fenchelYoung";
            Tensor y = labelDistribution(op, labels, scores);
            Tensor m = maxFn.apply(scores);
            int[] rowShape = Arrays.copyOf(scores.shape(), scores.rank() - 1);
            if (m == null || !Arrays.equals(m.shape(), rowShape)) {
                throw new ShapeException(op + ": maxFn must map scores of shape " + Shapes.str(scores.shape())
                        + " to one value per row, shape " + Shapes.str(rowShape) + ", got "
                        + (m == null ? "null" : Shapes.str(m.shape())));
            }
            return m.sub(scores.mul(y).sum(-1));
        };
    }

    // ------------------------------------------------------------------ helpers

    /** Labels as rows of the scores' shape: one-hot from indices, or checked probability rows. */
    static Tensor labelDistribution(String op, Tensor labels, Tensor scores) {
        requireNonNull(op, "labels", labels);
        requireNonNull(op, "scores", scores);
        int[] ss = scores.shape();
        if (ss.length == 0 || ss[ss.length - 1] == 0) {
            throw new ShapeException(op + ": scores must have a last axis of k >= 1 classes, got shape " + Shapes.str(ss));
        }
        int k = ss[ss.length - 1];
        int[] ls = labels.shape();
        if (Arrays.equals(ls, Arrays.copyOf(ss, ss.length - 1))) {
            try {
                return oneHot(labels, k);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(op + ": " + e.getMessage().substring("Losses.oneHot: ".length()), e);
            }
        }
        if (Arrays.equals(ls, ss)) {
            double[] v = labels.toArray();
            for (int row = 0; row < v.length / k; row++) {
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    double p = v[row * k + j];
                    if (!(p >= 0) || !Double.isFinite(p)) {
                        throw new IllegalArgumentException(op + ": one-hot labels must be finite and >= 0, got " + p
                                + " in row " + row);
                    }
                    sum += p;
                }
                if (Math.abs(sum - 1) > 1e-9 * k) {
                    throw new IllegalArgumentException(op + ": one-hot label rows must sum to 1, row " + row
                            + " sums to " + sum);
                }
            }
            return labels;
        }
        throw new ShapeException(op + ": labels of shape " + Shapes.str(ls) + " do not fit scores of shape "
                + Shapes.str(ss) + " (class indices need shape " + Shapes.str(Arrays.copyOf(ss, ss.length - 1))
                + ", one-hot labels shape " + Shapes.str(ss) + ")");
    }

    private static void checkBinaryLabels(String op, Tensor label, Tensor score) {
        requireNonNull(op, "label", label);
        requireNonNull(op, "score", score);
        Shapes.broadcast(op, label.shape(), score.shape());
        double[] v = label.toArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0.0 && v[i] != 1.0) {
                throw new IllegalArgumentException(op + ": labels must be 0 or 1, got " + v[i]
                        + (v.length > 1 ? " at entry " + i : ""));
            }
        }
    }

    private static void requireNonNull(String op, String name, Object o) {
        if (o == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
    }
}
