package org.distill4j.core.graph;

import static org.distill4j.core.graph.HostThreads.SUM_BLOCK_ROWS;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ND4J's {@code layer_norm} and {@code layer_norm_bp} over the last axis, computed in Java on the calling thread, its
 * rows split over ND4J's threads when no other graph runs ({@link HostThreads}; see {@link HostKernels} for why). It
 * computes what the native op computes, y = gamma (x - mean) / (std + 1e-12) + beta, with std the population standard
 * deviation of the row (libnd4j's {@code standardize}; its epsilon is fixed whatever a model's {@code layer_norm_eps}
 * says), and the exact gradient of that formula: with c = x - mean, s = std, d = s + 1e-12 and g = dy gamma,
 * dx = (g - mean(g)) / d - (sum(g c) / d^2) c / (D s), dgamma = sum over rows of dy c / d, dbeta = sum of dy.
 * Row statistics and column sums are accumulated in double precision.
 *
 * <p>Handles x of any rank normalised over its last axis, C-contiguous (a view's offset is fine), gamma and beta
 * vectors of the last axis' length, float or double, all of one type; {@link #handles} says whether a call is such a
 * case, and anything else is left to the native op.
 */
final class LayerNormKernel {

    /** libnd4j's standardize adds this to the standard deviation, not to the variance. */
    static final double STD_EPSILON = 1e-12;

    private LayerNormKernel() {
    }

    /**
     * True if the op's arrays are a case this kernel computes: inputs (x, gain[, bias][, dy]) and outputs as described
     * in the class comment, normalised over the last axis only, not channels-first.
     *
     * @param inputs    the op's input arrays
     * @param outputs   the op's (allocated) output arrays
     * @param iArgs     the op's axes
     * @param bArgs     the op's boolean arguments (channels-first first)
     * @param backward  {@code layer_norm_bp} (inputs end with dy; outputs dx, dgamma[, dbeta])
     */
    static boolean handles(List<INDArray> inputs, List<INDArray> outputs, List<Long> iArgs, List<Boolean> bArgs,
                           boolean backward) {
        int minInputs = backward ? 3 : 2;
        if (inputs.size() < minInputs || inputs.size() > minInputs + 1 || outputs.isEmpty()) {
            return false;
        }
        boolean hasBias = inputs.size() == minInputs + 1;
        int expectedOutputs = backward ? (hasBias ? 3 : 2) : 1;
        if (outputs.size() != expectedOutputs) {
            return false;
        }
        INDArray x = inputs.get(0);
        int rank = x.rank();
        if (rank < 1 || iArgs == null || iArgs.size() != 1) {
            return false;
        }
        long axis = iArgs.get(0) < 0 ? iArgs.get(0) + rank : iArgs.get(0);
        if (axis != rank - 1 || (bArgs != null && !bArgs.isEmpty() && bArgs.get(0))) {
            return false;
        }
        DataType type = x.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            return false;
        }
        long width = x.size(rank - 1);
        if (width < 1 || !HostRows.dense(x)) {
            return false;
        }
        for (int i = 1; i < inputs.size(); i++) {
            boolean dy = backward && i == inputs.size() - 1; // shaped like x; gamma and beta are vectors
            if (!matches(inputs.get(i), x, dy)) {
                return false;
            }
        }
        for (int i = 0; i < outputs.size(); i++) {
            if (!matches(outputs.get(i), x, i == 0)) { // y or dx shaped like x; dgamma and dbeta vectors
                return false;
            }
        }
        return true;
    }

    /** A dense array of x's data type, shaped like x or a vector of x's last-axis length. */
    private static boolean matches(INDArray a, INDArray x, boolean likeX) {
        if (a == null || a.dataType() != x.dataType() || !HostRows.dense(a)) {
            return false;
        }
        return likeX ? Arrays.equals(a.shape(), x.shape()) : a.length() == x.size(x.rank() - 1);
    }

    /**
     * y = gamma (x - mean) / (std + 1e-12) + beta over the last axis.
     *
     * @param x     [..., D]
     * @param gamma [D]
     * @param beta  [D], or null
     * @param y     [..., D], written
     */
    static void forward(INDArray x, INDArray gamma, INDArray beta, INDArray y) {
        int d = (int) x.size(x.rank() - 1);
        int rows = (int) (x.length() / d);
        double[] g = HostRows.of(gamma).read(0, d, new double[d]);
        double[] b = beta == null ? new double[d] : HostRows.of(beta).read(0, d, new double[d]);
        int parts = HostThreads.parts(x.length());
        HostThreads.forEachPart(parts, part -> forwardRows(x, g, b, y, d, HostThreads.firstRow(part, parts, rows, 1),
                HostThreads.firstRow(part + 1, parts, rows, 1)));
    }

    /** Rows [from, to) of {@link #forward}. */
    private static void forwardRows(INDArray x, double[] g, double[] b, INDArray y, int d, int from, int to) {
        HostRows in = HostRows.of(x);
        HostRows out = HostRows.of(y);
        double[] row = new double[d];
        for (int r = from; r < to; r++) {
            in.read(r, d, row);
            double mean = sum(row, d) / d;
            for (int j = 0; j < d; j++) {
                row[j] -= mean;
            }
            double inverse = 1 / (Math.sqrt(dot(row, row, d) / d) + STD_EPSILON);
            for (int j = 0; j < d; j++) {
                row[j] = row[j] * inverse * g[j] + b[j];
            }
            out.write(r, d, row);
        }
    }

    /**
     * The gradients of {@link #forward} given dL/dy. dgamma and dbeta are summed per block of
     * {@link HostThreads#SUM_BLOCK_ROWS 64} rows and the blocks added in order, so they do not depend on how many
     * threads computed the blocks.
     *
     * @param x      [..., D]
     * @param gamma  [D]
     * @param dy     [..., D]
     * @param dx     [..., D], written
     * @param dGamma [D], written
     * @param dBeta  [D], written, or null (a layer norm without bias)
     */
    static void backward(INDArray x, INDArray gamma, INDArray dy, INDArray dx, INDArray dGamma, INDArray dBeta) {
        int d = (int) x.size(x.rank() - 1);
        int rows = (int) (x.length() / d);
        double[] g = HostRows.of(gamma).read(0, d, new double[d]);
        int blocks = (rows + SUM_BLOCK_ROWS - 1) / SUM_BLOCK_ROWS;
        double[] gammaBlocks = new double[blocks * d]; // block k's sums at [k * d, (k + 1) * d)
        double[] betaBlocks = new double[blocks * d];
        int parts = HostThreads.parts(x.length());
        HostThreads.forEachPart(parts, part -> backwardRows(x, g, dy, dx, d,
                HostThreads.firstRow(part, parts, blocks, SUM_BLOCK_ROWS),
                Math.min(rows, HostThreads.firstRow(part + 1, parts, blocks, SUM_BLOCK_ROWS)),
                gammaBlocks, betaBlocks));
        double[] sumGamma = new double[d];
        double[] sumBeta = new double[d];
        for (int k = 0; k < blocks; k++) {
            for (int j = 0; j < d; j++) {
                sumGamma[j] += gammaBlocks[k * d + j];
                sumBeta[j] += betaBlocks[k * d + j];
            }
        }
        HostRows.of(dGamma).write(0, d, sumGamma);
        if (dBeta != null) {
            HostRows.of(dBeta).write(0, d, sumBeta);
        }
    }

    /** Rows [from, to) of {@link #backward}, from a block's first row; their blocks' dgamma and dbeta sums. */
    private static void backwardRows(INDArray x, double[] g, INDArray dy, INDArray dx, int d, int from, int to,
                                     double[] gammaBlocks, double[] betaBlocks) {
        HostRows xs = HostRows.of(x);
        HostRows dys = HostRows.of(dy);
        HostRows dxs = HostRows.of(dx);
        double[] c = new double[d];
        double[] up = new double[d];
        double[] sumGamma = new double[d]; // this block's, copied out at its end
        double[] sumBeta = new double[d];
        for (int r = from; r < to; r++) {
            xs.read(r, d, c);
            dys.read(r, d, up);
            double mean = sum(c, d) / d;
            for (int j = 0; j < d; j++) {
                c[j] -= mean;
            }
            double std = Math.sqrt(dot(c, c, d) / d);
            double inverse = 1 / (std + STD_EPSILON);
            for (int j = 0; j < d; j++) {
                sumBeta[j] += up[j];
                sumGamma[j] += up[j] * c[j] * inverse;
                up[j] *= g[j];
            }
            if ((r + 1) % SUM_BLOCK_ROWS == 0 || r == to - 1) {
                System.arraycopy(sumGamma, 0, gammaBlocks, (r / SUM_BLOCK_ROWS) * d, d);
                System.arraycopy(sumBeta, 0, betaBlocks, (r / SUM_BLOCK_ROWS) * d, d);
                Arrays.fill(sumGamma, 0);
                Arrays.fill(sumBeta, 0);
            }
            double sumG = sum(up, d);
            double sumGc = dot(up, c, d);
            double meanG = sumG / d;
            // d std / d x_j = c_j / (D std); a constant row (std 0) has no such term
            double spread = std > 0 ? sumGc * inverse * inverse / (d * std) : 0;
            for (int j = 0; j < d; j++) {
                up[j] = (up[j] - meanG) * inverse - spread * c[j];
            }
            dxs.write(r, d, up);
        }
    }

    /**
     * The sum of a[0..n), in four partial sums: one running sum is a chain of dependent additions, each waiting for
     * the last (about four times slower on the rows of a BERT layer norm).
     */
    private static double sum(double[] a, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += a[j];
            s1 += a[j + 1];
            s2 += a[j + 2];
            s3 += a[j + 3];
        }
        for (; j < n; j++) {
            s0 += a[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The dot product of a[0..n) and b[0..n), in four partial sums as {@link #sum}. */
    private static double dot(double[] a, double[] b, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
        }
        for (; j < n; j++) {
            s0 += a[j] * b[j];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
