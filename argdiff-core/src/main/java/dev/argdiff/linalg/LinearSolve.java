package dev.argdiff.linalg;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.linalg.dense.NotPositiveDefiniteException;
import dev.argdiff.linalg.dense.SingularMatrixException;
import dev.argdiff.tensor.Tensor;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

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
        V x = Autodiff.customDerivatives(
                (Args<V> args) -> {
                    Solution<V> s = solveConcrete(a.withParams(args.params()), args.b(), x0, solver);
                    info.compareAndSet(null, s.info());
                    return s.x();
                },
                (Args<V> args, V out, Args<V> tangents) -> tangentRule(a, solver, args, out, tangents),
                (Args<V> args, V out, V cotangent) -> cotangentRule(a, solver, args, out, cotangent)
        ).apply(new Args<>(a.params(), b));
        return new Solution<>(x, info.get());
    }

    private static <V> V tangentRule(LinearOperator<V> a, LinearSolver solver, Args<V> args, V x, Args<V> t) {
        LinearOperator<V> op = a.withParams(args.params());
        V rhs = t.b();
        if (!Pytree.leaves(args.params()).isEmpty()) {
            V dAx = Autodiff.jvp((Object p) -> op.apply(p, x), args.params(), t.params()).tangent();
            rhs = Pytree.map2(rhs, dAx, Tensor::sub);
        }
        return solveWithInfo(op, rhs, null, solver).x();
    }

    private static <V> Args<V> cotangentRule(LinearOperator<V> a, LinearSolver solver, Args<V> args, V x, V w) {
        LinearOperator<V> op = a.withParams(args.params());
        V u = solveWithInfo(op.transpose(), w, null, solver).x();
        Object paramsBar = args.params();
        if (!Pytree.leaves(args.params()).isEmpty()) {
            paramsBar = Autodiff.vjp((Object p) -> op.apply(p, x), args.params()).pullback().apply(u);
            paramsBar = Pytree.map(paramsBar, Tensor::neg);
        }
        return new Args<>(paramsBar, u);
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
