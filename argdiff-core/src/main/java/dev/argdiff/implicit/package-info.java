/**
 * Implicit differentiation: derivatives of a solution x*(θ) from its optimality condition
 * F(x*(θ), θ) = 0, without differentiating the iterations that found it.
 *
 * <p>Start with {@link dev.argdiff.implicit.ImplicitDiff#customRoot} (or
 * {@code customFixedPoint}): it wraps any solver so that every transform of
 * {@link dev.argdiff.ad.Autodiff} sees the implicit derivative. The solvers of
 * {@link dev.argdiff.solvers} already do this by default ({@code implicitDiff(true)}).
 * {@link dev.argdiff.implicit.ImplicitOptions} chooses the linear solver and what happens when
 * the optimality residual or a linear solve fails certification
 * ({@link dev.argdiff.implicit.ImplicitDiffException}, with
 * {@link dev.argdiff.implicit.ImplicitDiagnostics}); {@link dev.argdiff.implicit.Kkt} builds
 * optimality conditions of constrained problems; {@link dev.argdiff.implicit.ImplicitGradCheck}
 * compares implicit, unrolled and finite-difference derivatives of your own solver.
 *
 * <p>Reference: M. Blondel et al., "Efficient and Modular Implicit Differentiation",
 * NeurIPS 2022 (arXiv:2105.15183).
 */
package dev.argdiff.implicit;
