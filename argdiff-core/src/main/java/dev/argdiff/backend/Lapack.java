package dev.argdiff.backend;

import org.netlib.util.doubleW;
import org.netlib.util.intW;

/**
 * The one interface between argdiff and the dense LAPACK routines it uses.
 *
 * <p>Unlike {@link Blas}, these wrappers keep LAPACK's own convention: every matrix is
 * <b>column-major</b> and contiguous, with the leading dimension equal to its number of rows.
 * A row-major m×n array is the column-major n×m transpose, so callers translate; the classes of
 * {@code dev.argdiff.linalg.dense} do that and document the translation where it happens.
 * The wrappers size and allocate LAPACK's workspaces (by a workspace query where LAPACK offers
 * one), return LAPACK's {@code info} where a positive value carries meaning (a zero pivot, a
 * leading minor that is not positive, a failure to converge), and turn a negative {@code info},
 * which can only be a bug in the caller, into an {@link IllegalStateException}.
 *
 * <p>Arrays passed in are overwritten exactly as LAPACK documents; callers that promise
 * immutable inputs copy first. Sizes must be at least 1 unless stated otherwise: LAPACK's quick
 * return for empty matrices still requires leading dimensions of at least 1, and the dense layer
 * handles empty matrices before it gets here.
 *
 * <p>The implementation comes from {@code dev.ludovic.netlib}: JNI to a system LAPACK when one
 * is installed, otherwise the F2J translation of reference LAPACK (pure Java; it does not use
 * the Vector API, so {@code --add-modules jdk.incubator.vector} does not speed it up).
 * {@link #name()} says which one is in use.
 *
 * <p>The wrappers are safe to call from several threads at once on distinct arrays.
 */
public final class Lapack {

    // netlib's warnings about the backends it skipped stay off the console: see NetlibLoading.
    private static final dev.ludovic.netlib.lapack.LAPACK LAPACK = NetlibLoading.quietly(
            "dev.ludovic.netlib.lapack.InstanceBuilder", dev.ludovic.netlib.lapack.LAPACK::getInstance);

    static {
        // F2J's dlamch (called by almost every routine) computes the machine constants on its
        // first call into static fields, and clears its "first" flag before filling them, so
        // two threads making their first calls at once could see a zero epsilon. Computing
        // them here, under the JVM's class-initialization lock, makes every later call a
        // read-only one. The other F2J routines used here keep no static state.
        LAPACK.dlamch("E");
    }

    private Lapack() {
    }

    /** The class name of the LAPACK implementation in use (native or Java fallback). */
    public static String name() {
        return LAPACK.getClass().getName();
    }

    /**
     * LU factorization with partial pivoting, {@code A = P·L·U} (dgetrf), in place.
     *
     * @param m    rows of A
     * @param n    columns of A
     * @param a    column-major m×n; on return L (unit diagonal, not stored) below and U on and
     *             above the diagonal
     * @param ipiv length min(m, n); on return the 1-based pivot rows: row i was interchanged
     *             with row {@code ipiv[i]}
     * @return 0, or i &gt; 0 when {@code U(i-1, i-1)} (0-based) is exactly zero
     */
    public static int getrf(int m, int n, double[] a, int[] ipiv) {
        intW info = new intW(0);
        if (isNative() && (long) m * n >= PARALLEL_GETRF_ENTRIES) {
            onLargeStack("dgetrf", () -> LAPACK.dgetrf(m, n, a, Math.max(1, m), ipiv, info));
        } else {
            LAPACK.dgetrf(m, n, a, Math.max(1, m), ipiv, info);
        }
        return checkInfo("dgetrf", info.val);
    }

