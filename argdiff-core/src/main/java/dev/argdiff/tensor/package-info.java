/**
 * The n-dimensional array every other package computes with.
 *
 * <p>Start with {@link dev.argdiff.tensor.Tensor}: an immutable array of doubles with numpy
 * broadcasting, created by {@code Tensor.of}, {@code zeros}, {@code ones}, {@code full} or
 * {@code fromArray}, and combined with whole-array operations ({@code add}, {@code matmul},
 * {@code sum}, {@code exp}, ...). Any function written with these operations can be
 * differentiated by {@link dev.argdiff.ad.Autodiff}.
 *
 * <p>{@link dev.argdiff.tensor.Primitive} is the sealed list of differentiable operations,
 * each with its evaluation, JVP and VJP rules. The tracing machinery (traces, tracers, the
 * dispatch of operations to the innermost transform, custom rules) lives in
 * {@code dev.argdiff.tensor.internal}, which is not API. Shape mismatches throw
 * {@link dev.argdiff.tensor.ShapeException}; failures of argdiff implement
 * {@link dev.argdiff.tensor.ArgdiffFailure}.
 */
package dev.argdiff.tensor;
