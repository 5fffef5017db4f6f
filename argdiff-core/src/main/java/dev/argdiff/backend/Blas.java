package dev.argdiff.backend;

/**
 * The one interface between argdiff and the dense BLAS kernels it uses, on row-major
 * {@code double[]} storage.
 *
 * <p>The implementation comes from {@code dev.ludovic.netlib}: JNI to a system OpenBLAS when
 * one is installed ({@code apt-get install libopenblas0}), otherwise a pure-Java fallback that
 * is faster when the JVM runs with {@code --add-modules jdk.incubator.vector}. {@link #name()}
 * says which one is in use. netlib's startup warnings about the backends it could not load
 * ("Failed to load implementation from ...") are kept off the console when one did load; they
 * go to the {@link System.Logger} {@code dev.argdiff.backend} at DEBUG level instead.
 *
 * <p>Mid-sized matrix-vector products (dgemv, dger) of more than {@value #OPENBLAS_THREADED} and at most
 * {@link #smallLimit()} entries use netlib's pure-Java kernels even when OpenBLAS is loaded.
 * OpenBLAS splits such a product across its threads (it keeps products of fewer than
 * 2304·4 = {@value #OPENBLAS_THREADED} entries on one thread), and on a busy machine each call
 * then waits for a thread that is not running: measured on 2 cores, the pair A·x, Aᵀ·y (best of 60
 * runs) took 39 µs through OpenBLAS and 2.5 µs in Java (vectorized) for A 200×50, 66 and 46 µs
 * for 1000×200, while for 2000×1000 OpenBLAS stayed ahead (1.03 against 0.76 ms there under load,
 * but 0.42 ms with its 2 threads on a quiet machine). OpenBLAS limited to one thread and the
 * vectorized Java kernels were within 10% of each other up to 1000×200. Smaller products, vector
 * operations and matrix products (gemm) always go to the implementation in use.
 *
 * <p>Row-major matrices are passed to the column-major Fortran convention by swapping
 * the operands: a row-major {@code C = A·B} is the column-major {@code Cᵀ = Bᵀ·Aᵀ}.
 */
public final class Blas {

    // netlib's warnings about the backends it skipped stay off the console: see NetlibLoading.
    private static final dev.ludovic.netlib.blas.BLAS BLAS = NetlibLoading.quietly(
            "dev.ludovic.netlib.blas.InstanceBuilder", dev.ludovic.netlib.blas.BLAS::getInstance);

    // The pure-Java kernels (vectorized when jdk.incubator.vector is present): the same instance as BLAS when no
    // native library loaded.
    private static final dev.ludovic.netlib.blas.BLAS JAVA = NetlibLoading.quietly(
            "dev.ludovic.netlib.blas.InstanceBuilder", dev.ludovic.netlib.blas.JavaBLAS::getInstance);

    // Without the Vector API the Java kernels are about 2x slower (1000x200: 109 us per pair against OpenBLAS's
    // 55-65 us on a quiet machine), so only the smaller products go to them.
    private static final int SMALL_LIMIT = JAVA.getClass().getSimpleName().startsWith("Vector") ? 1 << 18 : 1 << 15;

    /** OpenBLAS runs a dgemv of fewer entries than this on one thread (its interface/gemv.c). */
    static final int OPENBLAS_THREADED = 2304 * 4;

    private Blas() {
    }

    /**
     * The largest number of matrix entries of a matrix-vector product done by the pure-Java
     * kernels rather than the native library (see the class comment): 2¹⁸ with the Vector API,
     * 2¹⁵ without.
     */
    public static int smallLimit() {
        return SMALL_LIMIT;
    }

    /** The implementation for a matrix-vector operation on {@code entries} matrix entries (see the class comment). */
    static dev.ludovic.netlib.blas.BLAS forSize(long entries) {
        return entries >= OPENBLAS_THREADED && entries <= SMALL_LIMIT ? JAVA : BLAS;
    }

