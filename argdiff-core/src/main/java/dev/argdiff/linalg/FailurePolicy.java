package dev.argdiff.linalg;

/** What to do when a solve does not reach its tolerance or produces non-finite values. */
public enum FailurePolicy {
    /** Throw {@link SolveFailedException} (the default: a wrong derivative is never returned silently). */
    THROW,
    /** Log a warning through {@link java.lang.System.Logger} and return the result. */
    WARN,
    /** Return the result; the diagnostics still record the failure. */
    IGNORE
}
