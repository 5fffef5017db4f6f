package dev.argdiff.solvers;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.implicit.Kkt;
import dev.argdiff.linalg.LinearSolver;
import dev.argdiff.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The ADMM iterates of BoxOSQP (dense, matrix-free, unrolled), OperatorBoxOSQP, OSQP and
 * OperatorOSQP pinned bit for bit: every value below was printed (Double.toString) by the solvers
 * before their shared iteration arithmetic was moved into one place, so any change of the
 * floating-point operation order shows here. Covered: the first iterations, the iteration after the
 * first ρ adaptation, a polished run to tolerance, both infeasibility verdicts, an unrolled gradient;
 * and the shared check of the intervals [l, u], by its exact message in both forms.
 */
class BoxAdmmPinTest {

    private static final int N = 6;
    private static final int M = 6;

    /** Q, A, c, l, u of a small QP with an equality row, one-sided rows, finite rows and a free row. */
    private static final double[] Q;
    private static final double[] A;
    private static final double[] C;
    private static final double[] L = {0.2, -0.5, Double.NEGATIVE_INFINITY, -0.3, -1.0, Double.NEGATIVE_INFINITY};
    private static final double[] U = {0.2, Double.POSITIVE_INFINITY, 0.4, 0.3, 1.0, Double.POSITIVE_INFINITY};

    static {
        Random rnd = new Random(7);
        Q = QpFixtures.spd(rnd, N, 0.5);
        A = QpFixtures.gaussian(rnd, M * N);
        C = QpFixtures.gaussian(rnd, N);
        for (int j = 0; j < N; j++) {
            C[j] *= 3;
        }
    }

    private static BoxOSQP.Problem dense() {
        return new BoxOSQP.Problem(QpFixtures.matrix(Q, N, N), Tensor.of(C.clone()), QpFixtures.matrix(A, M, N),
                Tensor.of(L.clone()), Tensor.of(U.clone()));
    }

    private static final BiFunction<Tensor, Tensor, Tensor> MATVEC = Tensor::matmul;
    private static final BiFunction<Tensor, Tensor, Tensor> RMATVEC = Tensor::transposeMatmul;

    private static OperatorBoxOSQP.Problem<Tensor, Tensor> operator(BoxOSQP.Problem p) {
        return new OperatorBoxOSQP.Problem<>(p.q(), p.c(), p.a(), p.lower(), p.upper());
    }

    /** x ≤ −1 and x ≥ 1 on the first coordinate. */
    private static BoxOSQP.Problem primalInfeasible() {
        return new BoxOSQP.Problem(Tensor.eye(2), Tensor.of(0.5, -0.2),
                Tensor.of(new int[]{2, 2}, new double[]{1, 0, 1, 0}),
                Tensor.of(Double.NEGATIVE_INFINITY, 1.0), Tensor.of(-1.0, Double.POSITIVE_INFINITY));
    }

    /** Q = 0, c = (−1, 0.3), only x₂ bounded: unbounded below along x₁. */
    private static BoxOSQP.Problem dualInfeasible() {
        return new BoxOSQP.Problem(Tensor.zeros(2, 2), Tensor.of(-1.0, 0.3),
                Tensor.of(new int[]{1, 2}, new double[]{0, 1}),
                Tensor.of(-1.0), Tensor.of(1.0));
    }

    private static double[] cat(double[]... parts) {
        int size = 0;
        for (double[] p : parts) {
            size += p.length;
        }
        double[] out = new double[size];
        int k = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }

    private static double[] dense(SolverResult<BoxOSQP.Point, BoxOSQP.State> r) {
        BoxOSQP.State s = r.state();
        return cat(r.params().x().toArray(), r.params().y().toArray(), s.z().toArray(), s.rho().toArray(),
                new double[]{s.iterations(), s.error(), s.primalResidual(), s.dualResidual(), s.factorizations(),
                        s.polished() ? 1 : 0, code(r.status())});
    }

