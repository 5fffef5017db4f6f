package dev.argdiff.projection;

import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.ShapeException;
import dev.argdiff.tensor.Shapes;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;

/**
 * Euclidean projections onto convex sets (and two spheres), JAXopt's {@code jaxopt.projection}:
 * <pre>
 *   P_C(x) = argmin_{y ∈ C} ½‖y − x‖²
 * </pre>
 *
 * <p>Every projection is written with tensor operations, so it is differentiable (almost
 * everywhere) by every transform, in x and in the parameters of the set (bounds, radius,
 * a and b, …) given as tensors. Where the set is selected by a comparison (inside the ball or
 * not, which coordinates are in the support of a simplex projection), the selection is made on
 * concrete values and the output is then an explicit differentiable expression of x and the
 * parameters on that piece, so the derivative is the exact derivative of the active piece.
 *
 * <p>Each method taking (x, hyperparameters) has the signature of
 * {@link ProjectionOperator#apply}: {@code Projection::box}, {@code Projection::simplex},
 * {@code Projection::l2Ball}, … are projection operators.
 *
 * <p>Arguments are checked eagerly: an empty set (lower &gt; upper, a negative radius, a
 * non-positive simplex sum, a = 0 for a hyperplane) or parameters that are NaN are refused
 * with an {@link IllegalArgumentException}, and shape mismatches with a {@link ShapeException},
 * each naming the method and the argument.
 */
public final class Projection {
    private Projection() {
    }

    /** The bounds of {@link #box(Tensor, Box)}: lower ≤ upper, each 0-d or broadcasting to x's shape. */
    public record Box(Tensor lower, Tensor upper) {
        /** Constant bounds. */
        public static Box of(double lower, double upper) {
            return new Box(Tensor.scalar(lower), Tensor.scalar(upper));
        }
    }

    /** The hyperplane {y : ⟨a, y⟩ = b} of {@link #hyperplane(Tensor, Hyperplane)}: a of x's shape, b 0-d. */
    public record Hyperplane(Tensor a, Tensor b) {
    }

    /** The halfspace {y : ⟨a, y⟩ ≤ b} of {@link #halfspace(Tensor, Halfspace)}: a of x's shape, b 0-d. */
    public record Halfspace(Tensor a, Tensor b) {
    }

    /** The affine set {y : A·y = b} of {@link #affineSet(Tensor, AffineSet)}: A of shape (m, n), b of shape (m). */
    public record AffineSet(Tensor matrix, Tensor b) {
    }

    // ------------------------------------------------------------------ orthant and boxes

    /**
     * The projection onto the non-negative orthant, max(x, 0) (JAXopt
     * {@code projection_non_negative}). The derivative at 0 is 0.
     */
    public static Tensor nonNegative(Tensor x) {
        checkX("Projection.nonNegative", x);
        return x.relu();
    }

    /**
     * The projection onto the box {lower ≤ y ≤ upper}: clip(x, lower, upper) (JAXopt
     * {@code projection_box}). Infinite bounds are allowed. The derivative in x is 1 where
     * lower ≤ x ≤ upper (boundaries included) and 0 elsewhere; the derivative in a bound is 1
     * where x lies strictly beyond it.
     *
     * @param lower 0-d or broadcasting to x's shape
     * @param upper 0-d or broadcasting to x's shape, ≥ lower
     */
    public static Tensor box(Tensor x, Tensor lower, Tensor upper) {
        String op = "Projection.box";
        checkX(op, x);
        checkBroadcast(op, "lower", lower, x.shape());
        checkBroadcast(op, "upper", upper, x.shape());
        double[] lo = lower.concrete().broadcastTo(x.shape()).toArray();
        double[] hi = upper.concrete().broadcastTo(x.shape()).toArray();
        for (int i = 0; i < lo.length; i++) {
            if (Double.isNaN(lo[i]) || Double.isNaN(hi[i]) || lo[i] > hi[i]) {
                throw new IllegalArgumentException(op + ": needs lower <= upper, got lower " + lo[i] + " and upper "
                        + hi[i] + (lower.size() > 1 || upper.size() > 1 ? " at entry " + i : ""));
            }
        }
        return Tensor.where(x.lt(lower), lower, Tensor.where(x.gt(upper), upper, x));
    }

