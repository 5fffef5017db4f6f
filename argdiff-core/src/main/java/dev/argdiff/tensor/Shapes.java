package dev.argdiff.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the kernels and the primitives: sizes, strides, broadcasting. */
public final class Shapes {
    private Shapes() {
    }

    /** The shape of a scalar: no dimensions. */
    public static final int[] SCALAR = new int[0];

    /** The number of elements of a tensor of this shape (1 for a 0-d shape). */
    public static int size(int[] shape) {
        return size("shape", shape);
    }

    /**
     * The number of elements of a tensor of this shape, computed exactly: a product that does not
     * fit a Java array (more than 2^31 − 1 elements, however far beyond) or a negative dimension
     * is a {@link ShapeException} naming {@code op} and the shape, never a wrapped-around size.
     */
    public static int size(String op, int... shape) {
        long n = 1;
        boolean empty = false;
        for (int d : shape) {
            if (d < 0) {
                throw new ShapeException(op + ": negative dimension in shape " + str(shape));
            }
            empty |= d == 0;
        }
        if (empty) {
            return 0;
        }
        for (int d : shape) {
            // Each factor is ≤ 2^31 − 1, so the product overflows a long only after exceeding the limit.
            n = Math.multiplyExact(n, (long) d);
            if (n > Integer.MAX_VALUE) {
                throw new ShapeException(op + ": shape " + str(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static int[] strides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /** The shape as text, e.g. {@code (3, 4)}. */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** The numpy broadcast of two shapes, or a {@link ShapeException} naming the operation. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        if (Arrays.equals(a, b)) {
            return a;
        }
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                throw new ShapeException(op + ": shapes " + str(a) + " and " + str(b) + " cannot be broadcast together");
            }
        }
        return out;
    }

    /** Whether {@code from} broadcasts to {@code to} (numpy rules, from aligned to the right). */
    public static boolean broadcastsTo(int[] from, int[] to) {
        if (from.length > to.length) {
            return false;
        }
        int offset = to.length - from.length;
        for (int i = 0; i < from.length; i++) {
            if (from[i] != 1 && from[i] != to[i + offset]) {
                return false;
            }
        }
        return true;
    }

    /** Strides of {@code shape} viewed broadcast to {@code outShape}: 0 along broadcast axes. */
    static int[] broadcastStrides(int[] shape, int[] outShape) {
        int[] own = strides(shape);
        int[] out = new int[outShape.length];
        int offset = outShape.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            out[i + offset] = shape[i] == 1 ? 0 : own[i];
        }
        return out;
    }

    /** Normalizes a possibly negative axis, or throws naming the operation. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new ShapeException(op + ": axis " + axis + " is out of range for rank " + rank);
        }
        return a;
    }

    static int[] removeAxis(int[] shape, int axis) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != axis) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    static int[] withAxis(int[] shape, int axis, int value) {
        int[] out = shape.clone();
        out[axis] = value;
        return out;
    }

    static int[] insertAxis(int[] shape, int axis, int value) {
        int[] out = new int[shape.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) {
            out[i] = i == axis ? value : shape[j++];
        }
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static void checkShape(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new ShapeException(op + ": negative dimension in shape " + str(shape));
            }
        }
    }
}
