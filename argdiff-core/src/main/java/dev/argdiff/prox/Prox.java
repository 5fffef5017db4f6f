package dev.argdiff.prox;

import dev.argdiff.projection.ProjectionOperator;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

/**
 * Proximal operators, JAXopt's {@code jaxopt.prox}:
 * <pre>
 *   prox_{s·g}(x) = argmin_y ½‖y − x‖² + s·g(y)
 * </pre>
 * for the regularizers g of sparse and shrunk models. The scaling s ≥ 0 is the step size of
 * the solver calling the prox.
 *
 * <p>Every operator is written with tensor operations, so it is differentiable (almost
 * everywhere) by every transform, in x and in its hyperparameters (λ given as a 0-d tensor, or a
 * tensor broadcasting to x's shape for per-coordinate weights where stated). At the kinks the
 * derivative is JAXopt's: soft-thresholding has derivative 0 at |x| = s·λ (the zero branch),
 * block soft-thresholding likewise at ‖x‖ = s·λ.
 *
 * <p>Each method has the signature of {@link ProxOperator#apply(Object, Object, double)}, so
 * {@code Prox::lasso}, {@code Prox::ridge}, {@code Prox::elasticNet}, … are prox operators.
 *
 * <p>Arguments are checked eagerly: a hyperparameter that is negative, NaN or infinite, a
 * negative or non-finite scaling, or a hyperparameter shape that does not broadcast to x's
 * shape is refused with an {@link IllegalArgumentException} (a {@link ShapeException} for
 * shapes) naming the method and the argument.
 */
public final class Prox {
    private Prox() {
    }

    /** The hyperparameters of {@link #elasticNet(Tensor, ElasticNet, double)}: both ≥ 0. */
    public record ElasticNet(Tensor l1reg, Tensor l2reg) {
        /** Both strengths as 0-d tensors. */
        public static ElasticNet of(double l1reg, double l2reg) {
            return new ElasticNet(Tensor.scalar(l1reg), Tensor.scalar(l2reg));
        }
    }

    // ------------------------------------------------------------------ g = 0

    /**
     * The prox of g = 0: the identity (JAXopt {@code prox_none}). Hyperparameters and scaling
     * are ignored.
     */
    public static <X> X none(X x, Object hyperparams, double scaling) {
        return x;
    }

    // ------------------------------------------------------------------ l1

    /**
     * Soft-thresholding, the prox of the l1 norm (JAXopt {@code prox_lasso}):
     * <pre>
     *   argmin_y ½‖y − x‖² + s·Σᵢ λᵢ|yᵢ|  =  sign(x) · max(|x| − s·λ, 0)
     * </pre>
     *
     * @param x       any shape
     * @param l1reg   λ ≥ 0: a 0-d tensor, or a tensor broadcasting to x's shape (per-coordinate weights)
     * @param scaling s ≥ 0
     */
    public static Tensor lasso(Tensor x, Tensor l1reg, double scaling) {
        checkX("Prox.lasso", x);
        checkReg("Prox.lasso", "l1reg", l1reg, x);
        checkScaling("Prox.lasso", scaling);
        return softThreshold(x, l1reg.mul(scaling));
    }

    /** {@link #lasso(Tensor, Tensor, double)} with a plain λ. */
    public static Tensor lasso(Tensor x, double l1reg, double scaling) {
        return lasso(x, Tensor.scalar(l1reg), scaling);
    }

    /**
     * The prox of the l1 norm restricted to the non-negative orthant (JAXopt
     * {@code prox_non_negative_lasso}):
     * <pre>
     *   argmin_{y ≥ 0} ½‖y − x‖² + s·Σᵢ λᵢ yᵢ  =  max(x − s·λ, 0)
     * </pre>
     *
     * @param l1reg λ ≥ 0: 0-d or broadcasting to x's shape
     */
    public static Tensor nonNegativeLasso(Tensor x, Tensor l1reg, double scaling) {
        checkX("Prox.nonNegativeLasso", x);
        checkReg("Prox.nonNegativeLasso", "l1reg", l1reg, x);
        checkScaling("Prox.nonNegativeLasso", scaling);
        return x.sub(l1reg.mul(scaling)).relu();
    }

    /** The non-negative lasso prox with a constant strength (not differentiated). */
    public static Tensor nonNegativeLasso(Tensor x, double l1reg, double scaling) {
        return nonNegativeLasso(x, Tensor.scalar(l1reg), scaling);
    }

    // ------------------------------------------------------------------ elastic net

