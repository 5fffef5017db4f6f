/**
 * Proximal operators, for {@link dev.argdiff.solvers.ProximalGradient} and
 * {@link dev.argdiff.solvers.BlockCoordinateDescent}.
 *
 * <p>{@link dev.argdiff.prox.Prox} holds prox_{s·g} for common penalties g (none, lasso,
 * non-negative lasso, elastic net, group lasso, ridge, non-negative ridge, or any projection) as differentiable functions of the
 * point and of the penalty's parameters; {@link dev.argdiff.prox.ProxOperator} is the shape a
 * solver takes.
 */
package dev.argdiff.prox;
