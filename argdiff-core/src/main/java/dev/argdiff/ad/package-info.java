/**
 * Automatic differentiation: function transforms over trees of tensors.
 *
 * <p>Start with {@link dev.argdiff.ad.Autodiff}: {@code grad}, {@code valueAndGrad},
 * {@code jvp}, {@code vjp}, {@code jacfwd}, {@code jacrev}, {@code hessian}, {@code hvp},
 * {@code stopGradient} and custom derivative rules ({@code customJvp}, {@code customVjp}).
 * Transforms take any {@code java.util.function.Function} written with
 * {@link dev.argdiff.tensor.Tensor} operations and nest to any order.
 *
 * <p>Inputs and outputs may be pytrees ({@link dev.argdiff.ad.Pytree}): tensors, lists, maps,
 * arrays and records of them; other leaves are static. {@link dev.argdiff.ad.GradCheck}
 * compares any function's derivatives with central finite differences.
 */
package dev.argdiff.ad;
