/**
 * The n-dimensional array every other package computes with.
 *
 * <p>Start with {@link dev.argdiff.tensor.Tensor}: an immutable array of doubles with numpy
 * broadcasting, created by {@code Tensor.of}, {@code zeros}, {@code ones}, {@code full} or
 * {@code fromArray}, and combined with whole-array operations ({@code add}, {@code matmul},
 * {@code sum}, {@code exp}, ...). Any function written with these operations can be
 * differentiated by {@link dev.argdiff.ad.Autodiff}.
 *
 * <p>The other public types are the extension points of the autodiff machinery:
 * {@link dev.argdiff.tensor.Primitive} (one differentiable operation),
 * {@link dev.argdiff.tensor.CustomRule} (a function with user-supplied derivatives),
 * {@link dev.argdiff.tensor.Trace} and {@link dev.argdiff.tensor.Tracer} (what a transform
 * attaches to a tensor while it runs) and {@link dev.argdiff.tensor.Dispatch}. Ordinary users
 * never touch them. Shape mismatches throw {@link dev.argdiff.tensor.ShapeException}.
 */
package dev.argdiff.tensor;
