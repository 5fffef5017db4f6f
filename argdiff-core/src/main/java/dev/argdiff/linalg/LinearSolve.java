package dev.argdiff.linalg;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.linalg.dense.NotPositiveDefiniteException;
import dev.argdiff.linalg.dense.SingularMatrixException;
import dev.argdiff.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Solves A·x = b as a differentiable function of b and of the operator's parameters.
 *
 * <p>The solution is computed on concrete values by the chosen method; its derivatives come
 * from the implicit rule of the linear system, never from differentiating the iterations:
 * <pre>
 *   forward:  dx = A⁻¹ (db − dA·x)
 *   reverse:  u = A⁻ᵀ w,   b̄ = u,   θ̄ = −(∂(A·x)/∂θ)ᵀ u
 * </pre>
 * Both rules call {@code solve} again (with Aᵀ for reverse), so derivatives of every order are
 * exact up to the solver tolerance and cost one solve each.
 *
 * <p>Example:
 * <pre>{@code
 * Tensor a = Tensor.of(new double[][] {{4, 1}, {1, 3}});
 * Tensor b = Tensor.of(1, 2);
 * Tensor x = LinearSolve.solve(LinearOperator.fromMatrix(a), b);                // [1/11, 7/11]
 * Tensor g = Autodiff.grad((Tensor rhs) -> LinearSolve.solve(LinearOperator.fromMatrix(a), rhs).sum())
 *         .apply(b);                                                             // A⁻ᵀ·[1, 1] = [2/11, 3/11]
 * }</pre>
 */
public final class LinearSolve {
    private LinearSolve() {
    }

    private static final System.Logger LOG = System.getLogger("dev.argdiff.linalg");

    /** A solution with the diagnostics of the solve that produced it. */
    public record Solution<V>(V x, SolveInfo info) {
    }

    /** The arguments the solve is differentiated with respect to. */
    private record Args<V>(Object params, V b) {
    }

    /** Solves with {@link LinearSolver#auto()}. */
    public static <V> V solve(LinearOperator<V> a, V b) {
        return solve(a, b, LinearSolver.auto());
    }

    /** Solves A·x = b with this solver; differentiable in b and in A's parameters. */
    public static <V> V solve(LinearOperator<V> a, V b, LinearSolver solver) {
        return solveWithInfo(a, b, null, solver).x();
    }

