package dev.argdiff.objective;

import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

/**
 * The multiclass linear support vector machine of Crammer and Singer, primal and dual (JAXopt's
 * {@code objective.multiclass_linear_svm_dual}), written with tensor operations, so
 * differentiable in the dual variables, the regularization strength and the data.
 *
 * <p>With X of shape (n, d), one-hot labels Y of shape (n, k) and λ &gt; 0, the primal problem is
 * <pre>
 *   min_W  P(W) = (λ/2)·‖W‖² + Σᵢ max_j (sᵢⱼ + 1 − Yᵢⱼ) − ⟨Yᵢ, sᵢ⟩,     s = X·W
 * </pre>
 * (the sum, not the mean, of the {@link Losses#multiclassHinge multiclass hinge loss}). Writing
 * each hinge as a maximum over a row βᵢ of the simplex Δᵏ and minimizing over W gives
 * W = Xᵀ(Y − β)/λ and the dual problem, in JAXopt's sign convention a minimization:
 * <pre>
 *   min_β  f(β) = 1/(2λ)·‖Xᵀ(Y − β)‖² + ⟨β, Y − 1⟩    subject to every row βᵢ ∈ Δᵏ.
 * </pre>
 * Weak duality: P(W(β)) + f(β) ≥ 0 for every feasible β, with equality exactly at a dual
 * optimum; {@link #multiclassLinearSvmDualityGap} measures it. The dual is a QP over a product
 * of simplices, solved by block coordinate descent with the simplex projection of each row.
 *
 * <p>Labels: class indices of shape (n) (whole numbers in [0, k)) or one-hot rows of shape
 * (n, k); k is the number of columns of β (or of W). Mismatched shapes are refused with a
 * {@link ShapeException}, labels out of range, features that are NaN or infinite, and λ that is
 * not finite and positive with an {@link IllegalArgumentException} naming the argument.
 *
 * <p>References: K. Crammer, Y. Singer, "On the algorithmic implementation of multiclass
 * kernel-based vector machines", JMLR 2001; M. Blondel et al., "Efficient and modular implicit
 * differentiation", NeurIPS 2022 (the dual as an example of implicit differentiation).
 */
public final class SvmObjectives {
    private SvmObjectives() {
    }

    /**
     * The dual objective of the multiclass linear SVM (JAXopt {@code multiclass_linear_svm_dual}):
     * <pre>
     *   f(β) = 1/(2λ)·‖Xᵀ(Y − β)‖² + ⟨β, Y − 1⟩
     * </pre>
     * to be minimized over β with rows in the simplex. Its gradient is X·Xᵀ(β − Y)/λ + Y − 1.
     * β itself is not checked to be feasible (solvers evaluate f at any point).
     *
     * @param beta  the dual variables, shape (n, k)
     * @param l2reg λ &gt; 0, a 0-d tensor
     * @param data  X of shape (n, d), labels of shape (n) or (n, k)
     * @return a 0-d tensor
     * @throws ShapeException           if the shapes do not fit together
     * @throws IllegalArgumentException if an argument is null, λ is not finite and positive, X is not
     *                                  finite or a label is out of range
     */
    public static Tensor multiclassLinearSvmDual(Tensor beta, Tensor l2reg, Objectives.Data data) {
        String op = "SvmObjectives.multiclassLinearSvmDual";
        Tensor y = oneHotLabels(op, "beta", beta, l2reg, data);
        Tensor v = data.x().transpose().matmul(y.sub(beta));
        return v.squaredNorm().div(l2reg.mul(2)).add(beta.vdot(y.sub(1.0)));
    }

    /** The dual objective with a constant λ. */
    public static Tensor multiclassLinearSvmDual(Tensor beta, double l2reg, Objectives.Data data) {
        return multiclassLinearSvmDual(beta, Tensor.scalar(l2reg), data);
    }

    /**
     * The primal weights of dual variables, W(β) = Xᵀ(Y − β)/λ: at a dual optimum, the primal
     * optimum.
     *
     * @param beta shape (n, k)
     * @return shape (d, k)
     * @throws ShapeException           if the shapes do not fit together
     * @throws IllegalArgumentException as {@link #multiclassLinearSvmDual}
     */
    public static Tensor multiclassLinearSvmWeights(Tensor beta, Tensor l2reg, Objectives.Data data) {
        String op = "SvmObjectives.multiclassLinearSvmWeights";
        Tensor y = oneHotLabels(op, "beta", beta, l2reg, data);
        return data.x().transpose().matmul(y.sub(beta)).div(l2reg);
    }

