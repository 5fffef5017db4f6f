package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.prox.ProxOperator;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Block coordinate descent for min_x f(x, θ) + Σⱼ g(xⱼ, θ), with f smooth and g block-separable,
 * given by the proximal operator of one block.
 *
 * <p>x is a 1-d tensor (blocks are its entries) or a 2-d tensor (blocks are its rows, e.g. the
 * rows of a p×k weight matrix under a group-lasso penalty). One {@link #update} is an epoch: a
 * cyclic pass over the blocks j = 0, …, p−1, each updated by a proximal-gradient step with its
 * own step 1/Lⱼ:
 * <pre>
 *   xⱼ ← prox_{g/Lⱼ}(xⱼ − ∇ⱼf(x)/Lⱼ),
 * </pre>
 * where Lⱼ is a Lipschitz constant of ∇ⱼf along block j. The updates are tensor operations, so
 * unrolling ({@code implicitDiff(false)}) differentiates through them; the constants Lⱼ are
 * constants for differentiation.
 *
 * <p>Two ways to give f:
 * <ul>
 *   <li>{@link #compositeLinear}: f(x, θ) = loss(X(θ)·x, θ) with a known Lipschitz constant
 *       L_loss of ∇loss; then Lⱼ = L_loss·‖X_{:,j}‖² (JAXopt's {@code CompositeLinearFunction}).
 *       The predictions z = X·x are kept up to date, so block j costs one gradient of the loss
 *       in z and two products with column j: an epoch costs O(n·p·k) plus p gradients of the
 *       loss (as JAXopt's BlockCoordinateDescent).</li>
 *   <li>{@link #of}: any smooth f. Block j costs one gradient of f and one evaluation of f (the
 *       sufficient-decrease check below), so an epoch costs about 2p evaluations of f and p of its
 *       gradient. Lⱼ starts from the largest diagonal entry of block j of the Hessian at the
 *       initial point (p·k Hessian-vector products in {@link #init}) and is doubled (at most
 *       {@code maxls} times per block update) until
 *       f(x⁺) ≤ f(x) + ⟨∇ⱼf(x), x⁺ⱼ − xⱼ⟩ + Lⱼ/2·‖x⁺ⱼ − xⱼ‖², which exact quadratics satisfy at
 *       once. Lⱼ never decreases.</li>
 * </ul>
 *
 * <p>Each epoch also evaluates the error ‖F(x)‖ at the new iterate, one gradient of f. In products
 * with the design X for a least-squares f: {@link #compositeLinear}, 2 per epoch in column
 * operations (p dot products and p axpys with the columns) plus 2 for the error's gradient;
 * {@link #of}, 2p to 3p per epoch (a value and gradient per block and a trial value unless the
 * block did not move) plus 2 for the error.
 *
 * <p>Error: ‖F(x)‖ after each epoch, F the optimality condition below, measured on concrete
 * values (one more gradient of f and p prox evaluations per epoch). JAXopt reports instead the
 * norm of the epoch's change, a lower bound of the optimality error that may stop early; this
 * error is the residual that implicit differentiation certifies.
 *
 * <p>Optimality condition: the proximal-gradient fixed point with unit step, as for
 * {@link ProximalGradient}: F(x, θ) = prox_g(x − ∇ₓf(x, θ), θ, 1) − x, the block prox applied to
 * every block.
 *
 * <p>Defaults: maxls 15; common options in {@link SolverOptions} (maxiter 500 epochs, tol 1e-6;
 * JAXopt: 500 and 1e-4).
 *
 * <p>References: P. Tseng, S. Yun, "A coordinate gradient descent method for nonsmooth separable
 * minimization", Math. Programming 2009; J. Friedman, T. Hastie, R. Tibshirani, "Regularization
 * paths for generalized linear models via coordinate descent", J. Stat. Software 2010.
 *
 * @param <A> the arguments θ (data and hyperparameters)
 */
public final class BlockCoordinateDescent<A>
        extends IterativeSolver<Tensor, A, BlockCoordinateDescent.State, BlockCoordinateDescent<A>> {

    /**
     * Iterations (epochs), error ‖F(x)‖ (+∞ before the first epoch), the predictions X·x of a
     * composite-linear objective (null otherwise), and the block Lipschitz constants Lⱼ.
     */
    public record State(int iterations, double error, Tensor predictions, double[] lipschitz) implements SolverState {
        /** Copies {@code lipschitz}, so the state stays immutable. */
        public State {
            lipschitz = lipschitz.clone();
        }

        /** The Lipschitz constant estimates of the blocks (a copy). */
        @Override
        public double[] lipschitz() {
            return lipschitz.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State && ((State) o).iterations == iterations
                    && Double.compare(((State) o).error, error) == 0
                    && Objects.equals(((State) o).predictions, predictions)
                    && Arrays.equals(((State) o).lipschitz, lipschitz);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * iterations + Double.hashCode(error)) + Arrays.hashCode(lipschitz);
        }

        @Override
        public String toString() {
            return "State[iterations=" + iterations + ", error=" + error + ", predictions=" + predictions
                    + ", lipschitz=" + Arrays.toString(lipschitz) + "]";
        }
    }

    /**
     * The options of block coordinate descent.
     *
     * @param maxls the largest number of doublings of Lⱼ per block update of a general objective (≥ 0; default 15)
     */
    public record Options(int maxls) {

        /** @throws IllegalArgumentException naming the option and its value when it is out of range */
        public Options {
            if (maxls < 0) {
                throw new IllegalArgumentException("BlockCoordinateDescent.maxls: must be >= 0, got " + maxls);
            }
        }

        public static Options defaults() {
            return new Options(15);
        }

        public Options withMaxls(int value) {
            return new Options(value);
        }
    }

    private final BiFunction<Tensor, A, Tensor> fun;
    private final Function<A, Tensor> design;
    private final BiFunction<Tensor, A, Tensor> loss;
    private final double lossLipschitz;
    private final Function<A, Tensor> linear;
    private final ProxOperator<Tensor, A> blockProx;
    private final Options own;

    private BlockCoordinateDescent(SolverOptions options, Options own, BiFunction<Tensor, A, Tensor> fun,
                                   Function<A, Tensor> design, BiFunction<Tensor, A, Tensor> loss,
                                   double lossLipschitz, Function<A, Tensor> linear, ProxOperator<Tensor, A> blockProx) {
        super(options);
        this.own = own;
        this.fun = fun;
        this.design = design;
        this.loss = loss;
        this.lossLipschitz = lossLipschitz;
        this.linear = linear;
        this.blockProx = blockProx;
    }

    /**
     * A solver for min f(x, θ) + Σⱼ g(xⱼ, θ) with any smooth f.
     *
     * @param fun       f(x, args), a scalar (0-d tensor)
     * @param blockProx prox_{s·g}(xⱼ, args, s) of one block (a 0-d tensor for 1-d x, a row for 2-d x)
     * @throws IllegalArgumentException if an argument is null
     */
    public static <A> BlockCoordinateDescent<A> of(BiFunction<Tensor, A, Tensor> fun,
                                                   ProxOperator<Tensor, A> blockProx) {
        if (fun == null) {
            throw new IllegalArgumentException("BlockCoordinateDescent.of: fun is null");
        }
        if (blockProx == null) {
            throw new IllegalArgumentException("BlockCoordinateDescent.of: blockProx is null");
        }
        return new BlockCoordinateDescent<>(SolverOptions.defaults(), Options.defaults(), fun, null, null, 0.0, null,
                blockProx);
    }

    /**
     * A solver for min loss(X·x, θ) + Σⱼ g(xⱼ, θ), the fast path for generalized linear models.
     *
     * <pre>{@code
     * // lasso: ½·mean((X w − y)²) + λ‖w‖₁
     * record Args(Tensor x, Tensor y, Tensor lam) {}
     * var bcd = BlockCoordinateDescent.<Args>compositeLinear(Args::x,
     *         (z, a) -> z.sub(a.y()).square().mean().mul(0.5), 1.0 / n,
     *         (w, a, s) -> w.sign().mul(w.abs().sub(a.lam().mul(s)).relu()));
     * }</pre>
     *
     * @param design        X(args), an n×p matrix
     * @param loss          loss(z, args) of the predictions z = X·x (n, or n×k for a p×k x), a scalar
     * @param lossLipschitz a Lipschitz constant of z ↦ ∇loss(z) (e.g. 1/n for ½·mean((z − y)²),
     *                      1/(4n) for the mean logistic loss)
     * @param blockProx     prox_{s·g}(xⱼ, args, s) of one block
     * @throws IllegalArgumentException if an argument is null or lossLipschitz is not finite and positive
     */
    public static <A> BlockCoordinateDescent<A> compositeLinear(Function<A, Tensor> design,
                                                                BiFunction<Tensor, A, Tensor> loss,
                                                                double lossLipschitz,
                                                                ProxOperator<Tensor, A> blockProx) {
        return compositeLinear(design, loss, lossLipschitz, null, blockProx);
    }

    /**
     * A solver for min loss(X·x, θ) + ⟨x, b(θ)⟩ + Σⱼ g(xⱼ, θ): {@link #compositeLinear(Function,
     * BiFunction, double, ProxOperator)} with a linear term (JAXopt's {@code CompositeLinearFunction.b}),
     * as in the dual of a multiclass SVM, whose term ⟨β, Y − 1⟩ is not a function of X·β. The
     * linear term adds b(θ)ⱼ to the gradient of block j and nothing to its Lipschitz constant.
     *
     * @param linear b(args), of the shape of x, or null for no linear term
     * @throws IllegalArgumentException if design, loss or blockProx is null or lossLipschitz is not finite
     *                                  and positive; when the run starts, if b(args) does not have x's shape
     */
    public static <A> BlockCoordinateDescent<A> compositeLinear(Function<A, Tensor> design,
                                                                BiFunction<Tensor, A, Tensor> loss,
                                                                double lossLipschitz,
                                                                Function<A, Tensor> linear,
                                                                ProxOperator<Tensor, A> blockProx) {
        if (design == null || loss == null || blockProx == null) {
            throw new IllegalArgumentException("BlockCoordinateDescent.compositeLinear: design, loss and blockProx "
                    + "must not be null");
        }
        if (!(lossLipschitz > 0) || Double.isInfinite(lossLipschitz)) {
            throw new IllegalArgumentException("BlockCoordinateDescent.compositeLinear: lossLipschitz must be finite "
                    + "and > 0, got " + lossLipschitz);
        }
        BiFunction<Tensor, A, Tensor> f = linear == null
                ? (x, a) -> loss.apply(design.apply(a).matmul(x), a)
                : (x, a) -> loss.apply(design.apply(a).matmul(x), a).add(x.vdot(linearTerm(linear, x, a)));
        return new BlockCoordinateDescent<>(SolverOptions.defaults(), Options.defaults(), f, design, loss, lossLipschitz,
                linear, blockProx);
    }

    @Override
    protected BlockCoordinateDescent<A> withOptions(SolverOptions options) {
        return new BlockCoordinateDescent<>(options, own, fun, design, loss, lossLipschitz, linear, blockProx);
    }

    /** A copy with these options. @throws IllegalArgumentException if value is null */
    public BlockCoordinateDescent<A> with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("BlockCoordinateDescent.with: options is null");
        }
        return new BlockCoordinateDescent<>(options(), value, fun, design, loss, lossLipschitz, linear, blockProx);
    }

    /** This solver's own options. */
    public Options own() {
        return own;
    }

    /** The largest number of doublings of Lⱼ per block update of a general objective (≥ 0; default 15). */
    public BlockCoordinateDescent<A> maxls(int value) {
        return with(own.withMaxls(value));
    }

    /** The maximum number of line-search steps per iteration. */
    public int maxls() {
        return own.maxls();
    }

    /** Whether this solver was made by {@link #compositeLinear}. */
    public boolean isCompositeLinear() {
        return design != null;
    }

    @Override
    public State init(Tensor initParams, A args) {
        checkParams(initParams);
        int p = initParams.dim(0);
        if (design != null) {
            Tensor x = design.apply(args);
            if (x == null || x.rank() != 2 || x.dim(1) != p) {
                throw new IllegalArgumentException("BlockCoordinateDescent: the design matrix must be n×" + p
                        + " for parameters of shape " + Arrays.toString(initParams.shape()) + ", got "
                        + (x == null ? "null" : Arrays.toString(x.shape())));
            }
            double[][] rows = x.transpose().concrete().toArray2d();
            double[] lip = new double[p];
            for (int j = 0; j < p; j++) {
                double sq = 0;
                for (double v : rows[j]) {
                    sq += v * v;
                }
                lip[j] = lossLipschitz * sq;
                if (!(lip[j] > 0) || !Double.isFinite(lip[j])) {
                    lip[j] = 1.0;  // a zero column: f does not depend on block j, any step converges
                }
            }
            return new State(0, Double.POSITIVE_INFINITY, x.matmul(initParams), lip);
        }
        return new State(0, Double.POSITIVE_INFINITY, null, hessianDiagonalBlocks(initParams, args));
    }

    /** max over block j of the Hessian diagonal at x (1 where it is not positive), on concrete values. */
    private double[] hessianDiagonalBlocks(Tensor x0, A args) {
        Tensor x = x0.concrete();
        A a = Autodiff.stopGradient(args);
        Function<Tensor, Tensor> f = z -> fun.apply(z, a);
        int p = x.dim(0);
        int k = x.size() / Math.max(p, 1);
        double[] lip = new double[p];
        for (int j = 0; j < p; j++) {
            double m = 0;
            for (int c = 0; c < k; c++) {
                double[] e = new double[x.size()];
                e[j * k + c] = 1.0;
                Tensor hv = Autodiff.hvp(f, x, Tensor.of(x.shape(), e));
                m = Math.max(m, hv.toArray()[j * k + c]);
            }
            lip[j] = m > 0 && Double.isFinite(m) ? m : 1.0;
        }
        return lip;
    }

    @Override
    public OptStep<Tensor, State> update(Tensor x, State state, A args) {
        checkParams(x);
        double[] lip = state.lipschitz();
        if (x.dim(0) == 0) {
            return new OptStep<>(x, new State(state.iterations() + 1, 0.0, state.predictions(), lip));
        }
        Tensor next;
        Tensor predictions = null;
        if (design != null) {
            Tensor[] out = compositeLinearEpoch(x, state.predictions(), lip, args);
            next = out[0];
            predictions = out[1];
        } else {
            next = generalEpoch(x, lip, args);
        }
        double error = error(next, args);
        return new OptStep<>(next, new State(state.iterations() + 1, error, predictions, lip));
    }

    private Tensor[] compositeLinearEpoch(Tensor x, Tensor z, double[] lip, A args) {
        int p = x.dim(0);
        Tensor columns = design.apply(args).transpose();  // row j is column j of X
        Function<Tensor, Tensor> lossGrad = Autodiff.grad((Tensor zz) -> loss.apply(zz, args));
        Tensor b = linear == null ? null : linearTerm(linear, x, args);
        List<Tensor> blocks = new ArrayList<>(p);
        for (int j = 0; j < p; j++) {
            Tensor col = columns.row(j);
            Tensor xj = x.row(j);
            Tensor gj = col.matmul(lossGrad.apply(z));
            if (b != null) {
                gj = gj.add(b.row(j));
            }
            double s = 1.0 / lip[j];
            Tensor newj = blockProx.apply(xj.subScaled(s, gj), args, s);
            checkBlock(newj, xj, j);
            Tensor diff = newj.sub(xj);
            if (diff.isTraced() || col.isTraced() || !isZero(diff)) {
                z = z.add(diff.rank() == 0 ? col.mul(diff) : col.reshape(col.size(), 1).mul(diff.reshape(1, -1)));
            }
            blocks.add(newj);
        }
        return new Tensor[] {Tensor.stack(blocks, 0), z};
    }

    private Tensor generalEpoch(Tensor x, double[] lip, A args) {
        int p = x.dim(0);
        A ac = Autodiff.stopGradient(args);
        Function<Tensor, Autodiff.ValueAndGrad<Tensor>> valueAndGrad =
                Autodiff.valueAndGrad((Tensor z) -> fun.apply(z, args));
        for (int j = 0; j < p; j++) {
            Autodiff.ValueAndGrad<Tensor> vg = valueAndGrad.apply(x);
            double fx = vg.value().item();
            Tensor gj = vg.gradient().row(j);
            Tensor xj = x.row(j);
            Tensor next = x;
            for (int tries = 0; ; tries++) {
                double s = 1.0 / lip[j];
                Tensor newj = blockProx.apply(xj.subScaled(s, gj), args, s);
                checkBlock(newj, xj, j);
                Tensor diff = newj.sub(xj);
                next = x.add(placeBlock(x.shape(), j, diff));
                if (tries >= own.maxls()) {
                    break;
                }
                Tensor dc = diff.concrete();
                double sq = dc.squaredNorm().item();
                if (sq == 0) {
                    break;
                }
                double gjc = gj.concrete().vdot(dc).item();
                double fNext = fun.apply(next.concrete(), ac).item();
                double bound = fx + gjc + 0.5 * lip[j] * sq + 1e-12 * Math.abs(fx);
                if (fNext <= bound) {
                    break;
                }
                lip[j] *= 2;
            }
            x = next;
        }
        return x;
    }

    /** A tensor of the given shape, zero except block j, which is {@code block}. */
    private static Tensor placeBlock(int[] shape, int j, Tensor block) {
        double[] e = new double[shape[0]];
        e[j] = 1.0;
        Tensor unit = Tensor.of(e);
        if (shape.length == 1) {
            return unit.mul(block);
        }
        return unit.reshape(shape[0], 1).mul(block.reshape(1, -1));
    }

    /** b(args), checked to have x's shape. */
    private static <A> Tensor linearTerm(Function<A, Tensor> linear, Tensor x, A args) {
        Tensor b = linear.apply(args);
        if (b == null || !Arrays.equals(b.shape(), x.shape())) {
            throw new IllegalArgumentException("BlockCoordinateDescent: the linear term b must have the shape of the "
                    + "parameters " + Arrays.toString(x.shape()) + ", got "
                    + (b == null ? "null" : Arrays.toString(b.shape())));
        }
        return b;
    }

    private static boolean isZero(Tensor t) {
        for (double v : t.toArray()) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkParams(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("BlockCoordinateDescent: params is null");
        }
        if (x.rank() != 1 && x.rank() != 2) {
            throw new IllegalArgumentException("BlockCoordinateDescent: params must be a 1-d or 2-d tensor (blocks "
                    + "along axis 0), got shape " + Arrays.toString(x.shape()));
        }
    }

    private static void checkBlock(Tensor out, Tensor in, int j) {
        if (out == null || !Arrays.equals(out.shape(), in.shape())) {
            throw new IllegalStateException("BlockCoordinateDescent: blockProx returned "
                    + (out == null ? "null" : "shape " + Arrays.toString(out.shape())) + " for block " + j
                    + " of shape " + Arrays.toString(in.shape()));
        }
    }

    /** ‖F(x)‖ on concrete values (a stopping measure: never differentiated). */
    private double error(Tensor x, A args) {
        Tensor fp = optimality(x.concrete(), Autodiff.stopGradient(args));
        return Pytree.norm(fp);
    }

    @Override
    public Tensor optimality(Tensor x, A args) {
        checkParams(x);
        Tensor grad = Autodiff.grad((Tensor z) -> fun.apply(z, args)).apply(x);
        Tensor moved = x.sub(grad);
        int p = x.dim(0);
        List<Tensor> blocks = new ArrayList<>(p);
        for (int j = 0; j < p; j++) {
            Tensor mj = moved.row(j);
            Tensor out = blockProx.apply(mj, args, 1.0);
            checkBlock(out, mj, j);
            blocks.add(out);
        }
        return Tensor.stack(blocks, 0).sub(x);
    }
}
