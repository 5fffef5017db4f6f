package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.backend.Blas;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;

import java.util.List;

/**
 * The equality-constrained quadratic program
 * <pre>
 *   min_x ½xᵀQx + cᵀx   subject to   Ax = b,
 * </pre>
 * solved by one linear solve of its KKT system (JAXopt's {@code EqualityConstrainedQP}):
 * <pre>
 *   [ Q  Aᵀ ] [ x ]   [ −c ]
 *   [ A  0  ] [ ν ] = [  b ].
 * </pre>
 * Q is symmetric (checked), and the KKT matrix must be nonsingular: Q positive definite on the
 * null space of A and A of full row rank. The solution is the primal-dual point (x, ν), a
 * {@link Kkt.Point} without inequality duals, so that implicit differentiation of the KKT
 * conditions F(x, ν) = (Qx + c + Aᵀν, Ax − b) gives the derivative of both with respect to Q, c,
 * A and b in forward and reverse mode and at every order.
 *
 * <p>One {@link #update} corrects the current point by a solve with the residual,
 * z ← z + K⁻¹(r − Kz), followed by {@code refinement} steps of iterative refinement (each one
 * more solve with the same prepared factorization). From the zero initial point the first
 * update is the plain KKT solve; the shared loop continues refining while the error exceeds
 * {@code tol}. Error: the KKT residual ‖F(x, ν)‖₂ / max(1, ‖(x, ν)‖₂), the measure implicit
 * differentiation certifies.
 *
 * <p>Options ({@link Options}): the linear solver (default {@link LinearSolver#lu()}), whether
 * the KKT operator is materialized as a dense matrix (default) or given to the solver as
 * products only ({@code matrixFree}, for a Krylov solver such as {@link LinearSolver#gmres()}),
 * and the number of refinement steps per update (default 0). Common options in
 * {@link SolverOptions} (maxiter 500, tol 1e-6).
 */
