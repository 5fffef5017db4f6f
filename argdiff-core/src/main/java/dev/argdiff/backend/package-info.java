/**
 * The native-or-Java dense kernels under everything: {@link dev.argdiff.backend.Blas} and
 * {@link dev.argdiff.backend.Lapack} on row-major {@code double[]} storage, over the
 * {@code dev.ludovic.netlib} libraries (JNI to a system BLAS/LAPACK such as OpenBLAS when one is
 * installed, otherwise pure Java).
 *
 * <p>Most users never call these classes; {@link dev.argdiff.backend.Blas#name()} tells which
 * implementation is in use. netlib reports the libraries it could not load through
 * {@code java.util.logging}; argdiff keeps those messages off the console when a backend did
 * load (see {@link dev.argdiff.backend.Blas}).
 */
package dev.argdiff.backend;
