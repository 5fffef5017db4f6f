/**
 * JMH benchmarks of argdiff: {@link dev.argdiff.bench.AutodiffBench} (loss, gradient, Hessian-vector
 * products) and {@link dev.argdiff.bench.LinalgBench} (gemm, Cholesky, CG). Run them from the
 * shaded jar, {@code java -jar argdiff-bench/target/argdiff-bench.jar}.
 */
package dev.argdiff.bench;
