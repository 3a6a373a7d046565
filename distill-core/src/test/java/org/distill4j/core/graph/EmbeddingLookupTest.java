package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.checkpoint.Checkpoint;
import org.distill4j.core.checkpoint.CheckpointIO;
import org.distill4j.core.checkpoint.ExportedModel;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.support.BagOfEmbeddings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.distill4j.core.train.BasicTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The out-of-graph table lookup: its table gradient equals the in-graph one-hot reference (repeated ids add up),
 * training with it equals training with the reference, checkpoints and exports hold the table, and it is faster.
 */
class EmbeddingLookupTest {

    @TempDir
    Path dir;

    private static InMemoryExamples data(int n, int length, int vocab, long seed) {
        java.util.Random rng = new java.util.Random(seed);
        int[] ids = new int[n * length];
        float[] mask = new float[n * length];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int len = 2 + rng.nextInt(length - 1);
            for (int t = 0; t < length; t++) {
                ids[i * length + t] = rng.nextInt(Math.min(vocab, 6)); // few distinct ids: many repeats
                mask[i * length + t] = t < len ? 1 : 0;
            }
            labels[i] = ids[i * length] % 3;
        }
        return new InMemoryExamples(Map.of(
                "ids", Nd4j.createFromArray(ids).reshape(n, length).castTo(DataType.INT32),
                "mask", Nd4j.create(mask, new long[]{n, length}, 'c'),
                "label", Nd4j.createFromArray(labels).castTo(DataType.INT32)));
    }

    private static Map<String, INDArray> gradients(ModelGraph g, Batch batch) {
        g.sd().setLossVariables("ce");
        Map<String, INDArray> feeds = g.feeds(batch);
        List<String> names = new ArrayList<>(g.parameterNames());
        names.addAll(g.lookupRowNames());
        Map<String, INDArray> grads = new LinkedHashMap<>(g.sd().calculateGradients(feeds, names));
        g.scatterLookupGradients(grads, batch);
        return grads;
    }

    @Test
    void tableGradientEqualsTheOneHotReferenceWithRepeatedIds() {
        Batch batch = data(4, 7, 10, 1).batch(new int[]{0, 1, 2, 3});
        ModelGraph lookup = ModelGraph.create(new BagOfEmbeddings(10, 5, 3, true, DataType.DOUBLE), 7);
        ModelGraph reference = ModelGraph.create(new BagOfEmbeddings(10, 5, 3, false, DataType.DOUBLE), 7);
        assertFalse(lookup.parameterNames().contains("emb/rows"), "row holders are not parameters");
        Map<String, INDArray> a = gradients(lookup, batch);
        Map<String, INDArray> b = gradients(reference, batch);
        assertEquals(b.keySet(), a.keySet());
        for (String name : b.keySet()) {
            assertTrue(b.get(name).equalsWithEps(a.get(name), 1e-12), name + "\n" + b.get(name) + "\nvs\n" + a.get(name));
        }
        assertTrue(a.get("emb/table").getRow(9).sumNumber().doubleValue() == 0, "unused ids get no gradient");
    }

    private BasicTrainer trainer(boolean lookup, String out) {
        return BasicTrainer.builder()
                // SGD, not Adam: Adam divides by sqrt(v), which turns float rounding in near-zero gradients (the
                // scatter-add and the one-hot product sum in different orders) into full-size steps.
                .trainingConfig(TrainingConfig.builder().numEpochs(2).batchSize(8).seed(5)
                        .optimizer(OptimizerConfig.adamW(0.1).withName("sgd")).outputDir(dir.resolve(out).toString()).build())
                .student(new BagOfEmbeddings(10, 6, 3, lookup, DataType.FLOAT)).build();
    }

    @Test
    void trainingWithTheLookupEqualsTrainingWithTheReference() {
        InMemoryExamples train = data(40, 6, 10, 2);
        BasicTrainer lookup = trainer(true, "lookup");
        lookup.train(train);
        BasicTrainer reference = trainer(false, "reference");
        reference.train(train);
        for (String p : reference.student().parameterNames()) {
            assertTrue(reference.student().sd().getArrForVarName(p)
                    .equalsWithEps(lookup.student().sd().getArrForVarName(p), 1e-5), p);
        }
        Checkpoint ckpt = CheckpointIO.read(CheckpointIO.latest(dir.resolve("lookup")).orElseThrow());
        assertTrue(ckpt.parameters().containsKey("emb/table"));
        assertFalse(ckpt.parameters().containsKey("emb/rows"));

        Path export = dir.resolve("export");
        lookup.exportStudent(export);
        ModelGraph loaded = ExportedModel.load(export);
        assertEquals(lookup.student().predictLogits(train, 16), loaded.predictLogits(train, 16));
    }

    @Test
    void idsOutsideTheTableAreNamed() {
        ModelGraph lookup = ModelGraph.create(new BagOfEmbeddings(10, 5, 3, true, DataType.FLOAT), 7);
        Batch bad = new Batch(Map.of("ids", Nd4j.createFromArray(new int[][]{{1, 12}}), "mask", Nd4j.ones(1, 2),
                "label", Nd4j.createFromArray(0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lookup.feeds(bad));
        assertTrue(e.getMessage().contains("12") && e.getMessage().contains("emb/table"), e.getMessage());
    }

    /** A measurement, not a timed assertion: prints ms per gradient step for a 30522-token vocabulary. */
    @Test
    void lookupIsFasterThanOneHotForABertSizedVocabulary() {
        int vocab = 30522;
        InMemoryExamples d = data(16, 64, vocab, 3);
        Batch batch = d.batch(java.util.stream.IntStream.range(0, 16).toArray());
        double lookupMs = msPerStep(ModelGraph.create(new BagOfEmbeddings(vocab, 64, 3, true, DataType.FLOAT), 1), batch);
        double oneHotMs = msPerStep(ModelGraph.create(new BagOfEmbeddings(vocab, 64, 3, false, DataType.FLOAT), 1), batch);
        System.out.printf("embedding gradient step, V=30522 D=64, batch 16 x 64: lookup %.1f ms, one-hot %.1f ms (%.0fx)%n",
                lookupMs, oneHotMs, oneHotMs / lookupMs);
        assertTrue(lookupMs < oneHotMs, "lookup " + lookupMs + " ms vs one-hot " + oneHotMs + " ms");
    }

    private static double msPerStep(ModelGraph g, Batch batch) {
        gradients(g, batch);
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            gradients(g, batch);
        }
        return (System.nanoTime() - start) / 3e6;
    }
}