    /**
     * The primal objective of the multiclass linear SVM:
     * <pre>
     *   P(W) = (λ/2)·‖W‖² + Σᵢ max_j (sᵢⱼ + 1 − Yᵢⱼ) − ⟨Yᵢ, sᵢ⟩,    s = X·W
     * </pre>
     *
     * @param w shape (d, k)
     * @return a 0-d tensor
     * @throws ShapeException           if the shapes do not fit together
     * @throws IllegalArgumentException as {@link #multiclassLinearSvmDual}
     */
    public static Tensor multiclassLinearSvmPrimal(Tensor w, Tensor l2reg, Objectives.Data data) {
        String op = "SvmObjectives.multiclassLinearSvmPrimal";
        if (w == null) {
            throw new IllegalArgumentException(op + ": w is null");
        }
        if (data == null) {
            throw new IllegalArgumentException(op + ": data is null");
        }
        if (w.rank() != 2 || w.dim(0) != data.x().dim(1)) {
            throw new ShapeException(op + ": w of shape " + Shapes.str(w.shape()) + " does not fit x of shape "
                    + Shapes.str(data.x().shape()) + " (needs shape (" + data.x().dim(1) + ", k))");
        }
        Tensor scores = data.x().matmul(w);
        Tensor y = oneHotLabels(op, "w", scores, l2reg, data);
        return l2reg.mul(0.5).mul(w.squaredNorm()).add(Losses.multiclassHinge(y, scores).sum());
    }

    /**
     * The duality gap P(W(β)) + f(β) of feasible dual variables: ≥ 0 (weak duality), 0 exactly at
     * a dual optimum, and an upper bound on both P(W(β)) − min P and f(β) − min f, so a
     * certificate of the accuracy of a dual solve that needs no reference solution.
     *
     * @param beta shape (n, k), every row in the simplex up to 1e-9 (nonnegative, summing to 1)
     * @return a 0-d tensor
     * @throws IllegalArgumentException if a row of β is not in the simplex, or as {@link #multiclassLinearSvmDual}
     */
    public static Tensor multiclassLinearSvmDualityGap(Tensor beta, Tensor l2reg, Objectives.Data data) {
        String op = "SvmObjectives.multiclassLinearSvmDualityGap";
        oneHotLabels(op, "beta", beta, l2reg, data);
        int k = beta.dim(1);
        double[] b = beta.toArray();
        for (int i = 0; i < beta.dim(0); i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                double v = b[i * k + j];
                if (!(v >= -1e-9)) {
                    throw new IllegalArgumentException(op + ": beta must have rows in the simplex (entries >= 0), got "
                            + v + " in row " + i + ", column " + j);
                }
                sum += v;
            }
            if (!(Math.abs(sum - 1) <= 1e-9 * k)) {
                throw new IllegalArgumentException(op + ": beta must have rows in the simplex (summing to 1), row " + i
                        + " sums to " + sum);
            }
        }
        Tensor w = multiclassLinearSvmWeights(beta, l2reg, data);
        return multiclassLinearSvmPrimal(w, l2reg, data).add(multiclassLinearSvmDual(beta, l2reg, data));
    }

    /**
     * Checks every argument and returns the labels as one-hot rows of the shape of {@code rows}
     * (n, k): the dual variables, or the scores X·W.
     */
    private static Tensor oneHotLabels(String op, String name, Tensor rows, Tensor l2reg, Objectives.Data data) {
        if (rows == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (data == null) {
            throw new IllegalArgumentException(op + ": data is null");
        }
        if (l2reg == null) {
            throw new IllegalArgumentException(op + ": l2reg is null");
        }
        if (l2reg.rank() != 0) {
            throw new ShapeException(op + ": l2reg must be a 0-d tensor, got shape " + Shapes.str(l2reg.shape()));
        }
        double lam = l2reg.item();
        if (!(lam > 0) || !Double.isFinite(lam)) {
            throw new IllegalArgumentException(op + ": l2reg must be finite and > 0 (the dual divides by it), got "
                    + lam);
        }
        int n = data.x().dim(0);
        if (rows.rank() != 2 || rows.dim(0) != n || rows.dim(1) < 1) {
            throw new ShapeException(op + ": " + name + " of shape " + Shapes.str(rows.shape())
                    + " does not fit x of shape " + Shapes.str(data.x().shape()) + " (needs shape (" + n + ", k), k >= 1)");
        }
        int k = rows.dim(1);
        Tensor labels = data.y();
        boolean indices = labels.rank() == 1;
        boolean oneHot = labels.rank() == 2 && labels.dim(1) == k;
        if (!indices && !oneHot) {
            throw new ShapeException(op + ": y of shape " + Shapes.str(labels.shape()) + " does not fit " + k
                    + " classes (needs class indices of shape (" + n + ") or one-hot rows of shape (" + n + ", " + k
                    + "))");
        }
        if (!data.x().isFinite()) {
            throw new IllegalArgumentException(op + ": x (the features) contains NaN or infinity");
        }
        return Losses.labelDistribution(op, labels, rows);
    }
}