    /** {@link #box(Tensor, Tensor, Tensor)} with the bounds as a record (a {@link ProjectionOperator}). */
    public static Tensor box(Tensor x, Box bounds) {
        if (bounds == null) {
            throw new IllegalArgumentException("Projection.box: bounds is null");
        }
        return box(x, bounds.lower(), bounds.upper());
    }

    /** The projection onto a box with constant bounds (not differentiated). */
    public static Tensor box(Tensor x, double lower, double upper) {
        return box(x, Tensor.scalar(lower), Tensor.scalar(upper));
    }

    /** The projection onto the hypercube [0, unit]ⁿ (JAXopt {@code projection_hypercube}). */
    public static Tensor hypercube(Tensor x, Tensor unit) {
        checkX("Projection.hypercube", x);
        checkNonNegative("Projection.hypercube", "unit", unit, x.shape());
        return box(x, Tensor.scalar(0.0), unit);
    }

    /** The projection onto [0, unit]ⁿ with a constant {@code unit}. */
    public static Tensor hypercube(Tensor x, double unit) {
        return hypercube(x, Tensor.scalar(unit));
    }

    /**
     * The projection onto the l∞ ball {‖y‖∞ ≤ r}: clip(x, −r, r) (JAXopt
     * {@code projection_linf_ball}).
     *
     * @param radius r ≥ 0: 0-d or broadcasting to x's shape
     */
    public static Tensor lInfBall(Tensor x, Tensor radius) {
        checkX("Projection.lInfBall", x);
        checkNonNegative("Projection.lInfBall", "radius", radius, x.shape());
        return box(x, radius.neg(), radius);
    }

    /** The projection onto the ℓ∞ ball of a constant radius. */
    public static Tensor lInfBall(Tensor x, double radius) {
        return lInfBall(x, Tensor.scalar(radius));
    }

    // ------------------------------------------------------------------ simplex and l1

    /**
     * The projection of a vector onto the simplex {y ≥ 0, Σ y = s} (JAXopt
     * {@code projection_simplex}), by sorting (Held et al. 1974; Duchi et al. 2008, "Efficient
     * projections onto the l1-ball for learning in high dimensions"; Condat 2016):
     * <pre>
     *   P(x) = max(x − τ, 0),   τ = (Σ_{i∈S} xᵢ − s) / |S|
     * </pre>
     * where S, the support, is the set of the ρ largest entries with ρ the largest j such that
     * u_j − (Σ_{k≤j} u_k − s)/j &gt; 0 for u = x sorted in decreasing order. S is found on
     * concrete values; τ is then a differentiable expression of x and s, so the Jacobian is the
     * exact one almost everywhere: (I − 𝟙𝟙ᵀ/|S|) on S × S, 0 elsewhere, and ∂P/∂s = 𝟙_S/|S|.
     * O(n log n).
     *
     * @param x     a 1-d tensor with at least one entry
     * @param scale s &gt; 0, a 0-d tensor
     */
    public static Tensor simplex(Tensor x, Tensor scale) {
        checkX("Projection.simplex", x);
        if (x.rank() != 1) {
            throw new ShapeException("Projection.simplex: x must be 1-d, got shape " + Shapes.str(x.shape())
                    + " (use simplex(x, scale, axis) to project slices of a tensor)");
        }
        return simplex(x, scale, 0, "Projection.simplex");
    }

    /** The projection onto the simplex of a constant scale. */
    public static Tensor simplex(Tensor x, double scale) {
        return simplex(x, Tensor.scalar(scale));
    }

    /**
     * Projects every slice of x along {@code axis} onto the simplex {y ≥ 0, Σ y = s}: for a
     * matrix of scores with one row per sample, {@code axis = 1} gives sparsemax of each row
     * (Martins and Astudillo 2016). See {@link #simplex(Tensor, Tensor)}.
     *
     * @param scale s &gt; 0: 0-d, or broadcasting to x's shape with {@code axis} reduced to length 1
     */
    public static Tensor simplex(Tensor x, Tensor scale, int axis) {
        checkX("Projection.simplex", x);
        return simplex(x, scale, axis, "Projection.simplex");
    }

