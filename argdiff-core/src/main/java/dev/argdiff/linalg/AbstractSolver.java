package dev.argdiff.linalg;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;
import dev.argdiff.linalg.krylov.MatVec;

import java.util.Locale;

/** What every built-in method shares: its options, its text, and the concrete products of an operator. */
abstract class AbstractSolver implements LinearSolver {

    private final Options options;

    AbstractSolver(Options options) {
        if (options == null) {
            throw new IllegalArgumentException("LinearSolver.with: options is null");
        }
        this.options = options;
    }

    @Override
    public final Options options() {
        return options;
    }

    /** The operator at the concrete values of its parameters: nothing a solver does is recorded. */
    static <V> LinearOperator<V> concrete(LinearOperator<V> operator) {
        if (operator == null) {
            throw new IllegalArgumentException("LinearSolver.prepare: operator is null");
        }
        return Pytree.isConcrete(operator.params()) ? operator
                : operator.withParams(Autodiff.stopGradient(operator.params()));
    }

    /** The operator's product on flat vectors. */
    static <V> MatVec matvec(LinearOperator<V> op) {
        V like = op.zeroVector();
        return x -> Pytree.toArray(op.apply(Pytree.fromArray(like, x)));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LinearSolver(%s, rtol=%.1e, atol=%.1e, maxiter=%s, ridge=%s, policy=%s)",
                name(), options.rtol(), options.atol(), options.maxiter() == null ? "10n" : options.maxiter(),
                options.ridge(), options.policy());
    }
}
