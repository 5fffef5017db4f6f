package dev.argdiff.linalg;

/** The built-in linear solvers by name, for parameterized tests. */
public enum Method {
    AUTO, CG, NORMAL_CG, GMRES, BICGSTAB, LU, CHOLESKY;

    /** The solver of this method with default options. */
    public LinearSolver solver() {
        switch (this) {
            case AUTO:
                return LinearSolver.auto();
            case CG:
                return LinearSolver.cg();
            case NORMAL_CG:
                return LinearSolver.normalCg();
            case GMRES:
                return LinearSolver.gmres();
            case BICGSTAB:
                return LinearSolver.bicgstab();
            case LU:
                return LinearSolver.lu();
            case CHOLESKY:
                return LinearSolver.cholesky();
            default:
                throw new AssertionError(this);
        }
    }

    /** The method of a built-in solver, found by its name. */
    public static Method of(LinearSolver solver) {
        for (Method m : values()) {
            if (m.solver().name().equals(solver.name())) {
                return m;
            }
        }
        throw new AssertionError("not a built-in solver: " + solver);
    }

    /** The method {@code solver} uses for {@code operator} (a selector's choice). */
    public static Method chosen(LinearSolver solver, LinearOperator<?> operator) {
        return of(solver.select(operator));
    }
}
