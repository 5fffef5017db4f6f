package dev.argdiff.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.argdiff.ad.Autodiff;
import dev.argdiff.solvers.GradientDescent;
import dev.argdiff.solvers.ProximalGradient;
import dev.argdiff.solvers.SolverResult;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class TensorSerializationTest {

    private static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T o) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serialize(o)))) {
            return (T) in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aConcreteTensorRoundTripsBitForBit() {
        Tensor t = Tensor.of(new int[] {2, 3}, new double[] {1, -0.0, Double.MIN_VALUE, 1e300, Math.PI, -7});
        Tensor back = roundTrip(t);
        assertArrayEquals(new int[] {2, 3}, back.shape());
        assertArrayEquals(t.toArray(), back.toArray());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(back.toArray()[1]));
        assertEquals(5.0, roundTrip(Tensor.scalar(5.0)).add(Tensor.scalar(0.0)).item());
    }

    @Test
    void aTracedTensorRefusesToBeSerialized() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Autodiff.grad((Tensor x) -> {
            try {
                serialize(x.mul(2));
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
            return x;
        }).apply(Tensor.scalar(1.0)));
        assertInstanceOf(NotSerializableException.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("Tensor: a traced tensor (a value inside a transform) cannot "
                + "be serialized"), e.getCause().getMessage());
    }

    @Test
    void aSolverResultRoundTrips() {
        // min ½‖x − (1, 2)‖²: the solution is (1, 2).
        GradientDescent<Tensor, Tensor> gd = GradientDescent.<Tensor, Tensor>of((x, c) -> x.sub(c).squaredNorm().mul(0.5))
                .tol(1e-12).maxiter(500);
        SolverResult<Tensor, ProximalGradient.State<Tensor>> r = gd.run(Tensor.zeros(2), Tensor.of(1.0, 2.0));
        SolverResult<Tensor, ProximalGradient.State<Tensor>> back = roundTrip(r);
        assertArrayEquals(new double[] {1.0, 2.0}, back.params().toArray(), 1e-12);
        assertArrayEquals(r.params().toArray(), back.params().toArray());
        assertEquals(r.iterations(), back.iterations());
        assertEquals(r.error(), back.error());
        assertEquals(r.converged(), back.converged());
    }
}