public final class EqualityConstrainedQP extends IterativeSolver<Kkt.Point<Tensor>, EqualityConstrainedQP.Problem,
        EqualityConstrainedQP.State, EqualityConstrainedQP> {

    /**
     * The data of the problem (a tree: every tensor is differentiable).
     *
     * @param q the n×n symmetric matrix Q
     * @param c the linear term, shape [n]
     * @param a the p×n constraint matrix, or null (with b) for an unconstrained quadratic
     * @param b the right-hand side, shape [p], or null
     */
    public record Problem(Tensor q, Tensor c, Tensor a, Tensor b) {
    }

    /**
     * The solver's own options.
     *
     * @param linearSolver the method for the KKT system; not null
     * @param matrixFree   give the KKT operator to the linear solver as products (true) or as a dense matrix
     * @param refinement   iterative-refinement steps per update, ≥ 0
     */
    public record Options(LinearSolver linearSolver, boolean matrixFree, int refinement) {
        public Options {
            if (linearSolver == null) {
                throw new IllegalArgumentException("EqualityConstrainedQP.Options: linearSolver must not be null");
            }
            if (refinement < 0) {
                throw new IllegalArgumentException("EqualityConstrainedQP.Options: refinement must be >= 0, got "
                        + refinement);
            }
        }

        public static Options defaults() {
            return new Options(LinearSolver.lu(), false, 0);
        }

        public Options withLinearSolver(LinearSolver value) {
            return new Options(value, matrixFree, refinement);
        }

        public Options withMatrixFree(boolean value) {
            return new Options(linearSolver, value, refinement);
        }

        public Options withRefinement(int value) {
            return new Options(linearSolver, matrixFree, value);
        }
    }

    /** Iterations done and the KKT residual. */
    public record State(int iterations, double error) implements SolverState {
    }

    private final Options options;

    private EqualityConstrainedQP(SolverOptions common, Options options) {
        super(common);
        this.options = options;
    }

    /** The solver with default options. */
    public static EqualityConstrainedQP create() {
        return new EqualityConstrainedQP(SolverOptions.defaults(), Options.defaults());
    }

    @Override
    protected EqualityConstrainedQP withOptions(SolverOptions common) {
        return new EqualityConstrainedQP(common, options);
    }

    public Options solverOptions() {
        return options;
    }

    /** @throws IllegalArgumentException if options is null */
    public EqualityConstrainedQP with(Options value) {
        if (value == null) {
            throw new IllegalArgumentException("EqualityConstrainedQP.with: options is null");
        }
        return new EqualityConstrainedQP(options(), value);
    }

    public EqualityConstrainedQP withLinearSolver(LinearSolver value) {
        return with(options.withLinearSolver(value));
    }

    public EqualityConstrainedQP withMatrixFree(boolean value) {
        return with(options.withMatrixFree(value));
    }

    public EqualityConstrainedQP withRefinement(int value) {
        return with(options.withRefinement(value));
    }

    /** Runs from the zero point (x = 0, ν = 0). */
    public SolverResult<Kkt.Point<Tensor>, State> run(Problem problem) {
        int[] dims = check(problem);
        return run(Kkt.zeroDuals(Tensor.zeros(dims[0]), dims[1], 0), problem);
    }

    /** Validates the problem; returns {n, p}. */
    static int[] check(Problem problem) {
        String where = "EqualityConstrainedQP";
        if (problem == null) {
            throw new IllegalArgumentException(where + ": problem is null");
        }
        int n = QpChecks.requireSymmetric(where, problem.q());
        QpChecks.requireVector(where, "c", problem.c(), n);
        QpChecks.requireFinite(where, "c", problem.c());
        if ((problem.a() == null) != (problem.b() == null)) {
            throw new IllegalArgumentException(where + ": a and b must both be given or both be null");
        }
        int p = 0;
        if (problem.a() != null) {
            p = QpChecks.requireMatrix(where, "a", problem.a(), n);
            QpChecks.requireVector(where, "b", problem.b(), p);
            QpChecks.requireFinite(where, "b", problem.b());
        }
        return new int[]{n, p};
    }

    @Override
    public State init(Kkt.Point<Tensor> initParams, Problem problem) {
        int[] dims = check(problem);
        checkPoint(initParams, dims[0], dims[1]);
        return new State(0, Double.POSITIVE_INFINITY);
    }

    private static void checkPoint(Kkt.Point<Tensor> z, int n, int p) {
        String where = "EqualityConstrainedQP";
        if (z.primal() == null) {
            throw new IllegalArgumentException(where + ": the initial point has no primal variables");
        }
        QpChecks.requireVector(where, "the initial primal", z.primal(), n);
        if (z.ineqDual() != null) {
            throw new IllegalArgumentException(where + ": the initial point has inequality duals; the problem has none");
        }
        if (p == 0 ? z.eqDual() != null : z.eqDual() == null) {
            throw new IllegalArgumentException(where + ": the initial point must have " + p
                    + " equality duals (Kkt.zeroDuals(x, " + p + ", 0))");
        }
        if (p > 0) {
            QpChecks.requireVector(where, "the initial equality duals", z.eqDual(), p);
        }
    }

    @Override
    public OptStep<Kkt.Point<Tensor>, State> update(Kkt.Point<Tensor> params, State state, Problem problem) {
        int n = problem.c().dim(0);
        boolean constrained = problem.a() != null;
        LinearOperator<Tensor> kkt = operator(problem, n);
        Tensor rhs = constrained ? Tensor.concatenate(List.of(problem.c().neg(), problem.b()), 0) : problem.c().neg();
        Tensor z = constrained ? Tensor.concatenate(List.of(params.primal(), params.eqDual()), 0) : params.primal();
        // One preparation (factorization) serves the correction and every refinement step.
        LinearSolver solver = LinearSolver.reusing(options.linearSolver());
        for (int i = 0; i <= options.refinement(); i++) {
            z = z.add(LinearSolve.solve(kkt, rhs.sub(kkt.apply(z)), solver));
        }
        Kkt.Point<Tensor> next = constrained
                ? new Kkt.Point<>(z.slice(0, 0, n), z.slice(0, n, z.dim(0)), null)
                : new Kkt.Point<>(z, null, null);
        return new OptStep<>(next, new State(state.iterations() + 1, kktError(this, next, problem)));
    }

    private LinearOperator<Tensor> operator(Problem problem, int n) {
        Tensor q = problem.q();
        Tensor a = problem.a();
        if (a == null) {
            return options.matrixFree()
                    ? LinearOperator.fromMatvec(List.of(q), (List<Tensor> ps, Tensor v) -> ps.get(0).matmul(v), q.row(0))
                    .withTranspose((List<Tensor> ps, Tensor v) -> ps.get(0).matmul(v))
                    : LinearOperator.fromMatrix(q);
        }
        if (options.matrixFree()) {
            java.util.function.BiFunction<List<Tensor>, Tensor, Tensor> product = (ps, v) -> {
                Tensor x = v.slice(0, 0, n);
                Tensor nu = v.slice(0, n, v.dim(0));
                return Tensor.concatenate(List.of(ps.get(0).matmul(x).add(ps.get(1).transposeMatmul(nu)),
                        ps.get(1).matmul(x)), 0);
            };
            return LinearOperator.fromMatvec(List.of(q, a), product, Tensor.zeros(n + a.dim(0))).withTranspose(product);
        }
        int p = a.dim(0);
        Tensor top = Tensor.concatenate(List.of(q, a.transpose()), 1);
        Tensor bottom = Tensor.concatenate(List.of(a, Tensor.zeros(p, p)), 1);
        return LinearOperator.fromMatrix(Tensor.concatenate(List.of(top, bottom), 0));
    }

    /** ‖F(z)‖₂ / max(1, ‖z‖₂) on concrete values: the residual implicit differentiation certifies. */
    static <A> double kktError(IterativeSolver<Kkt.Point<Tensor>, A, ?, ?> solver, Kkt.Point<Tensor> z, A args) {
        Kkt.Point<Tensor> zc = Autodiff.stopGradient(z);
        double[] r = Pytree.toArray(solver.optimality(zc, Autodiff.stopGradient(args)));
        double[] x = Pytree.toArray(zc);
        return Blas.nrm2(r.length, r, 0) / Math.max(1.0, Blas.nrm2(x.length, x, 0));
    }

    /** F(x, ν) = (Qx + c + Aᵀν, Ax − b), zero exactly at the solution. */
    @Override
    public Kkt.Point<Tensor> optimality(Kkt.Point<Tensor> params, Problem problem) {
        Tensor x = params.primal();
        Tensor stationarity = problem.q().matmul(x).add(problem.c());
        if (problem.a() == null) {
            return new Kkt.Point<>(stationarity, null, null);
        }
        stationarity = stationarity.add(problem.a().transposeMatmul(params.eqDual()));
        return new Kkt.Point<>(stationarity, problem.a().matmul(x).sub(problem.b()), null);
    }
}
