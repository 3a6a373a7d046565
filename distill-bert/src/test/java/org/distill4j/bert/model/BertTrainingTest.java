package org.distill4j.bert.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.LayerRef;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ArrayRecycling;
import org.distill4j.core.graph.ExactGelu;
import org.distill4j.core.graph.HostKernels;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.train.BasicTrainer;
import org.distill4j.core.train.GeneralDistiller;
import org.distill4j.core.train.StepLosses;
import org.distill4j.core.train.TrainingContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Gradients through a tiny BERT, dropout in training and inference, and BERT-to-BERT distillation with resume. */
class BertTrainingTest {

    @TempDir
    Path dir;

    private static final BertConfig TINY = new BertConfig(20, 8, 2, 2, 12, 10, 2, 1e-12, 0, 0, 0.02);

    private static Batch batch(int n, int length, long seed) {
        java.util.Random rng = new java.util.Random(seed);
        int[][] ids = new int[n][length];
        int[][] types = new int[n][length];
        int[][] mask = new int[n][length];
        int[] labels = new int[n];
        int[][] tokenLabels = new int[n][length];
        int[] start = new int[n];
        int[] end = new int[n];
        for (int i = 0; i < n; i++) {
            int len = 3 + rng.nextInt(length - 2);
            for (int t = 0; t < length; t++) {
                ids[i][t] = t < len ? 1 + rng.nextInt(19) : 0;
                mask[i][t] = t < len ? 1 : 0;
                types[i][t] = t >= len / 2 && t < len ? 1 : 0;
                tokenLabels[i][t] = t < len ? rng.nextInt(3) : -100;
            }
            labels[i] = ids[i][1] % 3;
            start[i] = rng.nextInt(len);
            end[i] = Math.min(len - 1, start[i] + rng.nextInt(3));
        }
        return new Batch(Map.of("input_ids", Nd4j.createFromArray(ids), "token_type_ids", Nd4j.createFromArray(types),
                "attention_mask", Nd4j.createFromArray(mask), "labels", Nd4j.createFromArray(labels),
                "token_labels", Nd4j.createFromArray(tokenLabels), "start_positions", Nd4j.createFromArray(start),
                "end_positions", Nd4j.createFromArray(end), "partial_labels", partial(labels)));
    }

    /** The labels with the second example unlabelled (-100), as a transfer set's row. */
    private static INDArray partial(int[] labels) {
        int[] p = labels.clone();
        p[Math.min(1, p.length - 1)] = -100;
        return Nd4j.createFromArray(p);
    }

    /** Double-precision gradient check of every parameter reached by the graph, for one head. */
    private static void gradientCheck(BertHead head, int labels, String labelField) {
        SameDiff sd = SameDiff.create();
        var model = new BertModel(TINY, head, labels, DataType.DOUBLE);
        var adaptor = model.build(sd, 3);
        for (SDVariable v : sd.variables()) { // larger weights than BERT's 0.02 so the check is not flat
            if (v.getVariableType() == VariableType.VARIABLE && v.getArr().rank() == 2 && !v.name().endsWith("word_embeddings")) {
                v.getArr().muli(20);
            }
        }
        Batch b = batch(3, 6, 1);
        Map<String, INDArray> fields = new java.util.HashMap<>(b.fields());
        if (labelField != null) {
            fields.put("labels", b.get(labelField));
        }
        ModelGraph g = new ModelGraph(sd, adaptor);
        Map<String, INDArray> feeds = g.feeds(new Batch(fields));
        sd.getArrForVarName("bert/embeddings/word_rows").muli(20);
        sd.setLossVariables("loss");
        // Every parameter the graph reaches, plus the row holder through which the word table learns.
        java.util.List<String> vars = new java.util.ArrayList<>(g.parameterNames());
        vars.remove(BertModel.WORD_EMBEDDINGS);
        vars.add("bert/embeddings/word_rows");
        double worst = FiniteDifferences.worstRelativeError(sd, feeds, "loss", vars, 4, 17);
        assertTrue(worst < 1e-4, head + ": worst relative gradient error " + worst);
    }

