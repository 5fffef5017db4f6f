package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.linalg.FailurePolicy;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolve;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.linalg.Tag;
import dev.argdiff.tensor.Tensor;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What GaussNewton and LevenbergMarquardt share: the residual and its Jacobian at a point (as
 * differentiable tensor functions, so an unrolled run differentiates through them), and the
 * damped normal-equations step. Package-private.
 */
final class LeastSquaresSteps {
    private LeastSquaresSteps() {
    }

    /** r (flattened, m entries) and J (m×n) at a point, with ½‖r‖². */
    record Linearized(Tensor residual, Tensor jacobian, double value) {
        Tensor gradient() {
            return jacobian.transposeMatmul(residual);
        }
    }

    static <X, A> Function<Tensor, Tensor> flatResidual(BiFunction<X, A, Tensor> residual, X like, A args) {
        return z -> residual.apply(TreeVectors.unflatten(like, z), args).flatten();
    }

    static <X, A> Linearized linearize(String solver, BiFunction<X, A, Tensor> residual, X x, A args,
                                       JacobianMode mode) {
        Tensor z = TreeVectors.flatten(x);
        Function<Tensor, Tensor> rf = flatResidual(residual, x, args);
        Tensor r = rf.apply(z);
        if (r.size() == 0) {
            throw new IllegalArgumentException(solver + ": the residual has no entries");
        }
        int m = r.size();
        int n = z.size();
        boolean forward = mode == JacobianMode.FORWARD || (mode == JacobianMode.AUTO && n <= m);
        Tensor jac = forward ? Autodiff.jacfwd(rf).apply(z) : Autodiff.jacrev(rf).apply(z);
        double v = 0.5 * Autodiff.stopGradient(r).squaredNorm().item();
        return new Linearized(r, jac.reshape(m, n), v);
    }

    static double value(Tensor r) {
        return 0.5 * Autodiff.stopGradient(r).squaredNorm().item();
    }

    /**
     * The solution h of (JᵀJ + μI)·h = −v (v = Jᵀr for the Gauss–Newton/LM step), by Cholesky,
     * differentiable in J and v.
     *
     * @throws dev.argdiff.tensor.NumericalFailureException if JᵀJ + μI is not positive definite
     */
    static Tensor dampedSolve(Tensor jac, Tensor v, double mu) {
        return dampedSolve(jac, v, mu, FailurePolicy.THROW);
    }

    /**
     * As {@link #dampedSolve(Tensor, Tensor, double)}; with {@link FailurePolicy#IGNORE} an
     * inaccurate solve of an ill-conditioned system is returned anyway (LM's gain ratio judges the step).
     */
    static Tensor dampedSolve(Tensor jac, Tensor v, double mu, FailurePolicy policy) {
        Tensor a = jac.transposeMatmul(jac);
        if (mu > 0) {
            a = a.add(Tensor.eye(a.dim(0)).mul(mu));
        }
        return LinearSolve.solve(LinearOperator.fromMatrix(a).withTags(Tag.SYMMETRIC, Tag.POSITIVE_DEFINITE),
                v.neg(), LinearSolver.cholesky().with(LinearSolver.cholesky().options().withFailurePolicy(policy)));
    }
}
