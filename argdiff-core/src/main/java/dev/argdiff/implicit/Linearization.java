package dev.argdiff.implicit;

import dev.argdiff.ad.Pytree;
import dev.argdiff.linalg.LinearOperator;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.internal.Dispatch;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The Jacobian operator ∂ₓF of the last point (x*, θ) a decorated solver was differentiated at,
 * and a linear solver that remembers its preparation ({@link LinearSolver#reusing}). Every
 * tangent solve of a {@code jacfwd} (one per input direction) and the adjoint solve at that point
 * then share one operator, so a dense method factors ∂ₓF once instead of once per solve, and the
 * adjoint solve uses the transposed factors.
 *
 * <p>Keyed like {@link LastSolution}: only within one top-level transform evaluation
 * ({@link Dispatch#evaluation()}), by equal structure and values of (x*, θ), so state F reads
 * that the comparison cannot see can never make a remembered operator stale. The memo is one
 * immutable entry swapped atomically, so a decorated function may be shared between threads.
 */
final class Linearization<X, A> {

    private record Entry<X>(WeakReference<Object> evaluation, Pytree.Flat solution, Pytree.Flat args,
                            LinearOperator<X> operator) {
    }

    private final AtomicReference<Entry<X>> last = new AtomicReference<>();
    private final LinearSolver solver;

    Linearization(ImplicitOptions options) {
        this.solver = LinearSolver.reusing(options.solver());
    }

    /** The linear solver of the tangent and adjoint systems, remembering its last preparation. */
    LinearSolver solver() {
        return solver;
    }

    /** The operator remembered for equal (x*, θ), else the one {@code build} makes (then remembered). */
    LinearOperator<X> operator(X solution, A args, Supplier<LinearOperator<X>> build) {
        Object evaluation = Dispatch.evaluation();
        if (evaluation == null) {
            last.set(null);
            return build.get();
        }
        Pytree.Flat s = Pytree.flatten(solution);
        Pytree.Flat a = Pytree.flatten(args);
        Entry<X> e = last.get();
        if (e != null && e.evaluation().get() == evaluation && e.solution().sameValues(s)
                && e.args().sameValues(a)) {
            return e.operator();
        }
        LinearOperator<X> op = build.get();
        last.set(new Entry<>(new WeakReference<>(evaluation), s, a, op));
        return op;
    }
}
