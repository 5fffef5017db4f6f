package dev.argdiff.linalg;

/**
 * Structure a linear operator declares, used by {@link LinearSolver#auto()} to pick a method.
 * A wrong tag gives wrong answers (CG on a nonsymmetric system), so tags are checked where that
 * is cheap: a dense matrix declared symmetric is verified.
 */
public enum Tag {
    /** A = Aᵀ. */
    SYMMETRIC,
    /** xᵀAx > 0 for x ≠ 0 (only meaningful together with SYMMETRIC). */
    POSITIVE_DEFINITE
}
