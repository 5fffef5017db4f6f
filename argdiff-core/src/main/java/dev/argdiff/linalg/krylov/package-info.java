/**
 * Matrix-free Krylov solvers for linear systems on plain {@code double[]} vectors.
 *
 * <p>The operator is a {@link dev.argdiff.linalg.krylov.MatVec}, x ↦ A·x; no matrix is ever
 * formed. Every solver has the same shape, {@code static KrylovResult solve(MatVec a, double[] b,
 * KrylovOptions opts)} ({@link dev.argdiff.linalg.krylov.NormalConjugateGradient} also takes the
 * transposed matvec), takes the same {@link dev.argdiff.linalg.krylov.KrylovOptions} (tolerances,
 * maxiter, initial guess, ridge, preconditioner, GMRES restart) and returns a
 * {@link dev.argdiff.linalg.krylov.KrylovResult}: the solution with its true residual, the
 * iteration count and a status. Not converging is a result, never an exception; bad input
 * (NaN/Inf in b, mismatched lengths, invalid options) is an {@link IllegalArgumentException}
 * naming the argument.
 *
 * <h2>Which solver</h2>
 * <table>
 *   <caption>Choosing a Krylov solver</caption>
 *   <tr><th>Operator</th><th>Solver</th><th>Matvecs per iteration</th><th>Memory</th></tr>
 *   <tr><td>symmetric positive definite</td><td>{@link dev.argdiff.linalg.krylov.ConjugateGradient}</td>
 *       <td>1</td><td>4 vectors</td></tr>
 *   <tr><td>general square</td><td>{@link dev.argdiff.linalg.krylov.Gmres}</td>
 *       <td>1 (+ orthogonalization)</td><td>restart + 1 vectors</td></tr>
 *   <tr><td>general square</td><td>{@link dev.argdiff.linalg.krylov.BiCgStab}</td>
 *       <td>2</td><td>8 vectors</td></tr>
 *   <tr><td>any, rectangular, least squares; Aᵀ available</td>
 *       <td>{@link dev.argdiff.linalg.krylov.NormalConjugateGradient}</td><td>1 + 1 transposed</td>
 *       <td>4 vectors</td></tr>
 * </table>
 * GMRES minimizes the residual at every step and never breaks down on a nonsingular operator,
 * at the price of memory and restarts; BiCGSTAB is cheap in memory but can break down or
 * stagnate. Normal CG always works but squares the condition number.
 *
 * <p>These solvers are the numerical kernels of implicit differentiation: the autodiff layer
 * flattens pytrees to {@code double[]} and calls them; derivatives of a linear solve are given by
 * implicit rules elsewhere, never by differentiating through these iterations.
 */
package dev.argdiff.linalg.krylov;
