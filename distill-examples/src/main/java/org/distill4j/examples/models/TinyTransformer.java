package org.distill4j.examples.models;

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
 * A small post-layer-norm transformer encoder classifier (BERT's layout at toy size) for examples and tests.
 * Inputs: input_ids [B, L] (int), attention_mask [B, L] (int, 1 = token), label [B] (int); L must equal
 * {@code maxLength} (position embeddings are not sliced). Exposes hidden states (index 0 = embedding output),
 * attention probabilities [B, H, L, L], and per-layer query/key/value projections [B, L, D] for MiniLM losses.
 *
 * <p>The word-embedding lookup is one-hot x matrix rather than gather: M2.1's gather has a wrong gradient and
 * slows training about 80x (see TinyTransformerTest); one-hot costs tokens * V * D flops, fine for small vocabularies.
 */
public final class TinyTransformer implements ModelDefinition {

    private final int vocab;
    private final int maxLength;
    private final int width;
    private final int layers;
    private final int heads;
    private final int ffn;
    private final int classes;
    private final DataType dtype;

    /**
     * @param vocab     vocabulary size V
     * @param maxLength sequence length L
     * @param width     hidden width D (divisible by heads)
     * @param layers    encoder layers
     * @param heads     attention heads
     * @param ffn       feed-forward inner width
     * @param classes   output classes
     */
    public TinyTransformer(int vocab, int maxLength, int width, int layers, int heads, int ffn, int classes) {
        this(vocab, maxLength, width, layers, heads, ffn, classes, DataType.FLOAT);
    }

    /** As above with a parameter data type (DOUBLE for gradient checks). */
    public TinyTransformer(int vocab, int maxLength, int width, int layers, int heads, int ffn, int classes, DataType dtype) {
        if (width % heads != 0) {
            throw new IllegalArgumentException("width " + width + " must be divisible by heads " + heads);
        }
        this.vocab = vocab;
        this.maxLength = maxLength;
        this.width = width;
        this.layers = layers;
        this.heads = heads;
        this.ffn = ffn;
        this.classes = classes;
        this.dtype = dtype;
    }

    @Override
    public ModelAdaptor build(SameDiff sd, long seed) {
        Random rng = new Random(seed);
        SDVariable ids = sd.placeHolder("input_ids", DataType.INT32, -1, maxLength);
        SDVariable mask = sd.placeHolder("attention_mask", DataType.INT32, -1, maxLength).castTo(dtype);
        SDVariable label = sd.placeHolder("label", DataType.INT32, -1);

        SDVariable oneHot = sd.oneHot(ids, vocab).castTo(dtype);                          // [B, L, V]
        SDVariable words = sd.mmul(sd.reshape(oneHot, -1, vocab), normal(sd, "embed/words", rng, vocab, width));
        SDVariable h = sd.reshape(words, -1, maxLength, width).add(normal(sd, "embed/positions", rng, maxLength, width));
        h = layerNorm(sd, "embed/ln", h);
        h = sd.identity("hidden/0", h);

        SDVariable keyPenalty = sd.expandDims(sd.expandDims(mask.rsub(1.0).mul(-10000.0), 1), 1); // [B, 1, 1, L]
        List<String> hidden = new ArrayList<>(List.of(h.name()));
        List<String> attention = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        int headWidth = width / heads;
        for (int l = 0; l < layers; l++) {
            String p = "layer" + l;
            SDVariable q = sd.identity(p + "/query", dense(sd, p + "/q", h, width, width, rng));
            SDVariable k = sd.identity(p + "/key", dense(sd, p + "/k", h, width, width, rng));
            SDVariable v = sd.identity(p + "/value", dense(sd, p + "/v", h, width, width, rng));
            queries.add(q.name());
            keys.add(k.name());
            values.add(v.name());
            SDVariable scores = sd.mmul(split(sd, q, headWidth), split(sd, k, headWidth), false, true, false)
                    .div(Math.sqrt(headWidth)).add(keyPenalty);                           // [B, H, L, L]
            SDVariable probs = sd.identity(p + "/attention", sd.nn.softmax(scores, 3));
            attention.add(probs.name());
            SDVariable context = sd.reshape(sd.permute(sd.mmul(probs, split(sd, v, headWidth)), 0, 2, 1, 3),
                    -1, maxLength, width);
            h = layerNorm(sd, p + "/ln1", h.add(dense(sd, p + "/o", context, width, width, rng)));
            SDVariable inner = erfGelu(sd, dense(sd, p + "/ffn1", h, width, ffn, rng));
            h = layerNorm(sd, p + "/ln2", h.add(dense(sd, p + "/ffn2", inner, ffn, width, rng)));
            h = sd.identity("hidden/" + (l + 1), h);
            hidden.add(h.name());
        }
        SDVariable pooled = h.mul(sd.expandDims(mask, 2)).sum(1).div(sd.expandDims(mask.sum(1), 1));   // [B, D]
        SDVariable logits = sd.identity("logits", sd.mmul(pooled, normal(sd, "classifier/W", rng, width, classes))
                .add(sd.var("classifier/b", Nd4j.zeros(dtype, classes))));
        SDVariable gold = sd.oneHot(label, classes).castTo(dtype);
        sd.identity("loss", SdMath.softmaxCrossEntropyRows(sd, logits, gold).mean());
        return ModelAdaptor.builder()
                .input("input_ids").input("attention_mask").input("label")
                .logits("logits").labels("label").losses("loss")
                .hidden(hidden).attention(attention)
                .feature("query", queries).feature("key", keys).feature("value", values)
                .inputsMask("attention_mask")
                .build();
    }

    /**
     * BERT's exact GELU, x * (1 + erf(x / sqrt 2)) / 2, from erf: nn.gelu is the sigmoid approximation and
     * preciseGelu's gradient disagreed with finite differences by ~1e-4 relative in our gradient check.
     */
    private static SDVariable erfGelu(SameDiff sd, SDVariable x) {
        return x.mul(sd.math.erf(x.div(Math.sqrt(2.0))).add(1.0)).mul(0.5);
    }

    /** [B, L, D] -> [B, H, L, D/H]. */
    private SDVariable split(SameDiff sd, SDVariable x, int headWidth) {
        return sd.permute(sd.reshape(x, -1, maxLength, heads, headWidth), 0, 2, 1, 3);
    }

    /** x [B, L, in] -> [B, L, out]; flattened to 2D because mmul wants equal ranks. */
    private SDVariable dense(SameDiff sd, String name, SDVariable x, int in, int out, Random rng) {
        SDVariable y = sd.mmul(sd.reshape(x, -1, in), normal(sd, name + "/W", rng, in, out))
                .add(sd.var(name + "/b", Nd4j.zeros(dtype, out)));
        return sd.reshape(y, -1, maxLength, out);
    }

    private SDVariable layerNorm(SameDiff sd, String name, SDVariable x) {
        SDVariable gain = sd.var(name + "/gamma", Nd4j.ones(dtype, width));
        SDVariable bias = sd.var(name + "/beta", Nd4j.zeros(dtype, width));
        return sd.nn.layerNorm(x, gain, bias, false, 2);
    }

    /** N(0, 0.02) weights, as BERT initialises them. */
    private SDVariable normal(SameDiff sd, String name, Random rng, int rows, int cols) {
        double[] w = new double[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = 0.02 * rng.nextGaussian();
        }
        return sd.var(name, Nd4j.create(w, new long[]{rows, cols}, DataType.DOUBLE).castTo(dtype));
    }

    /** Sequence length L the model expects. */
    public int maxLength() {
        return maxLength;
    }

}