    /**
     * The prox of the elastic net in JAXopt's parametrization (JAXopt {@code prox_elastic_net}):
     * <pre>
     *   g(y) = λ₁ · (‖y‖₁ + ½·λ₂·‖y‖²)
     *   prox_{s·g}(x) = sign(x) · max(|x| − s·λ₁, 0) / (1 + s·λ₁·λ₂)
     * </pre>
     * Note that λ₂ multiplies λ₁: the l2 strength of the penalty is λ₁·λ₂, not λ₂ (the
     * convention of JAXopt, kept so that hyperparameters carry over).
     *
     * @param l1reg λ₁ ≥ 0: 0-d or broadcasting to x's shape
     * @param l2reg λ₂ ≥ 0: 0-d or broadcasting to x's shape
     */
    public static Tensor elasticNet(Tensor x, Tensor l1reg, Tensor l2reg, double scaling) {
        checkX("Prox.elasticNet", x);
        checkReg("Prox.elasticNet", "l1reg", l1reg, x);
        checkReg("Prox.elasticNet", "l2reg", l2reg, x);
        checkScaling("Prox.elasticNet", scaling);
        Tensor sl1 = l1reg.mul(scaling);
        return softThreshold(x, sl1).div(sl1.mul(l2reg).add(1.0));
    }

    /** {@link #elasticNet(Tensor, Tensor, Tensor, double)} with the hyperparameters as a record (a {@link ProxOperator}). */
    public static Tensor elasticNet(Tensor x, ElasticNet hyperparams, double scaling) {
        if (hyperparams == null) {
            throw new IllegalArgumentException("Prox.elasticNet: hyperparams is null");
        }
        return elasticNet(x, hyperparams.l1reg(), hyperparams.l2reg(), scaling);
    }

    /** The elastic-net prox with constant strengths (not differentiated). */
    public static Tensor elasticNet(Tensor x, double l1reg, double l2reg, double scaling) {
        return elasticNet(x, Tensor.scalar(l1reg), Tensor.scalar(l2reg), scaling);
    }

    // ------------------------------------------------------------------ group lasso

    /**
     * Block soft-thresholding, the prox of the l2 norm of the whole tensor (JAXopt
     * {@code prox_group_lasso}):
     * <pre>
     *   argmin_y ½‖y − x‖² + s·λ·‖y‖₂  =  max(1 − s·λ/‖x‖₂, 0) · x
     * </pre>
     * At x = 0 the result is 0 with a zero derivative (no division by zero).
     *
     * @param l2reg λ ≥ 0, a 0-d tensor
     */
    public static Tensor groupLasso(Tensor x, Tensor l2reg, double scaling) {
        checkX("Prox.groupLasso", x);
        if (l2reg == null) {
            throw new IllegalArgumentException("Prox.groupLasso: l2reg is null");
        }
        if (l2reg.rank() != 0) {
            throw new ShapeException("Prox.groupLasso: l2reg must be a 0-d tensor, got shape "
                    + Shapes.str(l2reg.shape()) + " (for one strength per group use groupLasso(x, l2reg, scaling, axis))");
        }
        checkReg("Prox.groupLasso", "l2reg", l2reg, x);
        checkScaling("Prox.groupLasso", scaling);
        return blockShrink(x, x.norm(), l2reg.mul(scaling));
    }

    /** The group-lasso prox with a constant strength (not differentiated). */
    public static Tensor groupLasso(Tensor x, double l2reg, double scaling) {
        return groupLasso(x, Tensor.scalar(l2reg), scaling);
    }

    /**
     * Block soft-thresholding with one group per slice along {@code axis}: each vector
     * x[…, :, …] running along {@code axis} is a group, shrunk by its own l2 norm,
     * <pre>
     *   g(y) = Σ_groups λ_g ‖y_g‖₂,   prox(x)_g = max(1 − s·λ_g/‖x_g‖₂, 0) · x_g
     * </pre>
     * For a weight matrix W of shape (features, classes), {@code axis = 1} shrinks whole rows
     * (a feature is dropped for every class at once: the multi-task lasso). This is JAXopt's
     * {@code prox_group_lasso} under {@code jax.vmap} over the other axes.
     *
     * @param l2reg λ ≥ 0: 0-d, or broadcasting to x's shape with {@code axis} reduced to length 1
     *              (one strength per group)
     */
    public static Tensor groupLasso(Tensor x, Tensor l2reg, double scaling, int axis) {
        checkX("Prox.groupLasso", x);
        int a = Shapes.axis("Prox.groupLasso", axis, x.rank());
        int[] groupShape = x.shape();
        groupShape[a] = 1;
        checkReg("Prox.groupLasso", "l2reg", l2reg, groupShape);
        checkScaling("Prox.groupLasso", scaling);
        Tensor sq = x.square().sum(a, true);
        // sqrt has an infinite derivative at 0: evaluate it on a safe value where a group is 0.
        Tensor positive = sq.gt(0.0);
        Tensor norms = Tensor.where(positive, Tensor.where(positive, sq, Tensor.scalar(1.0)).sqrt(), Tensor.scalar(0.0));
        return blockShrink(x, norms, l2reg.mul(scaling));
    }

