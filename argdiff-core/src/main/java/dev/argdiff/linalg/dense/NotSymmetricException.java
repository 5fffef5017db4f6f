package dev.argdiff.linalg.dense;

import dev.argdiff.tensor.ArgdiffFailure;

/**
 * A matrix given to a symmetric algorithm (Cholesky, the symmetric eigendecomposition) differs
 * from its transpose by more than rounding: factoring one triangle would silently solve another
 * system. The message names the operation and the first offending pair of entries.
 *
 * <p>An {@link IllegalArgumentException} (the caller's matrix is wrong) in the
 * {@link ArgdiffFailure} family. Met inside implicit differentiation, it means that the
 * optimality condition was declared symmetric ({@code ImplicitOptions.withSymmetric(true)})
 * while its Jacobian is not; the implicit layer reports it as its own certification failure.
 */
public class NotSymmetricException extends IllegalArgumentException implements ArgdiffFailure {
    private static final long serialVersionUID = 1L;

    /** @param message the operation and the first entries that differ from their mirror */
    public NotSymmetricException(String message) {
        super(message);
    }
}
