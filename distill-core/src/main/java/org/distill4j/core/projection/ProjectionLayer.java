package org.distill4j.core.projection;

import java.util.List;
import org.distill4j.core.loss.SdMath;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trainable projection y = act(x W + b) in the training graph: W [D_S, D_T] drawn from N(0, 0.02), b [D_T]
 * zero, as TextBrewer initialises them. [B, L, D_S] inputs are flattened for the matrix product (see
 * {@link SdMath#denseLastAxis}).
 */
public final class ProjectionLayer {

    private final SDVariable weight;
    private final SDVariable bias;
    private final Projection activation;
    private final int inWidth;
    private final int outWidth;

    private ProjectionLayer(SDVariable weight, SDVariable bias, Projection activation, int inWidth, int outWidth) {
        this.weight = weight;
        this.bias = bias;
        this.activation = activation;
        this.inWidth = inWidth;
        this.outWidth = outWidth;
    }

    /**
     * Creates the projection's variables {@code prefix/W} and {@code prefix/b}.
     *
     * @param rng random source for the N(0, 0.02) initialisation (seeded by the caller, so runs repeat exactly)
     */
    public static ProjectionLayer create(SameDiff sd, String prefix, Projection activation, int inWidth, int outWidth,
                                         DataType dtype, java.util.Random rng) {
        double[] values = new double[inWidth * outWidth];
        for (int i = 0; i < values.length; i++) {
            values[i] = 0.02 * rng.nextGaussian();
        }
        INDArray w = Nd4j.create(values, new long[]{inWidth, outWidth}, DataType.DOUBLE).castTo(dtype);
        SDVariable weight = sd.var(prefix + "/W", w);
        SDVariable bias = sd.var(prefix + "/b", Nd4j.zeros(dtype, outWidth));
        return new ProjectionLayer(weight, bias, activation, inWidth, outWidth);
    }

    /** Wraps existing variables (used by tests with given weights). */
    public static ProjectionLayer of(SDVariable weight, SDVariable bias, Projection activation, int inWidth, int outWidth) {
        return new ProjectionLayer(weight, bias, activation, inWidth, outWidth);
    }

    /** Names of the trainable variables: W then b. */
    public List<String> parameterNames() {
        return List.of(weight.name(), bias.name());
    }

    /**
     * Projects x [..., D_S] to [..., D_T].
     *
     * @param rank rank of x: 2 for [B, D], 3 for [B, L, D]
     */
    public SDVariable apply(SameDiff sd, SDVariable x, int rank) {
        if (rank != 2 && rank != 3) {
            throw new IllegalArgumentException("projections take [B, D] or [B, L, D] features, got rank " + rank);
        }
        SDVariable linear = rank == 2 ? sd.mmul(x, weight).add(bias)
                : SdMath.denseLastAxis(sd, x, weight, bias, inWidth, outWidth);
        return activation.activate(sd, linear);
    }
}