    /** max(1 − t/‖x‖, 0)·x with the norm(s) given; 0 (derivative 0) where the norm is 0. */
    private static Tensor blockShrink(Tensor x, Tensor norms, Tensor threshold) {
        Tensor positive = norms.gt(0.0);
        Tensor safe = Tensor.where(positive, norms, Tensor.scalar(1.0));
        Tensor factor = threshold.div(safe).rsub(1.0).relu().mul(positive);
        return x.mul(factor);
    }

    // ------------------------------------------------------------------ ridge

    /**
     * The prox of the squared l2 norm (JAXopt {@code prox_ridge}):
     * <pre>
     *   argmin_y ½‖y − x‖² + s·½·λ·‖y‖²  =  x / (1 + s·λ)
     * </pre>
     *
     * @param l2reg λ ≥ 0: 0-d or broadcasting to x's shape
     */
    public static Tensor ridge(Tensor x, Tensor l2reg, double scaling) {
        checkX("Prox.ridge", x);
        checkReg("Prox.ridge", "l2reg", l2reg, x);
        checkScaling("Prox.ridge", scaling);
        return x.div(l2reg.mul(scaling).add(1.0));
    }

    /** The ridge prox with a constant strength (not differentiated). */
    public static Tensor ridge(Tensor x, double l2reg, double scaling) {
        return ridge(x, Tensor.scalar(l2reg), scaling);
    }

    /**
     * The prox of the squared l2 norm restricted to the non-negative orthant (JAXopt
     * {@code prox_non_negative_ridge}):
     * <pre>
     *   argmin_{y ≥ 0} ½‖y − x‖² + s·½·λ·‖y‖²  =  max(x, 0) / (1 + s·λ)
     * </pre>
     *
     * @param l2reg λ ≥ 0: 0-d or broadcasting to x's shape
     */
    public static Tensor nonNegativeRidge(Tensor x, Tensor l2reg, double scaling) {
        checkX("Prox.nonNegativeRidge", x);
        checkReg("Prox.nonNegativeRidge", "l2reg", l2reg, x);
        checkScaling("Prox.nonNegativeRidge", scaling);
        return x.div(l2reg.mul(scaling).add(1.0)).relu();
    }

    /** The non-negative ridge prox with a constant strength (not differentiated). */
    public static Tensor nonNegativeRidge(Tensor x, double l2reg, double scaling) {
        return nonNegativeRidge(x, Tensor.scalar(l2reg), scaling);
    }

    // ------------------------------------------------------------------ indicators

    /**
     * The prox of the indicator of a set C(h) — 0 on C, +∞ outside — which is the projection
     * onto C whatever the scaling (JAXopt {@code make_prox_from_projection}):
     * <pre>
     *   argmin_y ½‖y − x‖² + s·ι_C(y) = P_C(x)   for every s &gt; 0
     * </pre>
     */
    public static <X, H> ProxOperator<X, H> fromProjection(ProjectionOperator<X, H> projection) {
        if (projection == null) {
            throw new IllegalArgumentException("Prox.fromProjection: projection is null");
        }
        return (x, h, scaling) -> projection.apply(x, h);
    }

    // ------------------------------------------------------------------ helpers

    /** sign(x)·max(|x| − t, 0); relu has derivative 0 at 0, so the kink takes the zero branch. */
    private static Tensor softThreshold(Tensor x, Tensor threshold) {
        return x.sign().mul(x.abs().sub(threshold).relu());
    }

    private static void checkX(String op, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": x is null");
        }
    }

    private static void checkScaling(String op, double scaling) {
        if (!(scaling >= 0) || !Double.isFinite(scaling)) {
            throw new IllegalArgumentException(op + ": scaling must be finite and >= 0, got " + scaling);
        }
    }

    private static void checkReg(String op, String name, Tensor reg, Tensor x) {
        checkReg(op, name, reg, x.shape());
    }

    /** reg is non-null, broadcasts to {@code target} without enlarging it, and is finite and ≥ 0. */
    private static void checkReg(String op, String name, Tensor reg, int[] target) {
        if (reg == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (!Shapes.broadcastsTo(reg.shape(), target)) {
            throw new ShapeException(op + ": " + name + " of shape " + Shapes.str(reg.shape())
                    + " does not broadcast to shape " + Shapes.str(target));
        }
        double[] v = reg.toArray();
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0) || !Double.isFinite(v[i])) {
                throw new IllegalArgumentException(op + ": " + name + " must be finite and >= 0, got " + v[i]
                        + (v.length > 1 ? " at entry " + i : ""));
            }
        }
    }
}
