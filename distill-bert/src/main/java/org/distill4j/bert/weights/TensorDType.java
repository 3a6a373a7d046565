package org.distill4j.bert.weights;

import org.nd4j.linalg.api.buffer.DataType;

/**
 * Element types that the readers in this package can decode. Each maps to the ND4J type that
 * {@link TensorSource#read(String)} returns: half and bfloat16 are widened to FLOAT, since ND4J's CPU kernels and
 * the BERT code work in float32.
 */
public enum TensorDType {
    /** IEEE 754 binary32; safetensors {@code F32}, TF {@code DT_FLOAT}. Read as FLOAT. */
    FLOAT32(4, DataType.FLOAT, "F32"),
    /** IEEE 754 binary64; safetensors {@code F64}, TF {@code DT_DOUBLE}. Read as DOUBLE. */
    FLOAT64(8, DataType.DOUBLE, "F64"),
    /** IEEE 754 binary16; safetensors {@code F16}, TF {@code DT_HALF}. Read as FLOAT (exact widening). */
    FLOAT16(2, DataType.FLOAT, "F16"),
    /** bfloat16 (the top half of a binary32); safetensors {@code BF16}, TF {@code DT_BFLOAT16}. Read as FLOAT. */
    BFLOAT16(2, DataType.FLOAT, "BF16"),
    /** Signed 32-bit integer; safetensors {@code I32}, TF {@code DT_INT32}. Read as INT32. */
    INT32(4, DataType.INT32, "I32"),
    /** Signed 64-bit integer; safetensors {@code I64}, TF {@code DT_INT64}. Read as INT64. */
    INT64(8, DataType.INT64, "I64");

    private final int byteSize;
    private final DataType readType;
    private final String safetensorsName;

    TensorDType(int byteSize, DataType readType, String safetensorsName) {
        this.byteSize = byteSize;
        this.readType = readType;
        this.safetensorsName = safetensorsName;
    }

    /** @return bytes per element as stored in the file */
    public int byteSize() {
        return byteSize;
    }

    /** @return the ND4J data type of the arrays that {@link TensorSource#read(String)} returns for this dtype */
    public DataType readType() {
        return readType;
    }

    /** @return the name of this dtype in a safetensors header, e.g. {@code "F32"} */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** @return whether this is a floating-point type */
    public boolean isFloatingPoint() {
        return this != INT32 && this != INT64;
    }

    /**
     * @param name a safetensors dtype name such as {@code "BF16"}
     * @return the matching dtype, or {@code null} if this package cannot decode it
     */
    public static TensorDType fromSafetensorsName(String name) {
        for (TensorDType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
