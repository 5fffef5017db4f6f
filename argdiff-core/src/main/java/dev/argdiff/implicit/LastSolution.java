package dev.argdiff.implicit;

import dev.argdiff.ad.Pytree;
import dev.argdiff.tensor.internal.Dispatch;
import dev.argdiff.tensor.Tensor;

import java.lang.ref.WeakReference;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * A solver that remembers its last solution within one top-level transform evaluation: called
 * again during the same evaluation ({@link Dispatch#evaluation()}: one {@code jacfwd}, one
 * {@code hessian}, one {@code grad}) with the same initial guess and arguments (equal structure,
 * static leaves and tensor values), it returns the remembered solution instead of solving again.
 * Forward-mode Jacobians and Hessians evaluate the primal once per input direction (each column
 * is its own JVP), so without this a {@code jacfwd} of a decorated solver would run the solver n
 * times on the same problem.
 *
 * <p>Outside any transform it always solves, and an entry is never reused by another top-level
 * call: state the solver reads that the comparison cannot see (a {@code double[]} changed in
 * place, a field of the objective's enclosing object) can only change between evaluations, so
 * the memo is never observable. The solver is assumed deterministic in (init, args) within one
 * evaluation. The memo is one immutable entry swapped atomically, so a decorated function may be
 * shared between threads (an entry of another thread's evaluation never matches).
 */
final class LastSolution<X, A, R> implements BiFunction<X, A, R> {

    private record Entry<R>(WeakReference<Object> evaluation, Pytree.Flat init, Pytree.Flat args, R solution) {
    }

    private final BiFunction<X, A, R> solver;
    private final AtomicReference<Entry<R>> last = new AtomicReference<>();

    LastSolution(BiFunction<X, A, R> solver) {
        this.solver = solver;
    }

    @Override
    public R apply(X init, A args) {
        Object evaluation = Dispatch.evaluation();
        if (evaluation == null) {
            last.set(null);
            return solver.apply(init, args);
        }
        Pytree.Flat initFlat = Pytree.flatten(init);
        Pytree.Flat argsFlat = Pytree.flatten(args);
        Entry<R> e = last.get();
        if (e != null && e.evaluation().get() == evaluation && same(e.init(), initFlat) && same(e.args(), argsFlat)) {
            return e.solution();
        }
        R solution = solver.apply(init, args);
        last.set(new Entry<>(new WeakReference<>(evaluation), initFlat, argsFlat, solution));
        return solution;
    }

    /** Equal structure (static leaves included) and equal tensor values; the same array is equal at once. */
    private static boolean same(Pytree.Flat a, Pytree.Flat b) {
        if (!a.def().sameStructure(b.def())) {
            return false;
        }
        List<Tensor> la = a.leaves();
        List<Tensor> lb = b.leaves();
        for (int i = 0; i < la.size(); i++) {
            if (la.get(i) != lb.get(i) && !la.get(i).equals(lb.get(i))) {
                return false;
            }
        }
        return true;
    }
}
