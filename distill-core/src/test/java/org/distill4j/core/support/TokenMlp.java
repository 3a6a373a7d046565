package org.distill4j.core.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.loss.SdMath;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small test model over token sequences: per-position dense layers (hidden states [B, L, D]), masked mean
 * pooling and a classifier, with a cross-entropy hard-label loss. Inputs: features [B, L, F] (float), mask [B, L]
 * (float), label [B] (int).
 */
public final class TokenMlp implements ModelDefinition {

    private final int features;
    private final int width;
    private final int layers;
    private final int classes;

    public TokenMlp(int features, int width, int layers, int classes) {
        this.features = features;
        this.width = width;
        this.layers = layers;
        this.classes = classes;
    }

    @Override
    public ModelAdaptor build(SameDiff sd, long seed) {
        Random rng = new Random(seed);
        SDVariable x = sd.placeHolder("features", DataType.FLOAT, -1, -1, features);
        SDVariable mask = sd.placeHolder("mask", DataType.FLOAT, -1, -1);
        SDVariable label = sd.placeHolder("label", DataType.INT32, -1);
        List<String> hidden = new ArrayList<>();
        SDVariable h = dense(sd, "embed", x, features, width, rng);
        hidden.add(h.name());
        for (int i = 0; i < layers; i++) {
            h = sd.nn.relu(dense(sd, "layer" + i, h, width, width, rng), 0);
            h = sd.identity("hidden" + (i + 1), h);
            hidden.add(h.name());
        }
        SDVariable pooled = h.mul(sd.expandDims(mask, 2)).sum(1).div(sd.expandDims(mask.sum(1), 1));
        SDVariable logits = sd.identity("logits", sd.mmul(pooled, param(sd, "cls/W", width, classes, rng))
                .add(sd.var("cls/b", Nd4j.zeros(DataType.FLOAT, classes))));
        SDVariable oneHot = sd.oneHot(label, classes).castTo(DataType.FLOAT);
        sd.identity("ce", SdMath.softmaxCrossEntropyRows(sd, logits, oneHot).mean());
        return ModelAdaptor.builder()
                .input("features").input("mask").input("label")
                .logits("logits").labels("label").losses("ce")
                .hidden(hidden).inputsMask("mask")
                .build();
    }

    private static SDVariable dense(SameDiff sd, String name, SDVariable x, int in, int out, Random rng) {
        SDVariable flat = sd.reshape(x, -1, in);
        SDVariable y = sd.mmul(flat, param(sd, name + "/W", in, out, rng)).add(sd.var(name + "/b", Nd4j.zeros(DataType.FLOAT, out)));
        return sd.reshape(y, sd.concat(0, x.shape().get(org.nd4j.autodiff.samediff.SDIndex.interval(0, 2)),
                sd.constant(Nd4j.createFromArray((long) out))));
    }

    private static SDVariable param(SameDiff sd, String name, int in, int out, Random rng) {
        float[] w = new float[in * out];
        double std = Math.sqrt(2.0 / in);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * std);
        }
        return sd.var(name, Nd4j.create(w, new long[]{in, out}, 'c'));
    }
}
