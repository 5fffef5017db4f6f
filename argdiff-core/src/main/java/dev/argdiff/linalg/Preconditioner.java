package dev.argdiff.linalg;

import dev.argdiff.ad.Pytree;
import dev.argdiff.linalg.krylov.MatVec;
import dev.argdiff.linalg.krylov.Preconditioners;

/**
 * How to build the preconditioner M⁻¹ of a Krylov solve for a given operator: none, Jacobi
 * (the inverse diagonal, read from a matrix or extracted with n products), or one the user gives.
 */
@FunctionalInterface
public interface Preconditioner {

    /** The action of M⁻¹ on flat vectors for this operator, or null for none. */
    MatVec build(LinearOperator<?> operator);

    /** No preconditioning. */
    static Preconditioner none() {
        return op -> null;
    }

    /**
     * Jacobi: M = diag(A). For a matrix operator the diagonal is read directly; otherwise it
     * costs n matrix-vector products, once per {@link LinearSolver#prepare preparation}.
     */
    static Preconditioner jacobi() {
        return op -> Preconditioners.jacobi(op.diagonal());
    }

    /** A user-supplied M⁻¹ on flat vectors. */
    static Preconditioner of(MatVec inverse) {
        if (inverse == null) {
            throw new IllegalArgumentException("Preconditioner.of: inverse is null");
        }
        return op -> inverse;
    }

    /** A user-supplied M⁻¹ given as an operator on the same tree structure as the system's. */
    static <V> Preconditioner ofOperator(LinearOperator<V> inverse) {
        if (inverse == null) {
            throw new IllegalArgumentException("Preconditioner.ofOperator: inverse is null");
        }
        V like = inverse.zeroVector();
        return op -> x -> Pytree.toArray(inverse.apply(Pytree.fromArray(like, x)));
    }
}