    private static Tensor simplex(Tensor x, Tensor scale, int axis, String op) {
        int[] shape = x.shape();
        if (shape.length == 0) {
            throw new ShapeException(op + ": x must have at least one axis, got a 0-d tensor");
        }
        int a = Shapes.axis(op, axis, shape.length);
        int len = shape[a];
        if (len == 0) {
            throw new ShapeException(op + ": axis " + axis + " of shape " + Shapes.str(shape)
                    + " is empty; the simplex in 0 dimensions is empty");
        }
        int[] groupShape = shape.clone();
        groupShape[a] = 1;
        checkBroadcast(op, "scale", scale, groupShape);
        double[] s = scale.concrete().broadcastTo(groupShape).toArray();
        for (int i = 0; i < s.length; i++) {
            if (!(s[i] > 0) || !Double.isFinite(s[i])) {
                throw new IllegalArgumentException(op + ": scale must be finite and > 0, got " + s[i]
                        + (s.length > 1 ? " at entry " + i : ""));
            }
        }
        Tensor tau = simplexThreshold(op, x, scale, s, a, groupShape);
        return x.sub(tau).relu();
    }

    /**
     * τ for each slice along axis a: the support is selected on concrete values (a 0/1 mask),
     * then τ = (Σ mask·x − s)/|S| is evaluated with tensor operations so derivatives flow.
     */
    private static Tensor simplexThreshold(String op, Tensor x, Tensor scale, double[] s, int a, int[] groupShape) {
        int[] shape = x.shape();
        double[] v = x.toArray();
        int len = shape[a];
        int inner = 1;
        for (int i = a + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int outer = v.length / (len * inner);
        double[] mask = new double[v.length];
        double[] count = new double[outer * inner];
        double[] u = new double[len];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                for (int k = 0; k < len; k++) {
                    u[k] = v[base + k * inner];
                    if (!Double.isFinite(u[k])) {
                        throw new IllegalArgumentException(op + ": x contains " + u[k]);
                    }
                }
                Arrays.sort(u);
                double target = s[o * inner + i];
                double cum = 0;
                int rho = 0;
                for (int j = 1; j <= len; j++) {
                    double uj = u[len - j];
                    cum += uj;
                    if (uj - (cum - target) / j > 0) {
                        rho = j;
                    }
                }
                // The largest entry always qualifies (u₁ − (u₁ − s) = s > 0), so rho >= 1. Entries
                // tied with the smallest one in the support are in the support too (the condition
                // holds for j and j+1 alike when u_j = u_{j+1}), so the support is {x ≥ u_rho}.
                double cut = u[len - rho];
                int c = 0;
                for (int k = 0; k < len; k++) {
                    if (v[base + k * inner] >= cut) {
                        mask[base + k * inner] = 1.0;
                        c++;
                    }
                }
                count[o * inner + i] = c;
            }
        }
        Tensor maskT = Tensor.of(shape, mask);
        Tensor countT = Tensor.of(groupShape, count);
        return x.mul(maskT).sum(a, true).sub(scale).div(countT);
    }

    /**
     * The projection onto the l1 ball {‖y‖₁ ≤ r} (JAXopt {@code projection_l1_ball}): x itself
     * when ‖x‖₁ ≤ r, otherwise sign(x)·P_simplex(|x|, r) (Duchi et al. 2008). All entries of x
     * form one vector, whatever its shape. On the boundary piece the Jacobian is
     * I − σσᵀ/|S| on the support S (σ = sign(x)), 0 elsewhere; ∂P/∂r = σ_S/|S|.
     *
     * @param radius r ≥ 0, a 0-d tensor (r = 0 gives 0 with a zero derivative)
     */
    public static Tensor l1Ball(Tensor x, Tensor radius) {
        String op = "Projection.l1Ball";
        checkX(op, x);
        double r = checkRadius(op, radius);
        if (x.abs().sum().item() <= r) {
            return x;
        }
        if (r == 0) {
            return x.mul(0.0);
        }
        return l1Boundary(x, radius, op);
    }

    /** The projection onto the ℓ1 ball of a constant radius. */
    public static Tensor l1Ball(Tensor x, double radius) {
        return l1Ball(x, Tensor.scalar(radius));
    }

    /**
     * The projection onto the l1 sphere {‖y‖₁ = r} (JAXopt {@code projection_l1_sphere}):
     * σ·P_simplex(|x|, r) with σ = sign(x). Unlike JAXopt, a zero entry gets σ = +1, not 0:
     * with σ = 0 the result of a point with zero entries inside the ball would not lie on the
     * sphere. The sphere is not convex: the projection is not unique where x has ties or zeros
     * inside the ball; this returns one of the nearest points.
     *
     * @param radius r &gt; 0, a 0-d tensor
     */
    public static Tensor l1Sphere(Tensor x, Tensor radius) {
        String op = "Projection.l1Sphere";
        checkX(op, x);
        double r = checkRadius(op, radius);
        if (r == 0) {
            throw new IllegalArgumentException(op + ": radius must be > 0, got 0.0");
        }
        return l1Boundary(x, radius, op);
    }

    /** The projection onto the ℓ1 sphere of a constant radius. */
    public static Tensor l1Sphere(Tensor x, double radius) {
        return l1Sphere(x, Tensor.scalar(radius));
    }

    private static Tensor l1Boundary(Tensor x, Tensor radius, String op) {
        if (x.size() == 0) {
            throw new ShapeException(op + ": x is empty; the l1 sphere of a positive radius in 0 dimensions is empty");
        }
        Tensor sign = Tensor.where(x.concrete().ge(0.0), Tensor.scalar(1.0), Tensor.scalar(-1.0));
        Tensor magnitude = x.mul(sign).flatten();
        return simplex(magnitude, radius, 0, op).reshape(x.shape()).mul(sign);
    }

    // ------------------------------------------------------------------ l2

    /**
     * The projection onto the l2 ball {‖y‖₂ ≤ r} (JAXopt {@code projection_l2_ball}): x when
     * ‖x‖ ≤ r, otherwise r·x/‖x‖. All entries of x form one vector.
     *
     * @param radius r ≥ 0, a 0-d tensor
     */
    public static Tensor l2Ball(Tensor x, Tensor radius) {
        String op = "Projection.l2Ball";
        checkX(op, x);
        checkRadius(op, radius);
        Tensor norm = x.norm();
        if (norm.item() <= radius.item()) {
            return x;
        }
        return x.mul(radius.div(norm));
    }

    /** The projection onto the ℓ2 ball of a constant radius. */
    public static Tensor l2Ball(Tensor x, double radius) {
        return l2Ball(x, Tensor.scalar(radius));
    }

    /**
     * The projection onto the l2 sphere {‖y‖₂ = r}: r·x/‖x‖ (JAXopt
     * {@code projection_l2_sphere}). The sphere is not convex; the projection is unique
     * except at x = 0, which is refused (JAXopt returns NaN there).
     *
     * @param radius r ≥ 0, a 0-d tensor
     * @throws IllegalArgumentException if x = 0
     */
    public static Tensor l2Sphere(Tensor x, Tensor radius) {
        String op = "Projection.l2Sphere";
        checkX(op, x);
        checkRadius(op, radius);
        Tensor norm = x.norm();
        if (!(norm.item() > 0)) {
            throw new IllegalArgumentException(op + ": x is 0 (shape " + Shapes.str(x.shape())
                    + "), where every point of the sphere is nearest; the projection is not defined");
        }
        return x.mul(radius.div(norm));
    }

    /** The projection onto the ℓ2 sphere of a constant radius. */
    public static Tensor l2Sphere(Tensor x, double radius) {
        return l2Sphere(x, Tensor.scalar(radius));
    }

    // ------------------------------------------------------------------ affine sets

    /**
     * The projection onto the hyperplane {y : ⟨a, y⟩ = b} (JAXopt
     * {@code projection_hyperplane}):
     * <pre>
     *   P(x) = x − ((⟨a, x⟩ − b) / ⟨a, a⟩) · a
     * </pre>
     *
     * @param a a non-zero tensor of x's shape
     * @param b a 0-d tensor
     */
    public static Tensor hyperplane(Tensor x, Tensor a, Tensor b) {
        String op = "Projection.hyperplane";
        Tensor aa = checkLinear(op, x, a, b);
        return x.sub(a.mul(a.vdot(x).sub(b).div(aa)));
    }

    /** {@link #hyperplane(Tensor, Tensor, Tensor)} with (a, b) as a record (a {@link ProjectionOperator}). */
    public static Tensor hyperplane(Tensor x, Hyperplane hyperparams) {
        if (hyperparams == null) {
            throw new IllegalArgumentException("Projection.hyperplane: hyperparams is null");
        }
        return hyperplane(x, hyperparams.a(), hyperparams.b());
    }

    /**
     * The projection onto the halfspace {y : ⟨a, y⟩ ≤ b} (JAXopt
     * {@code projection_halfspace}):
     * <pre>
     *   P(x) = x − (max(⟨a, x⟩ − b, 0) / ⟨a, a⟩) · a
     * </pre>
     *
     * @param a a non-zero tensor of x's shape
     * @param b a 0-d tensor
     */
    public static Tensor halfspace(Tensor x, Tensor a, Tensor b) {
        String op = "Projection.halfspace";
        Tensor aa = checkLinear(op, x, a, b);
        return x.sub(a.mul(a.vdot(x).sub(b).relu().div(aa)));
    }

    /** {@link #halfspace(Tensor, Tensor, Tensor)} with (a, b) as a record (a {@link ProjectionOperator}). */
    public static Tensor halfspace(Tensor x, Halfspace hyperparams) {
        if (hyperparams == null) {
            throw new IllegalArgumentException("Projection.halfspace: hyperparams is null");
        }
        return halfspace(x, hyperparams.a(), hyperparams.b());
    }

    /**
     * The projection onto the affine set {y : A·y = b} (JAXopt {@code projection_affine_set}):
     * <pre>
     *   P(x) = x − Aᵀ (A·Aᵀ)⁻¹ (A·x − b)
     * </pre>
     * The m×m system is solved by {@link LinearSolve} with an LU factorization, whose implicit
     * derivative rules make the result exactly differentiable in x, A and b at every order.
     * A must have full row rank (m ≤ n, independent rows).
     *
     * @param matrix A, shape (m, n) with m ≥ 1
     * @param b      shape (m)
     * @param x      shape (n)
     * @throws dev.argdiff.linalg.SolveFailedException if A·Aᵀ is singular (A not of full row rank)
     */
    public static Tensor affineSet(Tensor x, Tensor matrix, Tensor b) {
        String op = "Projection.affineSet";
        checkX(op, x);
        if (matrix == null || b == null) {
            throw new IllegalArgumentException(op + ": " + (matrix == null ? "A" : "b") + " is null");
        }
        if (x.rank() != 1 || matrix.rank() != 2 || b.rank() != 1 || matrix.dim(1) != x.dim(0)
                || matrix.dim(0) != b.dim(0) || matrix.dim(0) == 0) {
            throw new ShapeException(op + ": needs x of shape (n), A of shape (m, n) with m >= 1 and b of shape (m), got x "
                    + Shapes.str(x.shape()) + ", A " + Shapes.str(matrix.shape()) + " and b " + Shapes.str(b.shape()));
        }
        if (!matrix.isFinite() || !b.isFinite()) {
            throw new IllegalArgumentException(op + ": " + (matrix.isFinite() ? "b" : "A") + " contains NaN or infinity");
        }
        Tensor gram = matrix.matmul(matrix.transpose());
        Tensor residual = matrix.matmul(x).sub(b);
        Tensor u = LinearSolve.solve(LinearOperator.fromMatrix(gram), residual, LinearSolver.lu());
        return x.sub(matrix.transposeMatmul(u));
    }

    /**
     * The projection onto the polyhedron {y : A·y = b, G·y ≤ h} (JAXopt
     * {@code projection_polyhedron}): the quadratic program min ½‖y − x‖² subject to those
     * constraints, solved by {@link dev.argdiff.solvers.OSQP} to a KKT residual of 10⁻¹⁰ (at most
     * 10 000 iterations). Differentiable in x, A, b, G and h by implicit differentiation of the KKT
     * conditions; at a weakly active inequality (y on the face with a zero multiplier) that
     * derivative does not exist and differentiation refuses (see {@code OSQP}).
     *
     * @param a the equality matrix (p, n), or null (with b) for none
     * @param g the inequality matrix (m, n), or null (with h) for none
     * @throws IllegalArgumentException if the polyhedron is empty (an infeasibility certificate) or
     *                                  the solve did not converge, naming the solver's status
     */
    public static Tensor polyhedron(Tensor x, Tensor a, Tensor b, Tensor g, Tensor h) {
        String op = "Projection.polyhedron";
        checkX(op, x);
        if (x.rank() != 1) {
            throw new ShapeException(op + ": needs x of shape (n), got " + Shapes.str(x.shape()));
        }
        var r = dev.argdiff.solvers.OSQP.create().tol(1e-10).maxiter(10_000)
                .run(new dev.argdiff.solvers.OSQP.Problem(Tensor.eye(x.dim(0)), x.neg(), a, b, g, h));
        if (!r.converged()) {
            throw new IllegalArgumentException(op + ": " + (r.status() == dev.argdiff.solvers.SolverStatus.PRIMAL_INFEASIBLE
                    ? "the polyhedron is empty (OSQP found an infeasibility certificate)"
                    : "OSQP stopped with status " + r.status() + " at KKT residual " + r.error()));
        }
        return r.params().primal();
    }

    /**
     * The projection onto the box section {y : α ≤ y ≤ β, wᵀy = c} (JAXopt
     * {@code projection_box_section}). The solution is y(τ) = clip(x − τw, α, β) for the τ with
     * wᵀy(τ) = c; wᵀy(τ) is piecewise linear and non-increasing in τ, so τ is bracketed by
     * bisection on concrete values and then computed exactly on its linear piece:
     * <pre>
     *   τ = (Σ_free wᵢxᵢ + Σ_clipped wᵢ·boundᵢ − c) / Σ_free wᵢ²,
     * </pre>
     * an explicit differentiable expression of x, α, β, w and c on that piece. A coordinate exactly
     * at its bound (a breakpoint) is counted as clipped: there the derivative is the one-sided one
     * of the clipped piece.
     *
     * @param x, alpha, beta, w all of shape (n); bounds may be infinite, α ≤ β
     * @param c a scalar (0-d tensor)
     * @throws IllegalArgumentException if α &gt; β somewhere, an argument holds NaN, or the section is empty
     *                                  (c outside [Σ wᵢ·(β or α), Σ wᵢ·(α or β)])
     */
    public static Tensor boxSection(Tensor x, Tensor alpha, Tensor beta, Tensor w, Tensor c) {
        String op = "Projection.boxSection";
        checkX(op, x);
        if (alpha == null || beta == null || w == null || c == null) {
            throw new IllegalArgumentException(op + ": alpha, beta, w and c must not be null");
        }
        int n = x.rank() == 1 ? x.dim(0) : -1;
        if (n < 0 || alpha.rank() != 1 || beta.rank() != 1 || w.rank() != 1 || alpha.dim(0) != n || beta.dim(0) != n
                || w.dim(0) != n || c.rank() != 0) {
            throw new ShapeException(op + ": needs x, alpha, beta, w of shape (n) and a scalar c, got x "
                    + Shapes.str(x.shape()) + ", alpha " + Shapes.str(alpha.shape()) + ", beta " + Shapes.str(beta.shape())
                    + ", w " + Shapes.str(w.shape()) + ", c " + Shapes.str(c.shape()));
        }
        double[] xv = x.concrete().toArray();
        double[] lo = alpha.concrete().toArray();
        double[] hi = beta.concrete().toArray();
        double[] wv = w.concrete().toArray();
        double cv = c.concrete().item();
        if (Double.isNaN(cv) || Double.isInfinite(cv)) {
            throw new IllegalArgumentException(op + ": c must be finite, got " + cv);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(xv[i]) || !Double.isFinite(wv[i]) || Double.isNaN(lo[i]) || Double.isNaN(hi[i])
                    || lo[i] > hi[i]) {
                throw new IllegalArgumentException(op + ": coordinate " + i + " has x " + xv[i] + ", w " + wv[i]
                        + ", alpha " + lo[i] + ", beta " + hi[i] + " (x and w finite, alpha <= beta, no NaN)");
            }
        }
        // wᵀy(τ) − c is non-increasing in τ; its range over τ is [Σ wᵢ·(lower end), Σ wᵢ·(upper end)].
        double minSum = 0;
        double maxSum = 0;
        double tauLo = 0;
        double tauHi = 0;
        for (int i = 0; i < n; i++) {
            if (wv[i] > 0) {
                minSum += wv[i] * lo[i];
                maxSum += wv[i] * hi[i];
            } else if (wv[i] < 0) {
                minSum += wv[i] * hi[i];
                maxSum += wv[i] * lo[i];
            }
            if (wv[i] != 0) {
                for (double bound : new double[]{lo[i], hi[i]}) {
                    if (Double.isFinite(bound)) {
                        double t = (xv[i] - bound) / wv[i];
                        tauLo = Math.min(tauLo, t);
                        tauHi = Math.max(tauHi, t);
                    }
                }
            }
        }
        double slack = 1e-12 * (1 + Math.abs(cv));
        if (!(cv >= minSum - slack && cv <= maxSum + slack)) {
            throw new IllegalArgumentException(op + ": the section is empty: c = " + cv + " is outside [" + minSum + ", "
                    + maxSum + "], the range of wᵀy over the box");
        }
        // Unbounded breakpoints: widen until the bracket holds the root (infinite bounds leave a linear tail).
        double width = Math.max(1, tauHi - tauLo);
        while (sectionSum(xv, lo, hi, wv, tauLo) < cv) {
            tauLo -= width;
            width *= 2;
        }
        width = Math.max(1, tauHi - tauLo);
        while (sectionSum(xv, lo, hi, wv, tauHi) > cv) {
            tauHi += width;
            width *= 2;
        }
        for (int k = 0; k < 200 && tauHi - tauLo > 1e-15 * Math.max(1, Math.abs(tauLo) + Math.abs(tauHi)); k++) {
            double mid = 0.5 * (tauLo + tauHi);
            if (sectionSum(xv, lo, hi, wv, mid) > cv) {
                tauLo = mid;
            } else {
                tauHi = mid;
            }
        }
        double tau = 0.5 * (tauLo + tauHi);
        double[] free = new double[n];
        double[] atLower = new double[n];
        boolean anyFree = false;
        for (int i = 0; i < n; i++) {
            double v = xv[i] - tau * wv[i];
            if (v > lo[i] && v < hi[i] && wv[i] != 0) {
                free[i] = 1;
                anyFree = true;
            } else if (wv[i] == 0) {
                free[i] = 1;
            } else {
                atLower[i] = v <= lo[i] ? 1 : 0;
            }
        }
        Tensor freeMask = Tensor.of(free).mul(Tensor.of(java.util.Arrays.stream(wv).map(v -> v != 0 ? 1 : 0).toArray()));
        Tensor lowerMask = Tensor.of(atLower);
        Tensor clippedMask = Tensor.of(free).rsub(1.0);
        // Bounds read only where clipped (an infinite bound never is), so 0·∞ never appears.
        Tensor safeLo = Tensor.where(lowerMask, alpha, Tensor.zerosLike(x));
        Tensor safeHi = Tensor.where(clippedMask.sub(lowerMask), beta, Tensor.zerosLike(x));
        Tensor bound = safeLo.add(safeHi);
        Tensor zeroWeight = Tensor.of(java.util.Arrays.stream(wv).map(v -> v == 0 ? 1 : 0).toArray());
        // Coordinates with wᵢ = 0 do not enter the constraint: they are clipped to their own box.
        Tensor zeroWeighted = Tensor.where(x.concrete().lt(alpha.concrete()), alpha,
                Tensor.where(x.concrete().gt(beta.concrete()), beta, x));
        if (!anyFree) {
            return Tensor.where(zeroWeight, zeroWeighted, bound);
        }
        Tensor numerator = w.mul(x).mul(freeMask).sum().add(w.mul(bound).mul(clippedMask).sum()).sub(c);
        Tensor t = numerator.div(w.square().mul(freeMask).sum());
        Tensor interior = x.sub(w.mul(t));
        return Tensor.where(zeroWeight, zeroWeighted, Tensor.where(clippedMask, bound, interior));
    }

    private static double sectionSum(double[] x, double[] lo, double[] hi, double[] w, double tau) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            if (w[i] != 0) {
                s += w[i] * Math.min(Math.max(x[i] - tau * w[i], lo[i]), hi[i]);
            }
        }
        return s;
    }

    /**
     * The projection onto the k-sparse simplex {y ≥ 0, Σy = scale, at most k nonzeros} (JAXopt
     * {@code projection_sparse_simplex}; Kyrillidis, Becker, Cevher, Koch, "Sparse projections onto
     * the simplex", ICML 2013): the simplex projection of the k largest entries of x, zeros
     * elsewhere. The k entries are chosen on concrete values (ties broken by the lower index), so
     * the derivative is that of the simplex projection on the chosen entries.
     *
     * @param x     shape (n)
     * @param maxNz k, 1 ≤ k ≤ n
     * @param scale the simplex sum, &gt; 0
     * @throws IllegalArgumentException if k is out of range or scale is not positive
     */
    public static Tensor sparseSimplex(Tensor x, int maxNz, double scale) {
        String op = "Projection.sparseSimplex";
        checkX(op, x);
        if (x.rank() != 1) {
            throw new ShapeException(op + ": needs x of shape (n), got " + Shapes.str(x.shape()));
        }
        int n = x.dim(0);
        if (maxNz < 1 || maxNz > n) {
            throw new IllegalArgumentException(op + ": maxNz must be in [1, " + n + "], got " + maxNz);
        }
        double[] v = x.concrete().toArray();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (i, j) -> v[i] != v[j] ? Double.compare(v[j], v[i]) : Integer.compare(i, j));
        int[] chosen = new int[maxNz];
        double[] scatter = new double[n * maxNz];
        for (int r = 0; r < maxNz; r++) {
            chosen[r] = order[r];
            scatter[order[r] * maxNz + r] = 1;
        }
        return Tensor.of(new int[]{n, maxNz}, scatter).matmul(simplex(x.take(chosen), scale));
    }

    /** The projection onto the transportation polytope {P ≥ 0, P𝟙 = a, Pᵀ𝟙 = b}: {@link TransportPolytope#transport}. */
    public static Tensor transport(Tensor simMatrix, Tensor a, Tensor b) {
        return TransportPolytope.transport(simMatrix, a, b);
    }

    /** The projection onto the Birkhoff polytope (doubly stochastic matrices): {@link TransportPolytope#birkhoff}. */
    public static Tensor birkhoff(Tensor simMatrix) {
        return TransportPolytope.birkhoff(simMatrix);
    }

    /** The KL projection of exp(S) onto the transportation polytope (Sinkhorn): {@link TransportPolytope#klTransport}. */
    public static Tensor klTransport(Tensor simMatrix, Tensor a, Tensor b) {
        return TransportPolytope.klTransport(simMatrix, a, b);
    }

    /** The KL projection of exp(S) onto the Birkhoff polytope (Sinkhorn): {@link TransportPolytope#klBirkhoff}. */
    public static Tensor klBirkhoff(Tensor simMatrix) {
        return TransportPolytope.klBirkhoff(simMatrix);
    }

    /** {@link #affineSet(Tensor, Tensor, Tensor)} with (A, b) as a record (a {@link ProjectionOperator}). */
    public static Tensor affineSet(Tensor x, AffineSet hyperparams) {
        if (hyperparams == null) {
            throw new IllegalArgumentException("Projection.affineSet: hyperparams is null");
        }
        return affineSet(x, hyperparams.matrix(), hyperparams.b());
    }

    // ------------------------------------------------------------------ helpers

    private static void checkX(String op, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": x is null");
        }
    }

    private static void checkBroadcast(String op, String name, Tensor t, int[] target) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (!Shapes.broadcastsTo(t.shape(), target)) {
            throw new ShapeException(op + ": " + name + " of shape " + Shapes.str(t.shape())
                    + " does not broadcast to shape " + Shapes.str(target));
        }
    }

    private static void checkNonNegative(String op, String name, Tensor t, int[] target) {
        checkBroadcast(op, name, t, target);
        double[] v = t.toArray();
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0)) {
                throw new IllegalArgumentException(op + ": " + name + " must be >= 0, got " + v[i]
                        + (v.length > 1 ? " at entry " + i : ""));
            }
        }
    }

    /** A 0-d, finite, non-negative radius; returns its value. */
    private static double checkRadius(String op, Tensor radius) {
        if (radius == null) {
            throw new IllegalArgumentException(op + ": radius is null");
        }
        if (radius.rank() != 0) {
            throw new ShapeException(op + ": radius must be a 0-d tensor, got shape " + Shapes.str(radius.shape()));
        }
        double r = radius.item();
        if (!(r >= 0) || !Double.isFinite(r)) {
            throw new IllegalArgumentException(op + ": radius must be finite and >= 0, got " + r);
        }
        return r;
    }

    /** Checks (a, b) of a hyperplane or halfspace and returns ⟨a, a⟩. */
    private static Tensor checkLinear(String op, Tensor x, Tensor a, Tensor b) {
        checkX(op, x);
        if (a == null || b == null) {
            throw new IllegalArgumentException(op + ": " + (a == null ? "a" : "b") + " is null");
        }
        if (!Arrays.equals(a.shape(), x.shape())) {
            throw new ShapeException(op + ": a has shape " + Shapes.str(a.shape()) + " but x has shape "
                    + Shapes.str(x.shape()));
        }
        if (b.rank() != 0) {
            throw new ShapeException(op + ": b must be a 0-d tensor, got shape " + Shapes.str(b.shape()));
        }
        if (!a.isFinite() || !b.isFinite()) {
            throw new IllegalArgumentException(op + ": " + (a.isFinite() ? "b" : "a") + " contains NaN or infinity");
        }
        Tensor aa = a.vdot(a);
        if (!(aa.item() > 0)) {
            throw new IllegalArgumentException(op + ": a must be non-zero (the set would be empty or everything)");
        }
        return aa;
    }
}
