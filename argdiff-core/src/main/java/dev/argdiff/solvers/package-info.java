/**
 * Iterative solvers whose solutions are differentiable in every input θ.
 *
 * <p>Start with {@link dev.argdiff.solvers.GradientDescent} (smooth problems) or
 * {@link dev.argdiff.solvers.ProximalGradient} (smooth + non-smooth, e.g. lasso). Others:
 * {@link dev.argdiff.solvers.ProjectedGradient}, {@link dev.argdiff.solvers.BlockCoordinateDescent},
 * {@link dev.argdiff.solvers.LBFGS}, {@link dev.argdiff.solvers.FixedPointIteration} and
 * {@link dev.argdiff.solvers.AndersonAcceleration}. All share the options of
 * {@link dev.argdiff.solvers.IterativeSolver} ({@code maxiter}, {@code tol},
 * {@code implicitDiff}, a {@link dev.argdiff.solvers.ProgressListener}); {@code run(init, args)}
 * returns a {@link dev.argdiff.solvers.SolverResult}: the solution, the final state (iteration
 * count and error) and whether the tolerance was reached.
 *
 * <p>With {@code implicitDiff(true)} (the default) derivatives of the solution come from
 * {@link dev.argdiff.implicit.ImplicitDiff}; with {@code implicitDiff(false)} the iterations
 * are unrolled and differentiated step by step.
 */
package dev.argdiff.solvers;
