package org.distill4j.bert.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.distill4j.core.graph.ExactGelu;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelDefinition;
import org.distill4j.core.loss.SdMath;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A BERT encoder with a task head, built in SameDiff. Variables carry Google's TensorFlow checkpoint names
 * (bert/embeddings/word_embeddings, bert/encoder/layer_0/attention/self/query/kernel, ...; kernels are [in, out]),
 * so TF checkpoints load by name and Hugging Face ones by a fixed renaming.
 *
 * <p>Batch fields: input_ids [B, L] (int), token_type_ids [B, L] (int), attention_mask [B, L] (int, 1 = token),
 * and for the head's loss: labels ([B] int, -100 for an unlabelled example; [B, C] float for multi-label; [B, L] int
 * for tokens with -100 ignored)
 * or start_positions / end_positions ([B] int) for question answering.
 *
 * <p>Outputs by name: bert/hidden/i ([B, L, D], i = 0 is the embedding output), bert/attention/i (probabilities
 * [B, H, L, L]) and bert/attention_scores/i (pre-softmax, mask added), bert/query|key|value/i ([B, L, D]),
 * bert/pooled ([B, D]), logits (or start_logits / end_logits) and loss. The adaptor exposes them as features
 * hidden, attention, attention_scores, query, key, value.
 *
 * <p>Choices forced by SameDiff M2.1: the word embedding is an out-of-graph lookup (gather has no working
 * gradient); position and token-type embeddings are small one-hot products; dropout multiplies by mask
 * placeholders drawn outside the graph (nn.dropout has no gradient and stays on at inference; in-graph random ops
 * ignore the loop's seed); GELU is the exact one ({@link ExactGelu}: ND4J's gelu op is the sigmoid approximation;
 * one op computed by Distill4j's host kernels in graphs they run, else built from erf) and a layer norm with another
 * epsilon than BERT's is built from mean and variance.
 */
public final class BertModel implements ModelDefinition {

    /** Name of the training-flag constant (1 while training: dropout on). */
    public static final String TRAINING_FLAG = "bert/training";
    /** Name of the word-embedding table. */
    public static final String WORD_EMBEDDINGS = "bert/embeddings/word_embeddings";

    private final BertConfig config;
    private final BertHead head;
    private final int labels;
    private final DataType dtype;

    /**
     * @param head   the task head
     * @param labels number of classes (ignored for QUESTION_ANSWERING and NONE)
     */
    public BertModel(BertConfig config, BertHead head, int labels) {
        this(config, head, labels, DataType.FLOAT);
    }

    /** As above, with the parameters' data type (DOUBLE for gradient checks). */
    public BertModel(BertConfig config, BertHead head, int labels, DataType dtype) {
        this.config = config;
        this.head = head;
        this.labels = labels;
        this.dtype = dtype;
    }

    /** The architecture. */
    public BertConfig config() {
        return config;
    }

    /** The head. */
    public BertHead head() {
        return head;
    }

    /** Number of classes of the head. */
    public int labels() {
        return labels;
    }

    @Override
    public ModelAdaptor build(SameDiff sd, long seed) {
        return new Builder(sd, new Random(seed)).build();
    }

    /**
     * The epsilon ND4J's native layer_norm uses: it computes (x - mean) / (std + 1e-12) * gamma + beta, whatever
     * {@code layer_norm_eps} says. For BERT's 1e-12 that is BERT's formula to 5e-7 relative even at the tiny
     * variances of freshly initialised embeddings (LayerNormTest), so the graph uses the native op (one op).
     */
    static final double NATIVE_LAYER_NORM_EPS = 1e-12;

    /**
     * BERT's layer norm over the hidden axis of flat activations, (x - mean) / sqrt(var + eps) * gamma + beta, for
     * any other {@code layer_norm_eps} (RoBERTa-style 1e-5, say), where the native op would be wrong at small
     * variances. The row statistics and every broadcast are matrix products (mean = x [N, D] x (1/D) [D, 1]; the
     * [N, 1] statistics spread over the row by x [1, D] ones; gamma and beta by ones [N, 1] x [1, D]), so every
     * element-wise op takes equal shapes and every reduction of the backward pass is a matrix product (M2.1 runs the
     * broadcast ops' reductions slowly, see onEveryRow). Not used for 1e-12, though it was measured for it: four
     * layer norms forward and backward on [2048, 384] took 42-57 ms against 74-97 native in a micro-benchmark, but
     * in the standard benchmark (three alternating pairs, native / this) the full step was 17.14 / 17.27, 16.57 /
     * 17.56, 16.67 / 15.39 samples/s: the ops saved about 215 ms of op time per step and SameDiff's time between the
     * 13 ops that replace each one added about 80 ms, on two cores already busy with both graphs; peak resident size
     * rose by 400-750 MiB.
     *
     * @param x       [N, D] activations
     * @param gamma   [D] scale
     * @param beta    [D] shift
     * @param rowOnes [N, 1] ones
     * @param eps     added to the variance
     * @return [N, D]
     */
    static SDVariable flatLayerNorm(SameDiff sd, SDVariable x, SDVariable gamma, SDVariable beta, SDVariable rowOnes,
                                    double eps) {
        long d = gamma.getShape()[0];
        DataType type = x.dataType();
        SDVariable average = sd.constant(Nd4j.ones(type, d, 1).divi(d));                        // [D, 1] of 1/D
        SDVariable spread = sd.constant(Nd4j.ones(type, 1, d));                                 // [1, D]
        SDVariable centered = x.sub(sd.mmul(sd.mmul(x, average), spread));                      // [N, D]
        SDVariable inverseStd = sd.math.rsqrt(sd.mmul(centered.mul(centered), average).add(eps)); // [N, 1]
        SDVariable normalized = centered.mul(sd.mmul(inverseStd, spread));
        return normalized.mul(onEveryRow(sd, rowOnes, gamma, d, normalized))
                .add(onEveryRow(sd, rowOnes, beta, d, normalized));
    }

    /**
     * The vector v [width] repeated on each of N rows, as the outer product ones [N, 1] x v [1, width]: its gradient
     * is then the matrix product ones^T x dY instead of a broadcast op's reduction over the rows, which libnd4j runs
     * slowly (HostKernels computes only add_bp's, the bias case of flatLinear; this is for flatLayerNorm's products).
     * It is computed only once {@code after} exists (a control dependency): it reads nothing but the row count and a
     * parameter, so SameDiff would run it as soon as a run starts and keep it until its reader runs; a teacher's
     * forward pass held every layer's bias rows at once that way (162 of its 168 MiB alive at its peak at the
     * standard benchmark sizes) when the dense layers' biases were added like this.
     *
     * @param after the variable computed just before the result is read (the product the bias is added to)
     * @return [N, width]
     */
    static SDVariable onEveryRow(SameDiff sd, SDVariable rowOnes, SDVariable v, long width, SDVariable after) {
        SDVariable rows = sd.mmul(rowOnes, sd.reshape(v, 1, width));
        rows.addControlDependency(after);
        return rows;
    }

    /** Builds one graph; holds the shared pieces. */
    private final class Builder {
        private final SameDiff sd;
        private final Random rng;
        private final ModelAdaptor.Builder adaptor = ModelAdaptor.builder();
        private int dropoutSites;

        Builder(SameDiff sd, Random rng) {
            this.sd = sd;
            this.rng = rng;
            sd.constant(TRAINING_FLAG, Nd4j.scalar(dtype, 0)); // the mode: dropout masks are drawn while it is 1
        }

        /** [B, L, D] (set at the start of build): the shape of sequence outputs, computed once for every layer. */
        private SDVariable sequenceShape;
        /** [B, L, H, D/H]: queries, keys and values split into heads. */
        private SDVariable headsShape;
        /** [B*L, 1] ones for {@link BertModel#flatLayerNorm} (other epsilons than BERT's); null otherwise. */
        private SDVariable tokenOnes;

        /**
         * Builds the encoder on flat activations [B*L, D]: every dense layer is x W + b on a 2-D matrix (flatLinear) and
         * layer norm is one native op, with the [B, L, D] views (hidden states, queries, ...) reshaped only when asked
         * for. SameDiff spends about as long dispatching a small op as computing a large one, so fewer ops is faster.
         */
        ModelAdaptor build() {
            int d = config.hiddenSize();
            SDVariable typeIds = sd.placeHolder("token_type_ids", DataType.INT32, -1, -1);
            SDVariable mask = sd.placeHolder("attention_mask", DataType.INT32, -1, -1).castTo(dtype);
            adaptor.input("token_type_ids").input("attention_mask").inputsMask("attention_mask").trainingFlag(TRAINING_FLAG);

            normal(WORD_EMBEDDINGS, config.vocabSize(), d);
            SDVariable words = sd.var("bert/embeddings/word_rows", Nd4j.zeros(dtype, 1, 1, d));
            adaptor.lookup(WORD_EMBEDDINGS, "input_ids", words.name());
            SDVariable batchAndLength = typeIds.shape().castTo(DataType.INT64);                    // [B, L]
            sequenceShape = sd.concat(0, batchAndLength, sd.constant(Nd4j.createFromArray((long) d)));
            headsShape = sd.concat(0, batchAndLength,
                    sd.constant(Nd4j.createFromArray((long) config.numAttentionHeads(), (long) config.headSize())));
            SDVariable length = sd.sizeAt(typeIds, 1);
            SDVariable positions = oneHotRange(length, config.maxPositionEmbeddings());           // [L, P]
            SDVariable positionEmb = sd.mmul(positions, normal("bert/embeddings/position_embeddings",
                    config.maxPositionEmbeddings(), d));                                           // [L, D]
            SDVariable types = sd.reshape(sd.oneHot(typeIds, config.typeVocabSize()).castTo(dtype), -1, config.typeVocabSize());
            SDVariable typeEmb = sd.reshape(sd.mmul(types, normal("bert/embeddings/token_type_embeddings",
                    config.typeVocabSize(), d)), sequenceShape);
            SDVariable summed = sd.reshape(words.add(positionEmb).add(typeEmb), -1, d);           // [B*L, D]
            tokenOnes = config.layerNormEps() == NATIVE_LAYER_NORM_EPS ? null
                    : sd.onesLike(sd.reshape(typeIds, -1, 1), dtype);                           // [B*L, 1]
            SDVariable h = flatDropout(layerNorm("bert/embeddings/LayerNorm", summed), config.hiddenDropoutProb());

            SDVariable keyPenalty = sd.expandDims(sd.expandDims(mask.rsub(1.0).mul(-10000.0), 1), 1); // [B, 1, 1, L]
            List<String> hidden = new ArrayList<>(List.of(sequence("bert/hidden/0", h).name()));
            List<String> attention = new ArrayList<>();
            List<String> scores = new ArrayList<>();
            List<String> queries = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                String p = "bert/encoder/layer_" + l;
                SDVariable q = flatLinear(p + "/attention/self/query", h, d, d);                   // [B*L, D]
                SDVariable k = flatLinear(p + "/attention/self/key", h, d, d);
                SDVariable v = flatLinear(p + "/attention/self/value", h, d, d);
                SDVariable s = sd.identity("bert/attention_scores/" + l, sd.mmul(splitHeads(q), splitHeads(k), false, true, false)
                        .div(Math.sqrt(config.headSize())).add(keyPenalty));                       // [B, H, L, L]
                SDVariable probs = sd.identity("bert/attention/" + l, sd.nn.softmax(s, 3));
                SDVariable context = mergeHeads(sd.mmul(dropout(probs, config.attentionProbsDropoutProb(), -1, config.numAttentionHeads(), -2, -2), splitHeads(v)));
                SDVariable attended = flatDropout(flatLinear(p + "/attention/output/dense", context, d, d), config.hiddenDropoutProb());
                h = layerNorm(p + "/attention/output/LayerNorm", attended.add(h));
                SDVariable inner = ExactGelu.of(sd, p + "/intermediate",
                        flatLinear(p + "/intermediate/dense", h, d, config.intermediateSize()));
                SDVariable out = flatDropout(flatLinear(p + "/output/dense", inner, config.intermediateSize(), d), config.hiddenDropoutProb());
                h = layerNorm(p + "/output/LayerNorm", out.add(h));
                hidden.add(sequence("bert/hidden/" + (l + 1), h).name());
                attention.add(probs.name());
                scores.add(s.name());
                queries.add(sequence("bert/query/" + l, q).name());
                keys.add(sequence("bert/key/" + l, k).name());
                values.add(sequence("bert/value/" + l, v).name());
            }
            SDVariable sequenceOut = sd.reshape(h, sequenceShape);
            SDVariable first = sequenceOut.get(SDIndex.all(), SDIndex.point(0), SDIndex.all());
            SDVariable pooled = sd.identity("bert/pooled", sd.math.tanh(linear("bert/pooler/dense", first, d, d)));
            adaptor.hidden(hidden).attention(attention).feature("attention_scores", scores)
                    .feature("query", queries).feature("key", keys).feature("value", values);
            addHead(h, pooled, mask);
            return adaptor.build();
        }

        /** The [B, L, D] view of flat activations [B*L, D], named; computed only when something reads it. */
        private SDVariable sequence(String name, SDVariable flat) {
            return sd.reshape(name, flat, sequenceShape);
        }

        private void addHead(SDVariable sequence, SDVariable pooled, SDVariable mask) {
            int d = config.hiddenSize();
            switch (head) {
                case NONE -> {
                }
                case SEQUENCE_CLASSIFICATION -> {
                    SDVariable logits = sd.identity("logits", linear("classifier", dropout(pooled, config.hiddenDropoutProb(), -1, d), d, labels));
                    SDVariable gold = sd.placeHolder("labels", DataType.INT32, -1);
                    // mean over the labelled rows: -100 marks an unlabelled example of a transfer set (as PyTorch's
                    // ignore_index); with every row labelled this is the plain batch mean
                    SDVariable valid = gold.gte(0).castTo(dtype);
                    SDVariable safe = sd.math.max(gold, sd.constant(Nd4j.scalar(DataType.INT32, 0)));
                    SDVariable oneHot = sd.oneHot(safe, labels).castTo(dtype);
                    SDVariable perRow = SdMath.softmaxCrossEntropyRows(sd, logits, oneHot);
                    sd.identity("loss", perRow.mul(valid).sum().div(valid.sum().add(1e-12)));
                    adaptor.input("labels").logits("logits").labels("labels").losses("loss");
                }
                case MULTI_LABEL -> {
                    SDVariable z = sd.identity("logits", linear("classifier", dropout(pooled, config.hiddenDropoutProb(), -1, d), d, labels));
                    SDVariable gold = sd.placeHolder("labels", dtype, -1, labels);
                    sd.identity("loss", SdMath.sigmoidCrossEntropy(sd, z, gold).mean());
                    adaptor.input("labels").logits("logits").labels("labels").losses("loss");
                }
                case TOKEN_CLASSIFICATION -> {
                    SDVariable flatLogits = linear("classifier", flatDropout(sequence, config.hiddenDropoutProb()), d, labels);
                    SDVariable logits = sd.reshape("logits", flatLogits, sd.concat(0, sequenceShape.get(SDIndex.interval(0, 2)),
                            sd.constant(Nd4j.createFromArray((long) labels))));
                    SDVariable gold = sd.placeHolder("labels", DataType.INT32, -1, -1);
                    SDVariable valid = gold.gte(0).castTo(dtype);                                  // -100 = ignore
                    SDVariable safe = sd.math.max(gold, sd.constant(Nd4j.scalar(DataType.INT32, 0)));
                    SDVariable oneHot = sd.oneHot(safe, labels).castTo(dtype);
                    SDVariable perToken = SdMath.softmaxCrossEntropyRows(sd, logits, oneHot);
                    sd.identity("loss", perToken.mul(valid).sum().div(valid.sum().add(1e-12)));
                    adaptor.input("labels").logits("logits").logitsMask("attention_mask").labels("labels").losses("loss");
                }
                case QUESTION_ANSWERING -> {
                    SDVariable both = sd.reshape(linear("qa_outputs", sequence, d, 2), sd.concat(0,
                            sequenceShape.get(SDIndex.interval(0, 2)), sd.constant(Nd4j.createFromArray(2L)))); // [B, L, 2]
                    SDVariable start = sd.identity("start_logits", both.get(SDIndex.all(), SDIndex.all(), SDIndex.point(0)));
                    SDVariable end = sd.identity("end_logits", both.get(SDIndex.all(), SDIndex.all(), SDIndex.point(1)));
                    SDVariable length = sd.sizeAt(both, 1).castTo(DataType.INT32);
                    SDVariable startGold = sd.placeHolder("start_positions", DataType.INT32, -1);
                    SDVariable endGold = sd.placeHolder("end_positions", DataType.INT32, -1);
                    SDVariable startLoss = positionLoss(start, startGold, length);
                    SDVariable endLoss = positionLoss(end, endGold, length);
                    sd.identity("loss", startLoss.add(endLoss).div(2.0));
                    adaptor.input("start_positions").input("end_positions").logits("start_logits", "end_logits").losses("loss");
                }
                default -> throw new IllegalStateException("unknown head " + head);
            }
        }

        /** Cross-entropy over sequence positions: logits [B, L], gold [B]. */
        private SDVariable positionLoss(SDVariable logits, SDVariable gold, SDVariable length) {
            SDVariable positions = sd.range(sd.constant(Nd4j.scalar(DataType.INT32, 0)), length,
                    sd.constant(Nd4j.scalar(DataType.INT32, 1)), DataType.INT32);
            SDVariable oneHot = sd.eq(sd.expandDims(gold, 1), sd.expandDims(positions, 0)).castTo(dtype);
            return SdMath.softmaxCrossEntropyRows(sd, logits, oneHot).mean();
        }

        /** [n, size]: row i is the one-hot vector of i, for i < n (n dynamic). */
        private SDVariable oneHotRange(SDVariable n, int size) {
            SDVariable zero = sd.constant(Nd4j.scalar(DataType.INT32, 0));
            SDVariable one = sd.constant(Nd4j.scalar(DataType.INT32, 1));
            SDVariable rows = sd.range(zero, n, one, DataType.INT32);
            SDVariable cols = sd.range(zero, sd.constant(Nd4j.scalar(DataType.INT32, size)), one, DataType.INT32);
            return sd.eq(sd.expandDims(rows, 1), sd.expandDims(cols, 0)).castTo(dtype);
        }

        /**
         * x [B*L, in] W [in, out] + b [out] for the encoder's dense layers, the bias broadcast over the rows. Its
         * gradient (add_bp's reduction over the B*L rows, which libnd4j runs slowly: 17-19 ms on [2048, 1024]) is
         * computed by distill-core's HostKernels on the CPU backend in about 1.5 ms. Until then the bias was added as
         * the outer product ones [B*L, 1] x b [1, out] (a matrix product's gradient instead of the reduction), which
         * cost a reshape, a product and an add forward and their gradients backward: 48 more ops in a step of the
         * standard benchmark.
         */
        private SDVariable flatLinear(String name, SDVariable x, int in, int out) {
            SDVariable w = normal(name + "/kernel", in, out);
            SDVariable b = sd.var(name + "/bias", Nd4j.zeros(dtype, out));
            return sd.mmul(x, w).add(b);
        }

        /**
         * x [N, in] W [in, out] + b. Not the fused nn.linear (xw_plus_b): with it, the classifier logits that output()
         * returned in BertParityTest changed afterwards (correct when printed, wrong a few lines later); not pinned down.
         */
        private SDVariable linear(String name, SDVariable x, int in, int out) {
            return sd.mmul(x, normal(name + "/kernel", in, out)).add(sd.var(name + "/bias", Nd4j.zeros(dtype, out)));
        }

        /** [B*L, D] -> [B, H, L, D/H]. */
        private SDVariable splitHeads(SDVariable flat) {
            return sd.permute(sd.reshape(flat, headsShape), 0, 2, 1, 3);
        }

        /** [B, H, L, D/H] -> [B*L, D]. */
        private SDVariable mergeHeads(SDVariable x) {
            return sd.reshape(sd.permute(x, 0, 2, 1, 3), -1, config.hiddenSize());
        }

        /**
         * BERT's layer norm over the hidden axis of the encoder's flat activations [B*L, D]: ND4J's native op for
         * BERT's epsilon ({@link #NATIVE_LAYER_NORM_EPS}), else {@link BertModel#flatLayerNorm}.
         */
        private SDVariable layerNorm(String name, SDVariable x) {
            SDVariable gamma = sd.var(name + "/gamma", Nd4j.ones(dtype, config.hiddenSize()));
            SDVariable beta = sd.var(name + "/beta", Nd4j.zeros(dtype, config.hiddenSize()));
            if (config.layerNormEps() == NATIVE_LAYER_NORM_EPS) {
                return sd.nn.layerNorm(x, gamma, beta, false, 1);
            }
            return flatLayerNorm(sd, x, gamma, beta, tokenOnes, config.layerNormEps());
        }

        /**
         * Inverted dropout: x times a mask placeholder that the model graph fills with Bernoulli(1 - p) / (1 - p)
         * while training and with ones at inference (see RandomMask: in-graph random ops ignored the seed the
         * loop sets, so masks would not repeat on resume).
         *
         * @param dims the mask's shape: -1 = batch, -2 = sequence length, -3 = batch x length, n = literal
         */
        private SDVariable dropout(SDVariable x, double p, int... dims) {
            return p == 0 ? x : x.mul(dropoutMask(p, dims));
        }

        /** Dropout on flat activations [B*L, D]: the mask is drawn as [B*L, D]. */
        private SDVariable flatDropout(SDVariable x, double p) {
            return dropout(x, p, -3, config.hiddenSize());
        }

        private SDVariable dropoutMask(double p, int... dims) {
            String name = "bert/dropout/" + dropoutSites++;
            long[] shape = new long[dims.length];
            java.util.Arrays.fill(shape, -1);
            SDVariable mask = sd.placeHolder(name, dtype, shape);
            List<Integer> spec = new ArrayList<>();
            for (int d : dims) {
                spec.add(d);
            }
            adaptor.randomMask(name, "input_ids", spec, 1 - p);
            return mask;
        }

        private SDVariable normal(String name, int rows, int cols) {
            double[] w = new double[rows * cols];
            for (int i = 0; i < w.length; i++) {
                w[i] = config.initializerRange() * rng.nextGaussian();
            }
            INDArray arr = Nd4j.create(w, new long[]{rows, cols}, DataType.DOUBLE).castTo(dtype);
            return sd.var(name, arr);
        }
    }
}
