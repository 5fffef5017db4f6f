package dev.argdiff.linalg;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.ad.Pytree;

import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link LinearSolver#reusing}: remembers the last prepared solver, keyed by the operator's map
 * (see {@link LinearOperator#sameMap}), its parameter values and the options that shape the
 * preparation. The memo is one immutable entry swapped atomically and shared by the copies that
 * {@link #with} makes (the implicit layer changes the policy and observer per solve).
 */
final class ReusingSolver implements LinearSolver {

    private record Entry(LinearOperator<?> operator, Pytree.Flat params, Options options, PreparedSolver prepared) {
    }

    private final LinearSolver solver;
    private final AtomicReference<Entry> last;

    ReusingSolver(LinearSolver solver) {
        this(solver, new AtomicReference<>());
    }

    private ReusingSolver(LinearSolver solver, AtomicReference<Entry> last) {
        this.solver = solver;
        this.last = last;
    }

    @Override
    public String name() {
        return solver.name();
    }

    @Override
    public Options options() {
        return solver.options();
    }

    @Override
    public LinearSolver with(Options options) {
        return new ReusingSolver(solver.with(options), last);
    }

    @Override
    public LinearSolver select(LinearOperator<?> operator) {
        return solver.select(operator);
    }

    @Override
    public PreparedSolver prepare(LinearOperator<?> operator) {
        if (operator == null) {
            throw new IllegalArgumentException("LinearSolver.prepare: operator is null");
        }
        Pytree.Flat params = Pytree.flatten(Autodiff.stopGradient(operator.params()));
        Entry e = last.get();
        if (e != null && e.options().solvesLike(solver.options()) && e.params().sameValues(params)) {
            if (operator.sameMap(e.operator())) {
                return e.prepared();
            }
            if (operator.isTransposeOf(e.operator())) {
                return e.prepared().transpose();
            }
        }
        PreparedSolver prepared = solver.prepare(operator);
        last.set(new Entry(operator, params, solver.options(), prepared));
        return prepared;
    }

    @Override
    public String toString() {
        return "reusing " + solver;
    }
}
