/**
 * Dense linear algebra on row-major {@code double[]} matrices, through LAPACK: factorizations
 * for solving systems ({@link dev.argdiff.linalg.dense.LU}, {@link dev.argdiff.linalg.dense.Cholesky}),
 * least squares ({@link dev.argdiff.linalg.dense.QR}) and spectral decompositions
 * ({@link dev.argdiff.linalg.dense.SymmetricEigen}, {@link dev.argdiff.linalg.dense.SVD}).
 *
 * <p>Conventions shared by every class:
 * <ul>
 *   <li><b>Storage.</b> An m×n matrix is a {@code double[]} of length m·n, row-major: entry
 *       (i, j) at index {@code i·n + j}. Several right-hand sides are the columns of a
 *       row-major matrix. LAPACK is column-major; each class documents how it translates.</li>
 *   <li><b>Immutability.</b> Arguments are never modified and results are new arrays;
 *       decomposition objects are immutable and thread safe.</li>
 *   <li><b>Validation.</b> Every entry point refuses, with an {@link java.lang.IllegalArgumentException}
 *       whose message names the operation, the argument and the expected and actual values,
 *       a null array, a negative size, a length that does not match the sizes, and a NaN or
 *       infinite entry (for example {@code "LU.factor: matrix contains NaN at (3, 4)"}).
 *       Symmetric algorithms also refuse a matrix that is not symmetric.</li>
 *   <li><b>Numerical failure</b> is an {@link java.lang.ArithmeticException}:
 *       {@link dev.argdiff.linalg.dense.SingularMatrixException} (zero pivot, or estimated
 *       reciprocal condition number below max(1, n)·ε, about n·2.2e-16),
 *       {@link dev.argdiff.linalg.dense.NotPositiveDefiniteException}, or a plain
 *       {@code ArithmeticException} when an iterative decomposition does not converge. Nothing
 *       fails silently.</li>
 *   <li><b>Empty matrices</b> (n = 0, or m·n = 0) are valid and give empty results.</li>
 * </ul>
 */
package dev.argdiff.linalg.dense;
