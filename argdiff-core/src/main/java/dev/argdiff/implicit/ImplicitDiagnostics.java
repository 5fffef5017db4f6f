package dev.argdiff.implicit;

import dev.argdiff.linalg.SolveInfo;

import java.util.Locale;

/**
 * What one implicit derivative computation measured: the optimality residual ‖F(x*, θ)‖ at the
 * solution it differentiated (the derivative's error grows linearly with it — Blondel et al.
 * 2022, Theorem 1) and the diagnostics of its linear solve (tangent or adjoint).
 *
 * @param mode "jvp" (forward, tangent solve A·t = −B·v) or "vjp" (reverse, adjoint solve Aᵀ·u = w)
 */
public record ImplicitDiagnostics(String mode, double optimalityResidual, double optimalityTolerance,
                                  SolveInfo linearSolve) {

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