    /**
     * From this many entries on, OpenBLAS factors in parallel (its {@code getrf_parallel}), which
     * keeps per-thread job tables of a few megabytes on the calling thread's stack. A JVM thread
     * has 1 MB by default (-Xss), and a native routine that runs past its stack kills the JVM
     * with SIGSEGV instead of throwing StackOverflowError: measured here with OpenBLAS 0.3.21,
     * dgetrf of a 100×100 matrix crashed on any thread of up to 2 MB and ran on one of 4 MB;
     * 95×95 (below 10,000 entries, factored by one thread) ran on 256 KB. No other routine of this
     * class crashed on a 256 KB stack at n = 1000.
     */
    private static final long PARALLEL_GETRF_ENTRIES = 10_000;

    /** The stack of the thread that runs such a factorization (reserved, committed as touched). */
    private static final long LARGE_STACK_BYTES = 64L << 20;

    private static boolean isNative() {
        return LAPACK.getClass().getName().contains("JNI");
    }

    /**
     * Runs a native call on a fresh thread with a {@link #LARGE_STACK_BYTES} stack and waits for
     * it (a thread per call, about 0.1 ms, against at least 0.7 Mflop of factorization; nothing
     * is pooled or shared). The call cannot be abandoned half-way, since it writes the caller's
     * arrays: an interrupt is remembered and restored after it ends.
     */
    private static void onLargeStack(String routine, Runnable call) {
        Throwable[] failure = new Throwable[1];
        Thread worker = new Thread(null, () -> {
            try {
                call.run();
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "argdiff-" + routine, LARGE_STACK_BYTES);
        worker.setDaemon(true);
        worker.start();
        boolean interrupted = false;
        while (true) {
            try {
                worker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        if (failure[0] != null) {
            throw new IllegalStateException(routine + " failed", failure[0]);
        }
    }

    /**
     * Solves {@code op(A)·X = B} with the LU factors from {@link #getrf} (dgetrs), in place.
     *
     * @param transpose solve with Aᵀ instead of A
     * @param n         order of A
     * @param nrhs      number of right-hand sides
     * @param lu        column-major n×n factors from {@link #getrf}, not modified
     * @param ipiv      pivots from {@link #getrf}, not modified
     * @param b         column-major n×nrhs; on return the solution X
     */
    public static void getrs(boolean transpose, int n, int nrhs, double[] lu, int[] ipiv, double[] b) {
        intW info = new intW(0);
        LAPACK.dgetrs(transpose ? "T" : "N", n, nrhs, lu, Math.max(1, n), ipiv, b, Math.max(1, n), info);
        checkInfo("dgetrs", info.val);
    }

    /**
     * Estimates the reciprocal condition number {@code 1 / (‖A‖·‖A⁻¹‖)} from LU factors
     * (dgecon).
     *
     * @param infinityNorm use the ∞-norm (max row sum) instead of the 1-norm (max column sum)
     * @param n            order of A
     * @param lu           column-major factors from {@link #getrf}, not modified
     * @param anorm        the norm of the original A, in the same norm
     * @return the estimate, in [0, 1]
     */
    public static double gecon(boolean infinityNorm, int n, double[] lu, double anorm) {
        doubleW rcond = new doubleW(0);
        intW info = new intW(0);
        LAPACK.dgecon(infinityNorm ? "I" : "1", n, lu, Math.max(1, n), anorm, rcond,
                new double[4 * n], new int[n], info);
        checkInfo("dgecon", info.val);
        return rcond.val;
    }

    /**
     * Cholesky factorization of a symmetric positive definite matrix (dpotrf), in place.
     *
     * @param upper factor {@code A = Uᵀ·U} from the upper triangle (otherwise {@code A = L·Lᵀ}
     *              from the lower triangle); the other triangle is neither read nor written
     * @param n     order of A
     * @param a     column-major n×n
     * @return 0, or i &gt; 0 when the leading minor of order i is not positive
     */
    public static int potrf(boolean upper, int n, double[] a) {
        intW info = new intW(0);
        LAPACK.dpotrf(upper ? "U" : "L", n, a, Math.max(1, n), info);
        return checkInfo("dpotrf", info.val);
    }

    /**
     * Solves {@code A·X = B} with the Cholesky factor from {@link #potrf} (dpotrs), in place.
     *
     * @param upper  which triangle holds the factor, as given to {@link #potrf}
     * @param n      order of A
     * @param nrhs   number of right-hand sides
     * @param factor column-major n×n factor, not modified
     * @param b      column-major n×nrhs; on return the solution X
     */
    public static void potrs(boolean upper, int n, int nrhs, double[] factor, double[] b) {
        intW info = new intW(0);
        LAPACK.dpotrs(upper ? "U" : "L", n, nrhs, factor, Math.max(1, n), b, Math.max(1, n), info);
        checkInfo("dpotrs", info.val);
    }

    /**
     * Estimates the reciprocal 1-norm condition number of a symmetric positive definite matrix
     * from its Cholesky factor (dpocon).
     *
     * @param upper  which triangle holds the factor, as given to {@link #potrf}
     * @param n      order of A
     * @param factor column-major n×n factor, not modified
     * @param anorm  the 1-norm of the original A
     * @return the estimate, in [0, 1]
     */
    public static double pocon(boolean upper, int n, double[] factor, double anorm) {
        doubleW rcond = new doubleW(0);
        intW info = new intW(0);
        LAPACK.dpocon(upper ? "U" : "L", n, factor, Math.max(1, n), anorm, rcond,
                new double[3 * n], new int[n], info);
        checkInfo("dpocon", info.val);
        return rcond.val;
    }

    /**
     * Least squares {@code min ‖A·X − B‖₂} for a full-rank m×n A with m ≥ n, by QR (dgels,
     * {@code trans = "N"}), in place.
     *
     * @param m    rows of A, m ≥ n
     * @param n    columns of A
     * @param nrhs number of right-hand sides
     * @param a    column-major m×n; on return the QR factorization, with R (n×n) in the upper
     *             triangle
     * @param b    column-major m×nrhs; on return rows 0..n-1 of each column hold the solution
     * @return 0, or i &gt; 0 when {@code R(i-1, i-1)} (0-based) is exactly zero
     */
    public static int gels(int m, int n, int nrhs, double[] a, double[] b) {
        int lda = Math.max(1, m);
        int ldb = Math.max(1, Math.max(m, n));
        intW info = new intW(0);
        double[] query = new double[1];
        LAPACK.dgels("N", m, n, nrhs, a, lda, b, ldb, query, -1, info);
        checkInfo("dgels (workspace query)", info.val);
        int lwork = Math.max(1, (int) query[0]);
        LAPACK.dgels("N", m, n, nrhs, a, lda, b, ldb, new double[lwork], lwork, info);
        return checkInfo("dgels", info.val);
    }

    /**
     * Estimates the reciprocal 1-norm condition number of a triangular matrix (dtrcon).
     *
     * @param upper the matrix is upper triangular (otherwise lower); the other triangle is
     *              ignored
     * @param n     order of the triangular matrix
     * @param a     column-major, leading dimension {@code lda}; not modified
     * @param lda   leading dimension of {@code a}, at least max(1, n)
     * @return the estimate, in [0, 1]
     */
    public static double trcon(boolean upper, int n, double[] a, int lda) {
        doubleW rcond = new doubleW(0);
        intW info = new intW(0);
        LAPACK.dtrcon("1", upper ? "U" : "L", "N", n, a, lda, rcond, new double[3 * n], new int[n], info);
        checkInfo("dtrcon", info.val);
        return rcond.val;
    }

    /**
     * Eigenvalues, and optionally eigenvectors, of a symmetric matrix by divide and conquer
     * (dsyevd), reading the upper triangle.
     *
     * @param vectors also compute eigenvectors
     * @param n       order of A
     * @param a       column-major n×n; on return, when {@code vectors}, column j holds the
     *                orthonormal eigenvector of {@code w[j]}; otherwise destroyed
     * @param w       length n; on return the eigenvalues in ascending order
     * @return 0, or i &gt; 0 when the algorithm failed to converge
     */
    public static int syevd(boolean vectors, int n, double[] a, double[] w) {
        String jobz = vectors ? "V" : "N";
        int lda = Math.max(1, n);
        intW info = new intW(0);
        double[] query = new double[1];
        int[] iquery = new int[1];
        LAPACK.dsyevd(jobz, "U", n, a, lda, w, query, -1, iquery, -1, info);
        checkInfo("dsyevd (workspace query)", info.val);
        int lwork = Math.max(1, (int) query[0]);
        int liwork = Math.max(1, iquery[0]);
        LAPACK.dsyevd(jobz, "U", n, a, lda, w, new double[lwork], lwork, new int[liwork], liwork, info);
        return checkInfo("dsyevd", info.val);
    }

    /**
     * Thin singular value decomposition {@code A = U·diag(s)·Vᵀ} by divide and conquer (dgesdd,
     * {@code jobz = "S"}, or {@code "N"} when {@code u} and {@code vt} are null).
     *
     * @param m  rows of A
     * @param n  columns of A
     * @param a  column-major m×n; destroyed
     * @param s  length k = min(m, n); on return the singular values, descending
     * @param u  column-major m×k, or null for singular values only
     * @param vt column-major k×n, or null for singular values only
     * @return 0, or i &gt; 0 when the algorithm failed to converge
     */
    public static int gesdd(int m, int n, double[] a, double[] s, double[] u, double[] vt) {
        boolean vectors = u != null && vt != null;
        String jobz = vectors ? "S" : "N";
        int k = Math.min(m, n);
        int lda = Math.max(1, m);
        int ldu = Math.max(1, m);
        int ldvt = Math.max(1, k);
        double[] uu = vectors ? u : new double[1];
        double[] vv = vectors ? vt : new double[1];
        int[] iwork = new int[Math.max(1, 8 * k)];
        intW info = new intW(0);
        double[] query = new double[1];
        LAPACK.dgesdd(jobz, m, n, a, lda, s, uu, ldu, vv, ldvt, query, -1, iwork, info);
        checkInfo("dgesdd (workspace query)", info.val);
        int lwork = Math.max(1, (int) query[0]);
        LAPACK.dgesdd(jobz, m, n, a, lda, s, uu, ldu, vv, ldvt, new double[lwork], lwork, iwork, info);
        return checkInfo("dgesdd", info.val);
    }

    /**
     * Thin singular value decomposition by QR iteration (dgesvd, {@code jobu = jobvt = "S"}, or
     * {@code "N"} when {@code u} and {@code vt} are null): slower than {@link #gesdd} but a
     * different algorithm, used as its fallback. Arguments as for {@link #gesdd}.
     *
     * @return 0, or i &gt; 0 when the algorithm failed to converge
     */
    public static int gesvd(int m, int n, double[] a, double[] s, double[] u, double[] vt) {
        boolean vectors = u != null && vt != null;
        String job = vectors ? "S" : "N";
        int k = Math.min(m, n);
        int lda = Math.max(1, m);
        int ldu = Math.max(1, m);
        int ldvt = Math.max(1, k);
        double[] uu = vectors ? u : new double[1];
        double[] vv = vectors ? vt : new double[1];
        intW info = new intW(0);
        double[] query = new double[1];
        LAPACK.dgesvd(job, job, m, n, a, lda, s, uu, ldu, vv, ldvt, query, -1, info);
        checkInfo("dgesvd (workspace query)", info.val);
        int lwork = Math.max(1, (int) query[0]);
        LAPACK.dgesvd(job, job, m, n, a, lda, s, uu, ldu, vv, ldvt, new double[lwork], lwork, info);
        return checkInfo("dgesvd", info.val);
    }

    private static int checkInfo(String routine, int info) {
        if (info < 0) {
            throw new IllegalStateException("LAPACK " + routine + ": argument " + (-info)
                    + " had an illegal value (a bug in the caller of dev.argdiff.backend.Lapack)");
        }
        return info;
    }
}