    private static double[] op(SolverResult<BoxOSQP.Point, OperatorBoxOSQP.State> r) {
        OperatorBoxOSQP.State s = r.state();
        return cat(r.params().x().toArray(), r.params().y().toArray(), s.z().toArray(), s.rho().toArray(),
                new double[]{s.iterations(), s.error(), s.primalResidual(), s.dualResidual(), s.cgIterations(),
                        code(r.status())});
    }

    private static double[] kkt(SolverResult<Kkt.Point<Tensor>, ?> r) {
        Kkt.Point<Tensor> z = r.params();
        return cat(z.primal().toArray(), z.eqDual().toArray(), z.ineqDual().toArray(),
                new double[]{r.state().error(), code(r.status())});
    }

    /** The statuses the pins distinguish, by a fixed number (not the enum's ordinal, which may grow). */
    private static double code(SolverStatus s) {
        switch (s) {
            case CONVERGED:
                return 1;
            case MAX_ITERATIONS:
                return 2;
            case PRIMAL_INFEASIBLE:
                return 3;
            case DUAL_INFEASIBLE:
                return 4;
            default:
                return -1;
        }
    }

    /** The observed values of every case, in a fixed order. */
    private static Map<String, double[]> observe() {
        Map<String, double[]> out = new LinkedHashMap<>();
        BoxOSQP.Problem p = dense();
        for (int k : new int[]{1, 3, 26}) {
            out.put("dense" + k, dense(BoxOSQP.create().maxiter(k).run(p)));
            out.put("cg" + k, dense(BoxOSQP.create().withMatrixFree(true).withLinearSolver(LinearSolver.cg())
                    .maxiter(k).run(p)));
            out.put("op" + k, op(OperatorBoxOSQP.create(MATVEC, MATVEC, RMATVEC).maxiter(k).run(operator(p))));
            out.put("opVjp" + k, op(OperatorBoxOSQP.create(MATVEC, MATVEC).maxiter(k).run(operator(p))));
        }
        out.put("denseSolved", dense(BoxOSQP.create().tol(1e-10).maxiter(5000).run(p)));
        out.put("denseNoPolish", dense(BoxOSQP.create().withPolish(false).tol(1e-9).maxiter(5000).run(p)));
        out.put("opSolved", op(OperatorBoxOSQP.create(MATVEC, MATVEC, RMATVEC).tol(1e-9).maxiter(5000)
                .run(operator(p))));
        out.put("densePrimalInf", dense(BoxOSQP.create().tol(1e-14).maxiter(5000).run(primalInfeasible())));
        out.put("denseDualInf", dense(BoxOSQP.create().tol(1e-14).maxiter(5000).run(dualInfeasible())));
        out.put("opPrimalInf", op(OperatorBoxOSQP.create(MATVEC, MATVEC, RMATVEC).tol(1e-14).maxiter(5000)
                .run(operator(primalInfeasible()))));
        out.put("opDualInf", op(OperatorBoxOSQP.create(MATVEC, MATVEC, RMATVEC).tol(1e-14).maxiter(5000)
                .run(operator(dualInfeasible()))));
        double[] w = {0.3, -0.7, 1.1, 0.2, -0.4, 0.9};
        Tensor g = Autodiff.grad((Tensor c) -> Tensor.of(w).vdot(BoxOSQP.create().implicitDiff(false).maxiter(30)
                .run(new BoxOSQP.Problem(p.q(), c, p.a(), p.lower(), p.upper())).params().x())).apply(p.c());
        out.put("unrolledGrad", g.toArray());
        // OSQP form: rows 0-1 of A as equalities Ax = b, rows 2-5 as Gx ≤ h.
        Tensor a = QpFixtures.matrix(Arrays.copyOfRange(A, 0, 2 * N), 2, N);
        Tensor gm = QpFixtures.matrix(Arrays.copyOfRange(A, 2 * N, M * N), M - 2, N);
        Tensor b = Tensor.of(0.2, -0.1);
        Tensor h = Tensor.of(0.4, 0.3, 1.0, 0.5);
        out.put("osqp", kkt(OSQP.create().tol(1e-9).maxiter(5000).run(new OSQP.Problem(p.q(), p.c(), a, b, gm, h))));
        out.put("osqp26", kkt(OSQP.create().maxiter(26).run(new OSQP.Problem(p.q(), p.c(), a, b, gm, h))));
        out.put("opOsqp", kkt(OperatorOSQP.create(MATVEC, MATVEC, RMATVEC, MATVEC, RMATVEC).tol(1e-9).maxiter(5000)
                .run(new OperatorOSQP.Problem<>(p.q(), p.c(), a, b, gm, h))));
        out.put("opOsqp26", kkt(OperatorOSQP.create(MATVEC, MATVEC, MATVEC).maxiter(26)
                .run(new OperatorOSQP.Problem<>(p.q(), p.c(), a, b, gm, h))));
        return out;
    }

