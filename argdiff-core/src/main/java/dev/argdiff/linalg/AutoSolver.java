package dev.argdiff.linalg;

/**
 * {@link LinearSolver#auto()}: a selector, not a method. It picks one of the built-in methods per
 * operator from its size, whether it is an explicit matrix, and its tags (see
 * {@link LinearSolver}), with these options, and prepares that.
 */
final class AutoSolver extends AbstractSolver {

    AutoSolver(Options options) {
        super(options);
    }

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public LinearSolver with(Options options) {
        return new AutoSolver(options);
    }

    @Override
    public LinearSolver select(LinearOperator<?> operator) {
        if (operator == null) {
            throw new IllegalArgumentException("LinearSolver.select: operator is null");
        }
        boolean spd = operator.has(Tag.SYMMETRIC) && operator.has(Tag.POSITIVE_DEFINITE);
        if (operator.size() <= (operator.isMatrix() ? DENSE_MAX_SIZE : DENSE_MAX_SIZE_MATRIX_FREE)) {
            return spd ? new CholeskySolver(options()) : new LuSolver(options());
        }
        return spd ? new CgSolver(options()) : new GmresSolver(options());
    }

    @Override
    public PreparedSolver prepare(LinearOperator<?> operator) {
        LinearOperator<?> op = concrete(operator);
        return select(op).prepare(op);
    }
}
