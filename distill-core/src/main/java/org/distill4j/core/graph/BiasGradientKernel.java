package org.distill4j.core.graph;

import static org.distill4j.core.graph.HostThreads.SUM_BLOCK_ROWS;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ND4J's {@code add_bp} for a bias: z = x + b with b a vector broadcast over x's rows (x [..., W], b [W] or
 * [1, ..., 1, W], either input order), computed in Java on the calling thread (see {@link HostKernels} for why):
 * dL/dx = dL/dz, dL/db = the column sums of dL/dz over all rows (float rows in blocks of 64 summed in float, the
 * blocks in double; double rows in double), in one pass that reads each row of dL/dz once.
 *
 * <p>libnd4j reduces the broadcast dimensions through its general reduction, slowly when the rows are long: on
 * [2048, 1024] float, 17-19 ms on two threads, against about 1 ms for the copy and sums here. That is why BERT's
 * biases were added as an outer product ones [B*L, 1] x b [1, W] (a matrix product's gradient instead of the
 * reduction, at the cost of two more ops a layer forward and backward); with this kernel they are plain broadcast
 * adds again. Equal shapes (a residual) and other broadcasts are left to ND4J.
 */
final class BiasGradientKernel {

    private BiasGradientKernel() {
    }

    /**
     * True if the op's arrays are such a case: inputs (x, b, dz) or (b, x, dz) and outputs (dx, db) or (db, dx)
     * matching them, all dense and of one type, float or double.
     */
    static boolean handles(List<INDArray> inputs, List<INDArray> outputs) {
        if (inputs.size() != 3 || outputs.size() != 2) {
            return false;
        }
        INDArray dz = inputs.get(2);
        if (dz == null || dz.rank() < 2 || !typeAndLayout(dz, dz.dataType())) {
            return false;
        }
        int bias = biasIndex(inputs.get(0), inputs.get(1), dz);
        if (bias < 0) {
            return false;
        }
        INDArray full = outputs.get(1 - bias);
        INDArray db = outputs.get(bias);
        return typeAndLayout(full, dz.dataType()) && typeAndLayout(db, dz.dataType())
                && Arrays.equals(full.shape(), dz.shape()) && Arrays.equals(db.shape(), inputs.get(bias).shape());
    }

    /** Which input (0 or 1) is the bias broadcast over the other, shaped like dz; -1 if neither is. */
    private static int biasIndex(INDArray a, INDArray b, INDArray dz) {
        if (a == null || b == null || a.dataType() != dz.dataType() || b.dataType() != dz.dataType()) {
            return -1;
        }
        if (Arrays.equals(a.shape(), dz.shape()) && isRowVector(b, dz)) {
            return 1;
        }
        if (Arrays.equals(b.shape(), dz.shape()) && isRowVector(a, dz)) {
            return 0;
        }
        return -1;
    }

    /** Shape [W] or [1, ..., 1, W] with W dz's last dimension, and of no higher rank than dz. */
    private static boolean isRowVector(INDArray v, INDArray dz) {
        long[] shape = v.shape();
        if (shape.length < 1 || shape.length > dz.rank() || shape[shape.length - 1] != dz.size(dz.rank() - 1)) {
            return false;
        }
        for (int i = 0; i < shape.length - 1; i++) {
            if (shape[i] != 1) {
                return false;
            }
        }
        return true;
    }

    private static boolean typeAndLayout(INDArray a, DataType type) {
        return a != null && a.dataType() == type && (type == DataType.FLOAT || type == DataType.DOUBLE)
                && HostRows.dense(a);
    }

    /**
     * Computes the gradients of a bias add for a {@link #handles handled} op.
     *
     * @param inputs  (x, b, dz) or (b, x, dz)
     * @param outputs (dx, db) or (db, dx), written
     */
    static void apply(List<INDArray> inputs, List<INDArray> outputs) {
        INDArray dz = inputs.get(2);
        int bias = biasIndex(inputs.get(0), inputs.get(1), dz);
        apply(dz, outputs.get(1 - bias), outputs.get(bias));
    }

    /**
     * dx = dz, db = column sums of dz.
     *
     * @param dz [..., W]
     * @param dx dz's shape, written (may be dz itself)
     * @param db W elements, written
     */
    static void apply(INDArray dz, INDArray dx, INDArray db) {
        int width = (int) dz.size(dz.rank() - 1);
        int rows = (int) (dz.length() / width);
        double[] sums = dz.dataType() == DataType.FLOAT ? copyFloatRows(dz, dx, width, rows)
                : copyDoubleRows(dz, dx, width, rows);
        HostRows.of(db).write(0, width, sums);
    }

    /**
     * Copies dz's rows to dx and returns their column sums: float rows summed in float over blocks of
     * {@link HostThreads#SUM_BLOCK_ROWS 64} rows (a loop the JIT vectorises), each block's sums then added in double,
     * so the float part adds at most 64 terms and its rounding stays near float precision. The copy is done here, row
     * by row, rather than by ND4J's {@code assign}: an op executed outside the session would keep both buffers
     * referenced from a native context until the JVM collects it, and SameDiff's array cache refuses such buffers
     * (README, defects).
     */
    private static double[] copyFloatRows(INDArray dz, INDArray dx, int width, int rows) {
        FloatBuffer in = dz.data().asNioFloat();
        FloatBuffer out = dx.data().asNioFloat();
        int inBase = in.position();
        int outBase = out.position();
        float[] row = new float[width];
        float[] block = new float[width];
        double[] sums = new double[width];
        for (int r = 0; r < rows; r++) {
            in.get(inBase + r * width, row, 0, width);
            for (int j = 0; j < width; j++) {
                block[j] += row[j];
            }
            out.put(outBase + r * width, row, 0, width);
            if ((r + 1) % SUM_BLOCK_ROWS == 0 || r == rows - 1) {
                for (int j = 0; j < width; j++) {
                    sums[j] += block[j];
                    block[j] = 0;
                }
            }
        }
        return sums;
    }

    private static double[] copyDoubleRows(INDArray dz, INDArray dx, int width, int rows) {
        HostRows in = HostRows.of(dz);
        HostRows out = HostRows.of(dx);
        double[] row = new double[width];
        double[] sums = new double[width];
        for (int r = 0; r < rows; r++) {
            in.read(r, width, row);
            for (int j = 0; j < width; j++) {
                sums[j] += row[j];
            }
            out.write(r, width, row);
        }
        return sums;
    }
}