    /**
     * Solves A·x = b from an initial guess (null for zero; it gets no derivative) and returns
     * the solution with the diagnostics of the primal solve.
     *
     * @throws IllegalArgumentException if b does not match the operator's structure or holds NaN/infinity
     * @throws SolveFailedException if the solve fails under {@link FailurePolicy#THROW}, or the system is singular
     */
    public static <V> Solution<V> solveWithInfo(LinearOperator<V> a, V b, V initialGuess, LinearSolver solver) {
        if (a == null || b == null || solver == null) {
            throw new IllegalArgumentException("solve: operator, b and solver must not be null");
        }
        // Traced values the products capture through closures become parameters: differentiated, not constants.
        LinearOperator<V> lifted = a.withCapturesLifted();
        if (lifted != a) {
            return solveWithInfo(lifted, b, initialGuess, solver);
        }
        checkVector("b", a, b);
        if (initialGuess != null) {
            checkVector("initialGuess", a, initialGuess);
        }
        // By name, not class: a delegating solver that forwards only name() must not be differentiated as A·x = b.
        if (solver.options().ridge() != 0 && NormalCgSolver.NAME.equals(solver.select(a).name())) {
            // With a ridge, normal CG solves (AᵀA + ridge·I)·x = Aᵀb, not A·x = b, and the implicit rules below
            // (those of A·x = b) would miss the dAᵀ·(b − A·x) term. Solve and differentiate the system actually
            // solved: CG on the normal operator performs the same iterations as NormalConjugateGradient.
            LinearOperator<V> at = a.transpose();
            LinearOperator<V> normal = at.compose(a).plusIdentity(solver.options().ridge())
                    .withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE);
            return solveWithInfo(normal, at.apply(b), initialGuess,
                    LinearSolver.cg().with(solver.options().withRidge(0)));
        }
        double[] x0 = initialGuess == null ? null : Pytree.toArray(initialGuess);
        AtomicReference<SolveInfo> info = new AtomicReference<>();
        // Leaf by leaf: parameters a transform does not trace (data held by the operator) get no tangent or cotangent.
        V x = Autodiff.customDerivativesByLeaf(
                (Args<V> args) -> {
                    Solution<V> s = solveConcrete(a.withParams(args.params()), args.b(), x0, solver);
                    info.compareAndSet(null, s.info());
                    return s.x();
                },
                (Args<V> args, V out, Tensor[] tangents) -> tangentRule(a, solver, args, out, tangents),
                (Args<V> args, V out, V cotangent, boolean[] needed) -> cotangentRule(a, solver, args, out, cotangent,
                        needed)
        ).apply(new Args<>(a.params(), b));
        return new Solution<>(x, info.get());
    }

    /**
     * The tangent of x = A⁻¹b: A·ẋ = ḃ − Ȧ·x. {@code t} holds the tangents of the leaves of (params, b), in
     * that order (params first: a record flattens its components in order), null where zero.
     */
    private static <V> V tangentRule(LinearOperator<V> a, LinearSolver solver, Args<V> args, V x, Tensor[] t) {
        LinearOperator<V> op = a.withParams(args.params());
        Pytree.Flat params = Pytree.flatten(args.params());
        int np = params.leaves().size();
        Pytree.Flat bf = Pytree.flatten(args.b());
        List<Tensor> bt = new ArrayList<>(bf.leaves().size());
        for (int k = 0; k < bf.leaves().size(); k++) {
            Tensor tk = t[np + k];
            bt.add(tk != null ? tk : Tensor.zeros(bf.leaves().get(k).shape()));
        }
        @SuppressWarnings("unchecked")
        V rhs = (V) bf.def().unflatten(bt);
        int[] sel = selected(t, np);
        if (sel.length > 0) {
            List<Tensor> primals = new ArrayList<>(sel.length);
            List<Tensor> v = new ArrayList<>(sel.length);
            for (int i : sel) {
                primals.add(params.leaves().get(i));
                v.add(t[i]);
            }
            V dAx = Autodiff.jvp(restrictedApply(op, params, sel, x), primals, v).tangent();
            rhs = Pytree.map2(rhs, dAx, Tensor::sub);
        }
        return solveWithInfo(op, rhs, null, solver).x();
    }

    /**
     * The cotangents of x = A⁻¹b: b̄ = u with Aᵀu = w, and Ā = −u·xᵀ as a VJP of the products in the
     * parameters that {@code needed} names only (the others' entries are null).
     */
    private static <V> Tensor[] cotangentRule(LinearOperator<V> a, LinearSolver solver, Args<V> args, V x, V w,
                                              boolean[] needed) {
        LinearOperator<V> op = a.withParams(args.params());
        V u = solveWithInfo(op.transpose(), w, null, solver).x();
        Pytree.Flat params = Pytree.flatten(args.params());
        int np = params.leaves().size();
        List<Tensor> ul = Pytree.leaves(u);
        Tensor[] out = new Tensor[np + ul.size()];
        for (int k = 0; k < ul.size(); k++) {
            out[np + k] = ul.get(k);
        }
        boolean[] mask = Arrays.copyOf(needed, np);
        int[] sel = new int[np];
        int n = 0;
        for (int i = 0; i < np; i++) {
            if (mask[i]) {
                sel[n++] = i;
            }
        }
        sel = Arrays.copyOf(sel, n);
        if (n > 0) {
            List<Tensor> primals = new ArrayList<>(n);
            for (int i : sel) {
                primals.add(params.leaves().get(i));
            }
            List<Tensor> bar = Autodiff.vjp(restrictedApply(op, params, sel, x), primals).pullback().apply(u);
            for (int k = 0; k < n; k++) {
                out[sel[k]] = bar.get(k).neg();
            }
        }
        return out;
    }

    /** The indices below {@code n} of the non-null entries of {@code t}. */
    private static int[] selected(Tensor[] t, int n) {
        int[] sel = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (t[i] != null) {
                sel[k++] = i;
            }
        }
        return Arrays.copyOf(sel, k);
    }

    /**
     * p ↦ A(p)·x as a function of the selected parameter leaves; the others are read as they are (traced
     * by an enclosing transform or not), so a higher-order derivative still sees them.
     */
    private static <V> Function<List<Tensor>, V> restrictedApply(LinearOperator<V> op, Pytree.Flat params, int[] sel,
                                                                V x) {
        return (List<Tensor> leaves) -> {
            List<Tensor> all = new ArrayList<>(params.leaves());
            for (int k = 0; k < sel.length; k++) {
                all.set(sel[k], leaves.get(k));
            }
            return op.apply(params.def().unflatten(all), x);
        };
    }

    private static <V> void checkVector(String name, LinearOperator<V> a, V v) {
        Pytree.Flat f = Pytree.flatten(v);
        Pytree.Flat like = Pytree.flatten(a.zeroVector());
        if (!f.def().sameStructure(like.def()) || f.leaves().size() != like.leaves().size()) {
            throw new IllegalArgumentException("solve: " + name + " has structure " + f.def()
                    + " but the operator acts on " + like.def());
        }
        for (int i = 0; i < f.leaves().size(); i++) {
            Tensor t = f.leaves().get(i);
            if (!Arrays.equals(t.shape(), like.leaves().get(i).shape())) {
                throw new IllegalArgumentException("solve: " + name + " leaf " + i + " has shape "
                        + Arrays.toString(t.shape()) + ", the operator expects "
                        + Arrays.toString(like.leaves().get(i).shape()));
            }
            double[] d = t.toArray();
            for (int k = 0; k < d.length; k++) {
                if (!Double.isFinite(d[k])) {
                    throw new IllegalArgumentException("solve: " + name + " contains " + d[k] + " at entry " + k
                            + (f.leaves().size() > 1 ? " of leaf " + i : ""));
                }
            }
        }
    }

    /**
     * Solves on concrete values (parameters, b and the guess are read as constants) and applies
     * the failure policy: prepares the solver for the operator and solves once. No derivative
     * flows through this method.
     */
    public static <V> Solution<V> solveConcrete(LinearOperator<V> a, V b, double[] initialGuess, LinearSolver solver) {
        LinearOperator<V> op = a.withParams(Autodiff.stopGradient(a.params()));
        PreparedSolver.Result r = prepare(op, solver).solve(Pytree.toArray(b), initialGuess);
        SolveInfo info = r.info();
        report(solver, info);
        if (!info.converged()) {
            switch (solver.options().policy()) {
                case THROW:
                    throw new SolveFailedException("solve: " + info.summary() + " for " + op, info);
                case WARN:
                    LOG.log(System.Logger.Level.WARNING, "solve: " + info.summary() + " for " + op);
                    break;
                default:
                    break;
            }
        }
        return new Solution<>(Pytree.fromArray(op.zeroVector(), r.x()), info);
    }

    /** Prepares the solver; a matrix that cannot be factored is a failed solve whatever the policy. */
    private static PreparedSolver prepare(LinearOperator<?> op, LinearSolver solver) {
        try {
            return solver.prepare(op);
        } catch (SingularMatrixException | NotPositiveDefiniteException e) {
            SolveInfo failed = new SolveInfo(solver.select(op).name(), op.size(), 0, Double.NaN, Double.NaN,
                    solver.options().rtol(), e instanceof SingularMatrixException ? SolveInfo.Status.SINGULAR
                    : SolveInfo.Status.NOT_POSITIVE_DEFINITE, e.getMessage());
            report(solver, failed);
            SolveFailedException f = new SolveFailedException("solve: the system " + op + " cannot be solved by "
                    + solver.select(op).name() + ": " + e.getMessage(), failed);
            f.initCause(e);
            throw f;
        }
    }

    private static void report(LinearSolver solver, SolveInfo info) {
        if (solver.options().observer() != null) {
            solver.options().observer().accept(info);
        }
    }
}