    /** The class name of the BLAS implementation in use (native or Java fallback). */
    public static String name() {
        return BLAS.getClass().getName();
    }

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C} for row-major matrices: op(A) is m×k, op(B) is k×n,
     * C is m×n. {@code transA} means A is stored k×m; {@code transB} means B is stored n×k.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                            double[] a, int aOffset, double[] b, int bOffset, double beta,
                            double[] c, int cOffset) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            for (int i = 0; i < m * n; i++) {
                c[cOffset + i] = beta == 0 ? 0 : beta * c[cOffset + i];
            }
            return;
        }
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        // Column-major view: Cᵀ (n×m) = op(B)ᵀ (n×k) · op(A)ᵀ (k×m).
        BLAS.dgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha,
                b, bOffset, ldb, a, aOffset, lda, beta, c, cOffset, n);
    }

    /**
     * {@code y = alpha·op(A)·x + beta·y} for a row-major m×n matrix A; op(A) = Aᵀ when
     * {@code trans}.
     */
    public static void gemv(boolean trans, int m, int n, double alpha, double[] a, int aOffset,
                            double[] x, int xOffset, double beta, double[] y, int yOffset) {
        int outLen = trans ? n : m;
        if (outLen == 0) {
            return;
        }
        if ((trans ? m : n) == 0) {
            for (int i = 0; i < outLen; i++) {
                y[yOffset + i] = beta == 0 ? 0 : beta * y[yOffset + i];
            }
            return;
        }
        // Row-major A (m×n) is column-major Aᵀ (n×m) with leading dimension n.
        forSize((long) m * n).dgemv(trans ? "N" : "T", n, m, alpha, a, aOffset, n, x, xOffset, 1, beta, y, yOffset, 1);
    }

    /** The dot product of {@code n} entries of x and y. */
    public static double dot(int n, double[] x, int xOffset, double[] y, int yOffset) {
        if (n == 0) {
            return 0.0;
        }
        return BLAS.ddot(n, x, xOffset, 1, y, yOffset, 1);
    }

    /** {@code y = alpha·x + y} on {@code n} entries of x and y (daxpy). */
    public static void axpy(int n, double alpha, double[] x, int xOffset, double[] y, int yOffset) {
        if (n == 0) {
            return;
        }
        BLAS.daxpy(n, alpha, x, xOffset, 1, y, yOffset, 1);
    }

    /** {@code x = alpha·x} on {@code n} entries of x (dscal). */
    public static void scal(int n, double alpha, double[] x, int xOffset) {
        if (n == 0) {
            return;
        }
        BLAS.dscal(n, alpha, x, xOffset, 1);
    }

    /**
     * The Euclidean norm {@code ‖x‖₂} of {@code n} entries of x (dnrm2), without overflow or
     * underflow in the intermediate squares: {@code nrm2} of {3e200, 4e200} is 5e200, of
     * {3e-200, 4e-200} is 5e-200. 0 when {@code n == 0}; NaN if an entry is NaN, otherwise +∞ if
     * one is infinite.
     */
    public static double nrm2(int n, double[] x, int xOffset) {
        if (n == 0) {
            return 0.0;
        }
        double r = BLAS.dnrm2(n, x, xOffset, 1);
        // The pure-Java dev.ludovic.netlib kernels sum plain squares (unlike reference BLAS), which
        // overflow above about 1e154 and lose everything below about 1e-154. A result in between
        // is exact to rounding; anything else is recomputed with scaling.
        if (r >= 1e-140 && r < Double.POSITIVE_INFINITY) {
            return r;
        }
        return scaledNrm2(n, x, xOffset);
    }

    private static double scaledNrm2(int n, double[] x, int xOffset) {
        double scale = 0;
        for (int i = 0; i < n; i++) {
            double v = Math.abs(x[xOffset + i]);
            if (Double.isNaN(v)) {
                return Double.NaN;
            }
            scale = Math.max(scale, v);
        }
        if (scale == 0 || scale == Double.POSITIVE_INFINITY) {
            return scale;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double t = x[xOffset + i] / scale;
            sum += t * t;
        }
        return scale * Math.sqrt(sum);
    }

    /** The sum of absolute values {@code ‖x‖₁} of {@code n} entries of x (dasum). */
    public static double asum(int n, double[] x, int xOffset) {
        if (n == 0) {
            return 0.0;
        }
        return BLAS.dasum(n, x, xOffset, 1);
    }

    /**
     * Rank-one update {@code A = alpha·x·yᵀ + A} for a row-major m×n matrix A, x of length m
     * and y of length n (dger).
     */
    public static void ger(int m, int n, double alpha, double[] x, int xOffset, double[] y, int yOffset,
                           double[] a, int aOffset) {
        if (m == 0 || n == 0) {
            return;
        }
        // Row-major A (m×n) is column-major Aᵀ (n×m): Aᵀ += alpha·y·xᵀ.
        forSize((long) m * n).dger(n, m, alpha, y, yOffset, 1, x, xOffset, 1, a, aOffset, n);
    }
}
