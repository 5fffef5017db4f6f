package dev.argdiff.solvers;

/**
 * How a least-squares solver builds the Jacobian J (m×n) of its residual r: by n forward-mode
 * JVPs, by m reverse-mode VJPs, or ({@link #AUTO}, the default) whichever is fewer — forward
 * when n ≤ m, the usual case of more residuals than parameters.
 */
public enum JacobianMode {
    AUTO, FORWARD, REVERSE
}
