package dev.argdiff.implicit;

import dev.argdiff.linalg.SolveInfo;

import java.util.Locale;

/**
 * What one implicit derivative computation measured: the optimality residual ‖F(x*, θ)‖ at the
 * solution it differentiated (the derivative's error grows linearly with it — Blondel et al.
 * 2022, Theorem 1) and the diagnostics of its linear solve (tangent or adjoint).
 *
 * @param mode {@link Mode#JVP} (forward, tangent solve A·t = −B·v) or {@link Mode#VJP} (reverse,
 *             adjoint solve Aᵀ·u = w)
 */
public record ImplicitDiagnostics(Mode mode, double optimalityResidual, double optimalityTolerance,
                                  SolveInfo linearSolve) {

    /** The direction of an implicit derivative, and so of its linear solve. */
    public enum Mode {
        /** Forward mode ({@code ImplicitDiff.rootJvp}): the tangent solve ∂ₓF·t = −∂_θF·v. */
        JVP("jvp", "rootJvp", "tangent"),
        /** Reverse mode ({@code ImplicitDiff.rootVjp}): the adjoint solve ∂ₓFᵀ·u = w. */
        VJP("vjp", "rootVjp", "adjoint");

        private final String label;
        private final String operation;
        private final String system;

        Mode(String label, String operation, String system) {
            this.label = label;
            this.operation = operation;
            this.system = system;
        }

        /** The method that computes it, as messages name it: "rootJvp" or "rootVjp". */
        public String operation() {
            return operation;
        }

        /** Its linear system: "tangent" or "adjoint". */
        public String system() {
            return system;
        }

        /** "jvp" or "vjp". */
        @Override
        public String toString() {
            return label;
        }
    }

    /** Whether the solution was optimal to tolerance and the linear solve converged. */
    public boolean certified() {
        return optimalityResidual <= optimalityTolerance && (linearSolve == null || linearSolve.converged());
    }

    /** A one-line human-readable summary. */
    public String summary() {
        return String.format(Locale.ROOT, "%s: optimality residual %.3e (tolerance %.1e); %s", mode, optimalityResidual,
                optimalityTolerance, linearSolve == null ? "no linear solve" : linearSolve.summary());
    }
}
