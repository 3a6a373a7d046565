package org.distill4j.core.support;

import java.util.Random;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.loss.SdMath;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Token embeddings, a dense layer, masked mean pooling and a classifier. With {@code lookup} the embedding is an
 * {@link org.distill4j.core.graph.EmbeddingLookup}; without, the reference one-hot x table product in the graph.
 * Inputs: ids [B, L] (int field "ids"), mask [B, L] (float), label [B] (int).
 */
public final class BagOfEmbeddings implements ModelDefinition {

    private final int vocab;
    private final int width;
    private final int classes;
    private final boolean lookup;
    private final DataType dtype;

    public BagOfEmbeddings(int vocab, int width, int classes, boolean lookup, DataType dtype) {
        this.vocab = vocab;
        this.width = width;
        this.classes = classes;
        this.lookup = lookup;
        this.dtype = dtype;
    }

    @Override
    public ModelAdaptor build(SameDiff sd, long seed) {
        Random rng = new Random(seed);
        SDVariable mask = sd.placeHolder("mask", dtype, -1, -1);
        SDVariable label = sd.placeHolder("label", DataType.INT32, -1);
        SDVariable table = sd.var("emb/table", gaussian(rng, vocab, width, 0.5));
        ModelAdaptor.Builder adaptor = ModelAdaptor.builder().input("mask").input("label");
        SDVariable tokens;
        if (lookup) {
            tokens = sd.var("emb/rows", Nd4j.zeros(dtype, 1, 1, width));
            adaptor.lookup("emb/table", "ids", "emb/rows");
        } else {
            SDVariable ids = sd.placeHolder("ids", DataType.INT32, -1, -1);
            adaptor.input("ids");
            SDVariable oneHot = sd.oneHot(ids, vocab).castTo(dtype);
            tokens = sd.reshape(sd.mmul(sd.reshape(oneHot, -1, vocab), table),
                    sd.concat(0, ids.shape().castTo(DataType.INT64), sd.constant(Nd4j.createFromArray((long) width))));
        }
        SDVariable w = sd.var("dense/W", gaussian(rng, width, width, 0.3));
        SDVariable flat = sd.reshape(tokens, -1, width);
        SDVariable hidden = sd.math.tanh(sd.reshape(sd.mmul(flat, w), tokens.shape()));
        SDVariable pooled = hidden.mul(sd.expandDims(mask, 2)).sum(1).div(sd.expandDims(mask.sum(1), 1));
        SDVariable logits = sd.identity("logits", sd.mmul(pooled, sd.var("cls/W", gaussian(rng, width, classes, 0.3))));
        SDVariable gold = sd.oneHot(label, classes).castTo(dtype);
        sd.identity("ce", SdMath.softmaxCrossEntropyRows(sd, logits, gold).mean());
        return adaptor.logits("logits").losses("ce").inputsMask("mask").build();
    }

    private org.nd4j.linalg.api.ndarray.INDArray gaussian(Random rng, int rows, int cols, double std) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * rng.nextGaussian();
        }
        return Nd4j.create(v, new long[]{rows, cols}, DataType.DOUBLE).castTo(dtype);
    }
}
