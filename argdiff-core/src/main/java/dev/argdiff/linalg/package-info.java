/**
 * Linear operators and differentiable linear solves over pytrees.
 *
 * <p>Start with {@link dev.argdiff.linalg.LinearSolve#solve}: it solves A·x = b for a
 * {@link dev.argdiff.linalg.LinearOperator} (a dense matrix or a matrix-free function, with
 * {@link dev.argdiff.linalg.Tag}s such as symmetric or positive definite) and is
 * differentiable in b and in the operator's parameters at every order.
 * {@link dev.argdiff.linalg.LinearSolver} chooses the method (CG, normal CG, GMRES, BiCGSTAB,
 * LU, Cholesky or {@code auto}), tolerances, a {@link dev.argdiff.linalg.Preconditioner} and
 * the {@link dev.argdiff.linalg.FailurePolicy}; every solve reports a
 * {@link dev.argdiff.linalg.SolveInfo}, and a failed solve throws
 * {@link dev.argdiff.linalg.SolveFailedException} by default.
 *
 * <p>The numerical kernels are in {@link dev.argdiff.linalg.dense} (LAPACK factorizations) and
 * {@link dev.argdiff.linalg.krylov} (matrix-free iterative solvers on {@code double[]}).
 */
package dev.argdiff.linalg;
