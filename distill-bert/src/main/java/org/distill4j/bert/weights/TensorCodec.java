package org.distill4j.bert.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Little-endian bytes to and from INDArrays, shared by the readers and the writer. */
final class TensorCodec {
    private TensorCodec() {
    }

    /**
     * Decodes raw little-endian elements.
     *
     * @param bytes  exactly {@code elementCount * dtype.byteSize()} bytes, position 0
     * @param dtype  stored element type
     * @param shape  dimensions
     * @param where  "tensor 'x' in file" for messages
     */
    static INDArray decode(ByteBuffer bytes, TensorDType dtype, long[] shape, String where)
            throws WeightFormatException {
        long count = TensorInfo.elementCount(shape);
        if (count > Integer.MAX_VALUE - 8) {
            // Java arrays stop at 2^31; no BERT-size tensor comes close.
            throw new WeightFormatException(where + ": " + count + " elements " + Arrays.toString(shape)
                    + " exceed the 2^31 elements one array can hold");
        }
        int n = (int) count;
        if (bytes.remaining() != (long) n * dtype.byteSize()) {
            throw new WeightFormatException(where + ": expected " + (long) n * dtype.byteSize() + " bytes for "
                    + dtype + Arrays.toString(shape) + ", got " + bytes.remaining());
        }
        ByteBuffer le = bytes.order(ByteOrder.LITTLE_ENDIAN);
        DataType type = dtype.readType();
        if (n == 0) {
            return Nd4j.create(type, shape);
        }
        switch (dtype) {
            case FLOAT32: {
                float[] v = new float[n];
                le.asFloatBuffer().get(v);
                return floats(v, shape);
            }
            case FLOAT16: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = HalfFloats.halfToFloat(le.getShort(2 * i));
                }
                return floats(v, shape);
            }
            case BFLOAT16: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = HalfFloats.bfloat16ToFloat(le.getShort(2 * i));
                }
                return floats(v, shape);
            }
            case FLOAT64: {
                double[] v = new double[n];
                le.asDoubleBuffer().get(v);
                return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, DataType.DOUBLE);
            }
            case INT32: {
                int[] v = new int[n];
                le.asIntBuffer().get(v);
                return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, DataType.INT32);
            }
            case INT64: {
                long[] v = new long[n];
                le.asLongBuffer().get(v);
                return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, DataType.INT64);
            }
            default:
                throw new AssertionError(dtype);
        }
    }

    private static INDArray floats(float[] v, long[] shape) {
        return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, DataType.FLOAT);
    }

    /**
     * Encodes an array's elements, row-major, as little-endian {@code target}; converts between floating types
     * (rounding to nearest even when narrowing) and between integer types (failing on int32 overflow).
     *
     * @param name for messages
     */
    static byte[] encode(String name, INDArray array, TensorDType target) {
        TensorDType source = InMemoryTensorSource.dtypeOf(name, array.dataType());
        if (source.isFloatingPoint() != target.isFloatingPoint()) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot store ND4J " + array.dataType()
                    + " as " + target.safetensorsName() + "; floating and integer types do not convert");
        }
        long count = array.length();
        if (count * target.byteSize() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "': " + count * target.byteSize()
                    + " bytes exceed the 2 GiB this writer handles per tensor");
        }
        int n = (int) count;
        ByteBuffer out = ByteBuffer.allocate(n * target.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        if (n == 0) {
            return out.array();
        }
        switch (target) {
            case FLOAT64 -> {
                for (double d : values(array, DataType.DOUBLE).data().asDouble()) {
                    out.putDouble(d);
                }
            }
            case FLOAT32 -> {
                for (float f : values(array, DataType.FLOAT).data().asFloat()) {
                    out.putFloat(f);
                }
            }
            case FLOAT16 -> {
                for (float f : floatsForNarrowing(array)) {
                    out.putShort(HalfFloats.floatToHalf(f));
                }
            }
            case BFLOAT16 -> {
                for (float f : floatsForNarrowing(array)) {
                    out.putShort(HalfFloats.floatToBfloat16(f));
                }
            }
            case INT64 -> {
                for (long l : values(array, DataType.INT64).data().asLong()) {
                    out.putLong(l);
                }
            }
            case INT32 -> {
                long[] longs = values(array, DataType.INT64).data().asLong();
                for (long l : longs) {
                    if (l != (int) l) {
                        throw new IllegalArgumentException("tensor '" + name + "': value " + l
                                + " does not fit the I32 it is to be stored as");
                    }
                    out.putInt((int) l);
                }
            }
            default -> throw new AssertionError(target);
        }
        return out.array();
    }

    /** A fresh c-ordered copy in {@code type}, so its buffer holds exactly the elements in row-major order. */
    private static INDArray values(INDArray array, DataType type) {
        return array.castTo(type).dup('c');
    }

    /** Floats to narrow to 16 bits. A DOUBLE array goes through float32 first, which can round twice (rarely 1 ulp off). */
    private static float[] floatsForNarrowing(INDArray array) {
        return values(array, DataType.FLOAT).data().asFloat();
    }
}