    @Test
    void gradientsThroughSequenceClassification() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            gradientCheck(BertHead.SEQUENCE_CLASSIFICATION, 3, null);
            gradientCheck(BertHead.SEQUENCE_CLASSIFICATION, 3, "partial_labels"); // the unlabelled row is skipped
            gradientCheck(BertHead.TOKEN_CLASSIFICATION, 3, "token_labels");
            gradientCheck(BertHead.QUESTION_ANSWERING, 0, null);
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }

    @Test
    void dropoutIsActiveWhileTrainingAndOffAtInference() {
        BertConfig withDropout = new BertConfig(20, 16, 1, 2, 16, 10, 2, 1e-12, 0.5, 0.5, 0.02);
        ModelGraph g = ModelGraph.create(new BertModel(withDropout, BertHead.NONE, 0), 3);
        Batch b = batch(4, 8, 2);
        INDArray inference1 = g.output(b, List.of("bert/hidden/0")).get("bert/hidden/0");
        INDArray inference2 = g.output(b, List.of("bert/hidden/0")).get("bert/hidden/0");
        assertEquals(inference1, inference2, "no dropout at inference");
        g.setTraining(true);
        Nd4j.getRandom().setSeed(11);
        INDArray train1 = g.output(b, List.of("bert/hidden/0")).get("bert/hidden/0");
        Nd4j.getRandom().setSeed(11);
        INDArray train2 = g.output(b, List.of("bert/hidden/0")).get("bert/hidden/0");
        Nd4j.getRandom().setSeed(12);
        INDArray train3 = g.output(b, List.of("bert/hidden/0")).get("bert/hidden/0");
        g.setTraining(false);
        assertEquals(train1, train2, "the same seed gives the same mask");
        assertNotEquals(train1, train3, "another seed gives another mask");
        // Inverted dropout: kept entries are scaled by 1/keep, dropped ones are 0; about half are dropped.
        INDArray ratio = train1.div(inference1);
        long zeros = 0;
        for (double r : ratio.data().asDouble()) {
            assertTrue(Math.abs(r) < 1e-5 || Math.abs(r - 2.0) < 1e-4, "entry scaled by " + r);
            zeros += Math.abs(r) < 1e-5 ? 1 : 0;
        }
        double dropped = (double) zeros / ratio.length();
        assertTrue(dropped > 0.4 && dropped < 0.6, "dropped fraction " + dropped);
    }

    @Test
    void dropoutGradientFlowsThroughKeptEntriesOnly() {
        BertConfig withDropout = new BertConfig(20, 16, 1, 2, 16, 10, 2, 1e-12, 0.5, 0, 0.02);
        ModelGraph g = ModelGraph.create(new BertModel(withDropout, BertHead.SEQUENCE_CLASSIFICATION, 3), 3);
        g.setTraining(true);
        Batch b = batch(4, 8, 2);
        Map<String, INDArray> feeds = g.feeds(b);
        g.sd().setLossVariables("loss");
        Nd4j.getRandom().setSeed(5);
        Map<String, INDArray> grads = g.sd().calculateGradients(feeds, List.of("bert/embeddings/word_rows", "classifier/kernel"));
        INDArray rowsGrad = grads.get("bert/embeddings/word_rows");
        assertTrue(rowsGrad.norm2Number().doubleValue() > 0, "gradient reaches the embeddings through dropout");
        assertTrue(grads.get("classifier/kernel").norm2Number().doubleValue() > 0);
    }

    /**
     * {@link ArrayRecycling} on a BERT training step with dropout: the same gradients and outputs bit for bit as the
     * graph without it, run after run, and a thread cache that stops growing.
     */
    @Test
    void recycledArraysChangeNoGradientOfBert() {
        ModelGraph plain = smallTrainingClassifier();
        ArrayRecycling.detach(plain.sd());
        ModelGraph recycled = smallTrainingClassifier();
        List<String> names = gradientNames(plain);
        List<String> outputs = List.of("loss", "logits");
        List<Integer> cached = new java.util.ArrayList<>();
        try {
            for (int run = 0; run < 12; run++) {
                Batch b = batch(4, 8, 30 + run);
                Map<String, org.nd4j.autodiff.samediff.api.OutAndGrad> results = new java.util.HashMap<>();
                for (ModelGraph g : List.of(plain, recycled)) {
                    Nd4j.getRandom().setSeed(run + 1); // the same dropout masks for both (not 0: see seedZero...)
                    results.put(g == plain ? "plain" : "recycled",
                            g.sd().calculateGradientsAndOutputs(g.feeds(b), outputs, names));
                    g.releaseSessionMemory();
                }
                if (run < 4) {
                    for (String n : names) {
                        assertEquals(results.get("plain").getGradients().get(n),
                                results.get("recycled").getGradients().get(n), "run " + run + ": " + n);
                    }
                    for (String o : outputs) {
                        assertEquals(results.get("plain").getOutputs().get(o),
                                results.get("recycled").getOutputs().get(o), "run " + run + ": " + o);
                    }
                }
                cached.add(ArrayRecycling.cachedArraysOfThisThread());
            }
            int settled = Math.max(cached.get(1), cached.get(2));
            assertTrue(cached.get(11) <= settled + 8, "arrays in the thread's cache after each run: " + cached);
        } finally {
            ArrayRecycling.releaseThisThread();
        }
    }

    /**
     * {@link HostKernels} (layer norms, erf, bias gradients and the fast-form GELU in Java) on a BERT training step
     * with dropout: the gradients and outputs of the portable graph run by ND4J's native ops alone, to float rounding
     * (ND4J sums the layer norms' scale and shift gradients in float, the kernel in double; erf and GELU are within
     * 1e-6).
     */
    @Test
    void hostKernelsGiveTheGradientsOfTheNativeOps() {
        ModelGraph nativeOps = smallTrainingClassifier(true);
        HostKernels.detach(nativeOps.sd());
        ModelGraph kernels = smallTrainingClassifier();
        assertEquals(List.of(), ExactGelu.fastFormOutputs(nativeOps.sd()));
        assertEquals(2, ExactGelu.fastFormOutputs(kernels.sd()).size(), "one fast-form GELU per layer");
        List<String> names = gradientNames(kernels);
        List<String> outputs = List.of("loss", "logits");
        for (int run = 0; run < 2; run++) {
            Batch b = batch(4, 8, 50 + run);
            List<org.nd4j.autodiff.samediff.api.OutAndGrad> results = new java.util.ArrayList<>();
            for (ModelGraph g : List.of(nativeOps, kernels)) {
                Nd4j.getRandom().setSeed(run + 1); // the same dropout masks for both
                results.add(g.sd().calculateGradientsAndOutputs(g.feeds(b), outputs, names));
                g.releaseSessionMemory();
            }
            boolean bitForBit = true;
            for (String n : names) {
                INDArray expected = results.get(0).getGradients().get(n);
                INDArray actual = results.get(1).getGradients().get(n);
                if (expected == null || actual == null) {
                    assertEquals(expected, actual, "run " + run + ": gradient of " + n); // not reached by the loss
                    continue;
                }
                assertClose(expected, actual, "run " + run + ": gradient of " + n);
                bitForBit &= expected.sub(actual).amaxNumber().doubleValue() == 0;
            }
            // two implementations ran: some gradient differs in its last bits
            assertFalse(bitForBit, "run " + run + ": the graph without HostKernels still ran them");
            for (String o : outputs) {
                assertClose(results.get(0).getOutputs().get(o), results.get(1).getOutputs().get(o), "run " + run + ": " + o);
            }
        }
    }

    /** A two-layer BERT classifier with dropout (seed 3), in training mode, its loss set. */
    private static ModelGraph smallTrainingClassifier() {
        return smallTrainingClassifier(false);
    }

    /** The classifier above, built with {@link ModelGraph#createPortable} (ND4J's ops only) if asked. */
    private static ModelGraph smallTrainingClassifier(boolean portable) {
        BertConfig small = new BertConfig(20, 16, 2, 2, 32, 10, 2, 1e-12, 0.1, 0.1, 0.02);
        BertModel model = new BertModel(small, BertHead.SEQUENCE_CLASSIFICATION, 3);
        ModelGraph g = portable ? ModelGraph.createPortable(model, 3) : ModelGraph.create(model, 3);
        g.setTraining(true);
        g.sd().setLossVariables("loss");
        return g;
    }

    /** The parameters and lookup rows of a graph: what a training step takes gradients of. */
    private static List<String> gradientNames(ModelGraph g) {
        List<String> names = new java.util.ArrayList<>(g.parameterNames());
        names.addAll(g.lookupRowNames());
        return names;
    }

    /** Equal to 1e-4 of the largest entry (float rounding through two layers). */
    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-4 * scale, what + " differs by " + diff + " (largest entry " + scale + ")");
    }

    private static InMemoryExamples dataset(int n, long seed) {
        Batch b = batch(n, 8, seed);
        return new InMemoryExamples(Map.of("input_ids", b.get("input_ids"), "token_type_ids", b.get("token_type_ids"),
                "attention_mask", b.get("attention_mask"), "labels", b.get("labels")));
    }

    private GeneralDistiller distiller(ModelGraph teacher, String out, TrainingListener listener, Path resume) {
        return distiller(teacher, out, listener, resume, true);
    }

    private GeneralDistiller distiller(ModelGraph teacher, String out, TrainingListener listener, Path resume,
                                       boolean overlapTeacher) {
        return distiller(teacher, out, listener, resume, overlapTeacher, 3);
    }

    private GeneralDistiller distiller(ModelGraph teacher, String out, TrainingListener listener, Path resume,
                                       boolean overlapTeacher, long seed) {
        BertConfig student = new BertConfig(20, 8, 1, 2, 16, 10, 2, 1e-12, 0.1, 0.1, 0.02);
        var b = GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(2).batchSize(8).seed(seed).maxGradNorm(1.0)
                        .overlapTeacher(overlapTeacher)
                        .optimizer(OptimizerConfig.adamW(1e-3)).outputDir(dir.resolve(out).toString()).build())
                .distillationConfig(DistillationConfig.builder().temperature(4).hardLabelWeight(1).intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, null)),
                        new IntermediateMatch(LayerRef.of(1), LayerRef.of(0), "attention", "attention_ce", 1.0, null, null),
                        new IntermediateMatch(LayerRef.of(1), LayerRef.of(0), "value", "minilm_value", 1.0, null, 2)))
                        .build())
                .teacher(teacher).student(new BertModel(student, BertHead.SEQUENCE_CLASSIFICATION, 3));
        if (listener != null) {
            b.listener(listener);
        }
        if (resume != null) {
            b.resumeFrom(resume);
        }
        return b.build();
    }

    /** A 2-layer BERT teacher with dropout (off while it teaches), briefly trained. */
    private ModelGraph trainedTeacher() {
        BertConfig teacherConfig = new BertConfig(20, 16, 2, 2, 32, 10, 2, 1e-12, 0.1, 0.1, 0.02);
        BasicTrainer trainer = BasicTrainer.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(2).batchSize(8).seed(1)
                        .optimizer(OptimizerConfig.adamW(1e-3)).outputDir(dir.resolve("teacher").toString()).build())
                .student(new BertModel(teacherConfig, BertHead.SEQUENCE_CLASSIFICATION, 3)).build();
        trainer.train(dataset(48, 7));
        return trainer.trainedModel();
    }

    /**
     * The teacher thread (training.overlap_teacher) with BERT graphs: embedding lookups set into the teacher's graph
     * from its thread, padding masks, the student's dropout, attention and value matches, clipping; the same weights
     * bit for bit as one thread.
     */
    @Test
    void theTeacherThreadChangesNoNumberOfABertDistillation() {
        ModelGraph teacher = trainedTeacher();
        GeneralDistiller serial = distiller(teacher, "serial", null, null, false);
        serial.train(dataset(40, 8));
        List<Long> fresh = new java.util.ArrayList<>();
        TrainingListener freshBytes = new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                fresh.add(ArrayRecycling.freshBytesOfThisThread()); // the loop's thread: the student's steps only
            }
        };
        GeneralDistiller overlap = distiller(teacher, "overlap", freshBytes, null, true);
        overlap.train(dataset(40, 8));
        GeneralDistiller plain;
        System.setProperty(ArrayRecycling.PROPERTY, "false");
        ArrayRecycling.detach(teacher.sd());
        try {
            plain = distiller(teacher, "no-recycling", null, null, true);
            plain.train(dataset(40, 8));
        } finally {
            System.clearProperty(ArrayRecycling.PROPERTY);
            ArrayRecycling.attach(teacher.sd());
        }
        for (String p : serial.student().parameterNames()) {
            assertArrayEquals(serial.student().sd().getArrForVarName(p).dup().reshape(-1).toFloatVector(),
                    overlap.student().sd().getArrForVarName(p).dup().reshape(-1).toFloatVector(), 0f, p);
            assertArrayEquals(plain.student().sd().getArrForVarName(p).dup().reshape(-1).toFloatVector(),
                    overlap.student().sd().getArrForVarName(p).dup().reshape(-1).toFloatVector(), 0f,
                    "with and without ArrayRecycling: " + p);
        }
        // Dropout masks, the word-embedding table's gradient, Adam's update arrays and the graph's arrays all come
        // from what the step before gave back, once the first epoch (5 updates) has run.
        assertEquals(fresh.get(4), fresh.get(9), "new bytes lent on the loop's thread after each update: " + fresh);
    }

    /** training.seed 0 repeats a run with dropout bit for bit (ND4J M2.1 seeds from the clock when given 0). */
    @Test
    void seedZeroRepeatsARunWithDropout() {
        ModelGraph teacher = trainedTeacher();
        GeneralDistiller one = distiller(teacher, "zero1", null, null, false, 0);
        one.train(dataset(16, 8));
        GeneralDistiller two = distiller(teacher, "zero2", null, null, false, 0);
        two.train(dataset(16, 8));
        for (String p : one.student().parameterNames()) {
            assertArrayEquals(one.student().sd().getArrForVarName(p).dup().reshape(-1).toFloatVector(),
                    two.student().sd().getArrForVarName(p).dup().reshape(-1).toFloatVector(), 0f, p);
        }
    }

    @Test
    void bertDistillsIntoASmallerBertAndResumesExactlyWithDropout() {
        ModelGraph teacher = trainedTeacher();

        Set<String> terms = new HashSet<>();
        GeneralDistiller full = distiller(teacher, "full", new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                terms.addAll(losses.unweighted().keySet());
                losses.unweighted().values().forEach(v -> assertTrue(Double.isFinite(v)));
            }
        }, null);
        full.train(dataset(40, 8));
        assertEquals(Set.of("kd", "hard_label:loss", "match0:hidden_mse(T2,S1)", "match1:attention_ce(T1,S0)",
                "match2:minilm_value(T1,S0)"), terms);

        GeneralDistiller first = distiller(teacher, "split", new TrainingListener() {
            @Override
            public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                if (ctx.state().step() == 3) {
                    ctx.requestStop("interrupted");
                }
            }
        }, null);
        first.train(dataset(40, 8));
        GeneralDistiller resumed = distiller(teacher, "split", null, dir.resolve("split"));
        resumed.train(dataset(40, 8));
        for (String p : full.student().parameterNames()) {
            assertTrue(full.student().sd().getArrForVarName(p).equalsWithEps(resumed.student().sd().getArrForVarName(p), 1e-6), p);
        }
    }
}