    private static final Map<String, double[]> PINNED = new LinkedHashMap<>();

    static {
        PINNED.put("dense1", new double[]{
                3.6903578510479678, -5.425984696448681, -0.6587649958630324, -5.711726999004053, -1.1889579362861438,
                0.19551188785979207, 0.9290188138168426, -0.13371629405011848, 0.0, 0.17110259791231178,
                0.4219359635375011, 0.0, 0.2, -0.5, -3.87441707790627, 0.3, 1.0, 12.371986065114669, 100.0, 0.1, 0.1,
                0.1, 0.1, 1.0E-6, 1.0, 0.7417455091026501, 4.219359635375011, 3.6745270663105165, 1.0, 0.0, 2.0});
        PINNED.put("cg1", new double[]{
                3.6903578510478305, -5.425984696448578, -0.6587649958630436, -5.711726999004044, -1.1889579362860971,
                0.19551188785978776, 0.9290188138167316, -0.13371629405011137, 0.0, 0.17110259791229387,
                0.4219359635374851, 0.0, 0.2, -0.5, -3.874417077906148, 0.3, 1.0, 12.371986065114687, 100.0, 0.1,
                0.1, 0.1, 0.1, 1.0E-6, 1.0, 0.7417455091026337, 4.21935963537485, 3.67452706631027, 1.0, 0.0, 2.0});
        PINNED.put("op1", new double[]{
                3.68533966883534, -5.431463526914767, -0.6473906618495191, -5.70715866004868, -1.2047206255550889,
                0.19505454103267253, 0.9369323532361279, -0.13692524043819157, 0.0, 0.1722454589166299,
                0.4176970537677505, 0.0, 0.2, -0.5, -3.8393015439796474, 0.3, 1.0, 12.361385987635103, 100.0, 0.1,
                0.1, 0.1, 0.1, 1.0E-6, 1.0, 0.7406607269642959, 4.176970537677505, 3.6898217257132875, 5.0, 2.0});
        PINNED.put("opVjp1", new double[]{
                3.68533966883534, -5.431463526914767, -0.6473906618495191, -5.70715866004868, -1.2047206255550889,
                0.19505454103267253, 0.9369323532361279, -0.13692524043819157, 0.0, 0.1722454589166299,
                0.4176970537677505, 0.0, 0.2, -0.5, -3.8393015439796474, 0.3, 1.0, 12.361385987635103, 100.0, 0.1,
                0.1, 0.1, 0.1, 1.0E-6, 1.0, 0.7406607269642959, 4.176970537677505, 3.6898217257132875, 5.0, 2.0});
        PINNED.put("dense3", new double[]{
                1.7871179738815806, -3.625306653580876, -0.36589131723844925, -4.215817364197626,
                -0.9637197087920802, 0.20501468680409538, 0.5828254798978388, -0.380435962423951, 0.0,
                0.4346970968759964, 0.8448098534974477, 0.0, 0.2, -0.5, -1.4173005130128848, 0.3, 1.0,
                9.256817727554688, 100.0, 0.1, 0.1, 0.1, 0.1, 1.0E-6, 3.0, 0.376630323717932, 1.2592851245994103,
                1.3181692129576223, 1.0, 0.0, 2.0});
        PINNED.put("cg3", new double[]{
                1.78711797388155, -3.625306653580852, -0.3658913172384522, -4.215817364197623, -0.9637197087920443,
                0.20501468680409235, 0.5828254798978166, -0.38043596242393174, 0.0, 0.43469709687596453,
                0.8448098534974167, 0.0, 0.2, -0.5, -1.4173005130129146, 0.3, 1.0, 9.256817727554685, 100.0, 0.1,
                0.1, 0.1, 0.1, 1.0E-6, 3.0, 0.37663032371792676, 1.259285124599366, 1.3181692129575366, 1.0, 0.0, 2.0});
        PINNED.put("op3", new double[]{
                1.8347688584490334, -3.6688164399554983, -0.2957082893570111, -4.181721199438907,
                -0.9064582082764369, 0.12156619649244452, 0.5843209998246085, -0.3943275073036549, 0.0,
                0.41645733349920067, 0.8309772220710698, 0.0, 0.2, -0.5, -1.5936096525948211, 0.3, 1.0,
                9.211508924023716, 100.0, 0.1, 0.1, 0.1, 0.1, 1.0E-6, 3.0, 0.3782493156888944, 1.1905996259344358,
                1.307033431726956, 14.0, 2.0});
        PINNED.put("opVjp3", new double[]{
                1.8347688584490334, -3.6688164399554983, -0.2957082893570111, -4.181721199438907,
                -0.9064582082764369, 0.12156619649244452, 0.5843209998246085, -0.3943275073036549, 0.0,
                0.41645733349920067, 0.8309772220710698, 0.0, 0.2, -0.5, -1.5936096525948211, 0.3, 1.0,
                9.211508924023716, 100.0, 0.1, 0.1, 0.1, 0.1, 1.0E-6, 3.0, 0.3782493156888944, 1.1905996259344358,
                1.307033431726956, 14.0, 2.0});
        PINNED.put("dense26", new double[]{
                0.7647657745092571, -2.5014448637369195, -0.015043212097819447, -3.2766014802905676,
                -0.13593017732641666, -0.3248597630164213, 0.0704616597823172, -1.5703155441307568, 0.0,
                0.23150690665550328, 1.3754384701626012, 0.0, 0.2, -0.5, -1.2805234895071993, 0.3, 1.0,
                7.653937214307787, 1198.0990103129384, 1.1980990103129385, 1.1980990103129385, 1.1980990103129385,
                1.1980990103129385, 1.1980990103129384E-5, 26.0, 0.006759546758457365, 0.020816421426356646,
                0.017094948173818514, 2.0, 0.0, 2.0});
        PINNED.put("cg26", new double[]{
                0.7647657745098992, -2.5014448637371656, -0.015043212098164407, -3.2766014802903265,
                -0.13593017732693952, -0.32485976301577546, 0.07046165978205407, -1.5703155441306578, 0.0,
                0.23150690665610768, 1.3754384701628297, 0.0, 0.2, -0.5, -1.2805234895073816, 0.3, 1.0,
                7.653937214306532, 1198.099010295745, 1.1980990102957452, 1.1980990102957452, 1.1980990102957452,
                1.1980990102957452, 1.198099010295745E-5, 26.0, 0.006759546758474025, 0.020816421427225174,
                0.017094948173961066, 2.0, 0.0, 2.0});
        PINNED.put("op26", new double[]{
                0.7646348406896148, -2.501389406539242, -0.01496645079349385, -3.27651064192506,
                -0.13570364516179095, -0.3249487901174771, 0.07033868817237447, -1.5705642364909145, 0.0,
                0.23151338478871147, 1.3756191313600277, 0.0, 0.2, -0.5, -1.2808378747414415, 0.3, 1.0,
                7.653738700178392, 1195.0106376909753, 1.1950106376909753, 1.1950106376909753, 1.1950106376909753,
                1.1950106376909753, 1.1950106376909752E-5, 26.0, 0.006672565727938499, 0.020604260259869722,
                0.016816415340968227, 137.0, 2.0});
        PINNED.put("opVjp26", new double[]{
                0.7646348406896148, -2.501389406539242, -0.01496645079349385, -3.27651064192506,
                -0.13570364516179095, -0.3249487901174771, 0.07033868817237447, -1.5705642364909145, 0.0,
                0.23151338478871147, 1.3756191313600277, 0.0, 0.2, -0.5, -1.2808378747414415, 0.3, 1.0,
                7.653738700178392, 1195.0106376909753, 1.1950106376909753, 1.1950106376909753, 1.1950106376909753,
                1.1950106376909753, 1.1950106376909752E-5, 26.0, 0.006672565727938499, 0.020604260259869722,
                0.016816415340968227, 137.0, 2.0});
        PINNED.put("denseSolved", new double[]{
                0.7520848378481597, -2.4952900434489442, -0.006574426166869762, -3.268685108427497,
                -0.11612385976385808, -0.33570516307143716, 0.05924645333679479, -1.5965785530179026, 0.0,
                0.22877237317551846, 1.3916160753201114, 0.0, 0.2, -0.5, -1.3035883586761756, 0.3, 1.0,
                7.640610126778195, 1198.0990103129384, 1.1980990103129385, 1.1980990103129385, 1.1980990103129385,
                1.1980990103129385, 1.1980990103129384E-5, 33.0, 2.5978957403334755E-16, 1.3011122185602186E-5,
                6.74002591201095E-5, 2.0, 1.0, 1.0});
        PINNED.put("denseNoPolish", new double[]{
                0.7520848377960413, -2.4952900441111847, -0.006574426776574887, -3.268685109427829,
                -0.11612385970813165, -0.3357051622688232, 0.05924645353642462, -1.596578552374171, 0.0,
                0.22877237462121489, 1.3916160758531453, 0.0, 0.2, -0.5, -1.3035883595104891, 0.3, 1.0,
                7.640610128177332, 1198.0990103129384, 1.1980990103129385, 1.1980990103129385, 1.1980990103129385,
                1.1980990103129385, 1.1980990103129384E-5, 43.0, 9.85020805509158E-10, 9.347979612606139E-10,
                3.289121863758737E-9, 2.0, 0.0, 1.0});
        PINNED.put("opSolved", new double[]{
                0.7520848382400748, -2.4952900433447294, -0.006574425886036985, -3.268685106884181,
                -0.11612386026374504, -0.3357051626630306, 0.059246453424885374, -1.5965785530177676, 0.0,
                0.22877237317544832, 1.3916160753203013, 0.0, 0.2, -0.5, -1.3035883586761403, 0.3, 1.0,
                7.640610122483612, 1195.0106376909753, 1.1950106376909753, 1.1950106376909753, 1.1950106376909753,
                1.1950106376909753, 1.1950106376909752E-5, 54.0, 8.022272820528208E-10, 1.4166089412626093E-9,
                2.4822122135503832E-9, 326.0, 1.0});
        PINNED.put("densePrimalInf", new double[]{
                1.267065672238305E-4, 0.19999965886019688, 98.65385046461827, -99.15397631865048, -1.0, 1.0,
                59.31494586977148, 59.31494586977148, 26.0, 0.010110780809583754, 1.000126706567224,
                8.525350182475577E-7, 2.0, 0.0, 3.0});
        PINNED.put("denseDualInf", new double[]{
                1600000.0, -4.799952000479995, -0.3799952000479995, -1.0, 0.1, 1.0, 2.456340204915094E-6,
                3.799952000479995, 1.0, 1.0, 0.0, 4.0});
        PINNED.put("opPrimalInf", new double[]{
                1.2706021797545422E-4, 0.20000000000046086, 95.11363794776578, -95.61376408807303, -1.0, 1.0,
                57.102313136199626, 57.102313136199626, 26.0, 0.010486122705540956, 1.0001270602179755,
                9.1991073070119E-7, 27.0, 3.0});
        PINNED.put("opDualInf", new double[]{
                1600000.0000000002, -4.799952000507893, -0.3799952000507893, -1.0, 0.1, 1.0, 2.4563402049319876E-6,
                3.7999520005078926, 1.0, 2.0, 4.0});
        PINNED.put("unrolledGrad", new double[]{
                -0.00629107044365548, 0.0363543603738097, -0.008455009057507056, 0.06234496686908968,
                0.005993758484246259, 0.020476281042621072});
        PINNED.put("osqp", new double[]{
                0.09494188789408607, -1.1729992894530754, -0.4265832932553215, -0.8395186140726462,
                0.9707563554146857, 0.6886947090911464, 0.40277822509420014, -2.4466293653502214, 0.0,
                1.4146614864559053, 1.0768441092252168, 1.7434101266242779, 4.1620228445786937E-16, 1.0});
        PINNED.put("osqp26", new double[]{
                0.09506308642973242, -1.1729099611174212, -0.42709769628305594, -0.8395425186289829,
                0.9707979507272335, 0.6892489658359481, 0.40301085701321704, -2.4460580434495074, 0.0,
                1.4154367515546407, 1.0766936048668925, 1.7435377791795708, 4.64708369583432E-4, 2.0});
        PINNED.put("opOsqp", new double[]{
                0.0949418873422268, -1.1729992892371999, -0.4265832925194122, -0.8395186133729172,
                0.9707563557848806, 0.6886947085601189, 0.40277822516072687, -2.4466293654718445, 0.0,
                1.414661486456128, 1.0768441092236876, 1.7434101266215463, 6.107192434761111E-10, 1.0});
        PINNED.put("opOsqp26", new double[]{
                0.09506581385089782, -1.1729047745192425, -0.42712060294916776, -0.8395437384151905,
                0.9708007915126747, 0.6892739818725759, 0.4030189751115526, -2.446035656469829, 0.0,
                1.4154679659707425, 1.0766888166724002, 1.7435424929290935, 4.18292214121255E-4, 2.0});
    }

