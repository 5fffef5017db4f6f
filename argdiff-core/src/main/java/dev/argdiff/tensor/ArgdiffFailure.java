package dev.argdiff.tensor;

/**
 * The one family of argdiff's own failures: every exception argdiff throws on purpose — a
 * wrong shape, a singular or not positive definite system, a linear solve or a solver that did
 * not converge, an implicit derivative that failed its certification — implements this
 * interface, and all are unchecked.
 *
 * <p>It is an interface, not a common superclass, so that each failure keeps the standard type
 * that says who is to blame (Guava's convention): a bad argument is an
 * {@link IllegalArgumentException}, a computation argdiff refused to finish is an
 * {@link ArithmeticException}. Java allows one superclass only, so a class above both would have
 * to give one of them up. The family:
 * <ul>
 *   <li>{@link ShapeException} (an {@code IllegalArgumentException}): operands whose shapes do
 *       not fit;</li>
 *   <li>{@code dev.argdiff.linalg.dense.NotSymmetricException} (an
 *       {@code IllegalArgumentException}): a matrix given to a symmetric algorithm is not
 *       symmetric;</li>
 *   <li>{@link NumericalFailureException} (an {@code ArithmeticException}), the catchable base of
 *       every numerical failure: {@code SingularMatrixException},
 *       {@code NotPositiveDefiniteException}, {@code SolveFailedException} (a linear solve),
 *       {@code ImplicitDiffException} (certification of an implicit derivative), and a solver
 *       whose objective became non-finite.</li>
 * </ul>
 * To handle all of them in one place:
 * <pre>{@code
 * try {
 *     hypergradient = Autodiff.grad(validationLoss).apply(theta);
 * } catch (RuntimeException e) {
 *     if (!(e instanceof ArgdiffFailure)) {
 *         throw e;                        // a bug elsewhere
 *     }
 *     log(e.getMessage());                // the message names the operation, the values and the fix
 * }
 * }</pre>
 * It lives in the lowest layer ({@code tensor}) so that every layer can implement it without
 * a package cycle.
 */
public interface ArgdiffFailure {
}
