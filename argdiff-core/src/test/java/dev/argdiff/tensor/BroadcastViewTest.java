package dev.argdiff.tensor;

import dev.argdiff.ad.Autodiff;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The reverse pass of a sum hands its input a broadcast view of the cotangent: element-wise
 * kernels read the view's source with stride 0 and never write an array of the input's size;
 * everything else sees an ordinary tensor (values, serialization, equality, threads). Gradients
 * through sums equal, bit for bit, the explicit broadcast.
 */
class BroadcastViewTest {

    private static double[] storageIfWritten(Tensor t) throws ReflectiveOperationException {
        Field f = Tensor.class.getDeclaredField("materialized");
        f.setAccessible(true);
        return (double[]) f.get(t);
    }

    @Test
    void aKernelReadsTheViewWithoutWritingIt() throws ReflectiveOperationException {
        Tensor view = Tensor.broadcastView(Tensor.of(new int[] {2, 1}, new double[] {3, -1}), new int[] {2, 3});
        Tensor x = Tensor.of(new int[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6});
        assertArrayEquals(new double[] {3, 6, 9, -4, -5, -6}, view.mul(x).toArray(), 0.0);
        assertArrayEquals(new double[] {4, 5, 6, 3, 4, 5}, x.add(view).toArray(), 0.0);
        assertNull(storageIfWritten(view), "the product read the view's source");
        // Anything else reads a materialized array, once.
        assertArrayEquals(new double[] {3, 3, 3, -1, -1, -1}, view.toArray(), 0.0);
        assertArrayEquals(new double[] {3, 3, 3, -1, -1, -1}, storageIfWritten(view), 0.0);
        assertEquals(Tensor.of(new int[] {2, 3}, new double[] {3, 3, 3, -1, -1, -1}), view);
        // A view of one value keeps being a view through a reshape.
        Tensor scalarView = Tensor.broadcastView(Tensor.scalar(2.5), new int[] {6});
        Tensor reshaped = scalarView.reshape(2, 3);
        assertArrayEquals(new double[] {2.5, 5, 7.5, 10, 12.5, 15}, reshaped.mul(x).toArray(), 0.0);
        assertNull(storageIfWritten(scalarView));
    }

    @Test
    void aValueUsedSeveralTimesUnderASumAccumulatesTheViewWithoutWritingIt() throws ReflectiveOperationException {
        // shared = t·c feeds acc = shared + shared·c + shared·c²…: its cotangent collects the view of sum's cotangent
        // (through the adds) and products with c; the sum of contributions reads the view through its source.
        Tensor c = Tensor.of(0.5, -2.0, 3.0);
        Tensor t = Tensor.of(1.0, 2.0, -1.0);
        Tensor g = Autodiff.grad((Tensor z) -> {
            Tensor shared = z.mul(c);
            Tensor acc = shared;
            for (int k = 1; k < 4; k++) {
                acc = acc.add(shared.mul(c));
            }
            return acc.sum();
        }).apply(t);
        double[] cv = c.toArray();
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            // d/dt Σ (t c + 3 t c²) = c + 3c², summed in the order of the reverse pass: 1 + c + c + c, times c.
            expected[i] = (1.0 + cv[i] + cv[i] + cv[i]) * cv[i];
        }
        assertArrayEquals(expected, g.toArray(), 1e-15);
        Tensor target = Tensor.of(1.0, 2.0, 3.0).add(0.0);
        Tensor view = Tensor.broadcastView(Tensor.scalar(0.25), new int[] {3});
        Tensor sum = Kernels.sumInNewStorage(target, view);
        assertArrayEquals(new double[] {1.25, 2.25, 3.25}, sum.toArray(), 0.0);
        Kernels.addInPlace(sum, view);
        assertArrayEquals(new double[] {1.5, 2.5, 3.5}, sum.toArray(), 0.0);
        assertNull(storageIfWritten(view));
    }

    @Test
    void gradientsThroughSumsEqualTheExplicitBroadcastBitForBit() {
        Tensor x = Tensor.randomNormal(11, 4, 5);
        // Σ x², over everything and along each axis (with and without kept axes), weighted so every entry differs.
        Tensor w = Tensor.randomNormal(12, 4, 5);
        double[] all = Autodiff.grad((Tensor z) -> z.square().sum()).apply(x).toArray();
        double[] axis0 = Autodiff.grad((Tensor z) -> z.square().sum(0).mul(Tensor.of(1, 2, 3, 4, 5)).sum())
                .apply(x).toArray();
        double[] axis1 = Autodiff.grad((Tensor z) -> z.mul(w).sum(1, true).square().sum()).apply(x).toArray();
        double[] xv = x.toArray();
        double[] wv = w.toArray();
        double[] rowSums = new double[4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 5; j++) {
                rowSums[i] += xv[i * 5 + j] * wv[i * 5 + j];
            }
        }
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 5; j++) {
                int k = i * 5 + j;
                // d(x·x)/dx with cotangent 1: 1·x + 1·x, as the product rule's two terms.
                assertEquals(xv[k] + xv[k], all[k], 0.0);
                assertEquals((j + 1.0) * xv[k] + (j + 1.0) * xv[k], axis0[k], 0.0);
                assertEquals(2 * rowSums[i] * wv[k], axis1[k], 1e-15 * Math.abs(2 * rowSums[i] * wv[k]) + 1e-300);
            }
        }
        // Second order (the cotangent is traced there, so the differentiable broadcast is used): Hessian of Σx³ is 6x.
        Tensor v = Tensor.of(0.5, -1.0, 2.0);
        Tensor h = Autodiff.hessian((Tensor z) -> z.mul(z).mul(z).sum()).apply(v);
        assertArrayEquals(new double[] {3, 0, 0, 0, -6, 0, 0, 0, 12}, h.toArray(), 1e-12);
    }

    @Test
    void aViewSerializesAndIsSharedBetweenThreadsAsAnOrdinaryTensor() throws Exception {
        Tensor grad = Autodiff.grad((Tensor z) -> z.sum()).apply(Tensor.zeros(3, 4));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(grad);
        }
        Tensor back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (Tensor) in.readObject();
        }
        assertEquals(Tensor.ones(3, 4), back);
        assertEquals(grad, back);

        Tensor shared = Tensor.broadcastView(Tensor.of(new int[] {1, 1000}, new double[1000]).add(7), new int[] {500, 1000});
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<double[]>> reads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                reads.add(pool.submit(shared::toArray));
            }
            for (Future<double[]> r : reads) {
                double[] a = r.get();
                assertEquals(500_000, a.length);
                for (double d : a) {
                    assertEquals(7.0, d, 0.0);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