    @Test
    void iteratesAreBitwiseThePinnedOnes() {
        Map<String, double[]> seen = observe();
        assertEquals(PINNED.keySet(), seen.keySet(), () -> dump(seen));
        for (Map.Entry<String, double[]> e : seen.entrySet()) {
            double[] v = e.getValue();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < v.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(literal(v[i]));
            }
            // Exact equality (bit patterns): the same operations in the same order give the same doubles.
            assertArrayEquals(PINNED.get(e.getKey()), v, () -> e.getKey() + " now gives {" + sb + "}");
        }
    }

    /** The shared interval check names the bad row for the dense and the operator form alike. */
    @Test
    void bothFormsRefuseAnEmptyOrNaNIntervalByRow() {
        BoxOSQP.Problem p = dense();
        double[] l = L.clone();
        l[3] = 0.5;
        BoxOSQP.Problem empty = new BoxOSQP.Problem(p.q(), p.c(), p.a(), Tensor.of(l), p.upper());
        double[] u = U.clone();
        u[4] = Double.NaN;
        BoxOSQP.Problem nan = new BoxOSQP.Problem(p.q(), p.c(), p.a(), p.lower(), Tensor.of(u));
        assertEquals("BoxOSQP: constraint 3 has an empty or NaN interval: lower 0.5, upper 0.3",
                assertThrows(IllegalArgumentException.class, () -> BoxOSQP.create().run(empty)).getMessage());
        assertEquals("OperatorBoxOSQP: constraint 4 has an empty or NaN interval: lower -1.0, upper NaN",
                assertThrows(IllegalArgumentException.class,
                        () -> OperatorBoxOSQP.create(MATVEC, MATVEC).run(operator(nan))).getMessage());
    }

    private static String dump(Map<String, double[]> seen) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, double[]> e : seen.entrySet()) {
            sb.append("PIN ").append(e.getKey());
            for (double v : e.getValue()) {
                sb.append(' ').append(literal(v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String literal(double v) {
        if (v == Double.POSITIVE_INFINITY) {
            return "Double.POSITIVE_INFINITY";
        }
        if (Double.isNaN(v)) {
            return "Double.NaN";
        }
        return Double.toString(v);
    }
}
