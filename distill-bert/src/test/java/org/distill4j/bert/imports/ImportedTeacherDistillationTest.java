package org.distill4j.bert.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.LayerRef;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.TrainingListener;
import org.distill4j.core.train.GeneralDistiller;
import org.distill4j.core.train.StepLosses;
import org.distill4j.core.train.TrainingContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Imported models as frozen teachers. The ONNX-imported BERT as the frozen teacher of a GeneralDistiller run with a smaller native {@link BertModel}
 * student: KD on the imported logits, hidden_mse from the imported hidden states through a linear projection
 * (student width 16 -> teacher width 32), and attention_ce on the imported attention probabilities; a TensorFlow
 * frozen graph as the KD teacher of the same student.
 */
class ImportedTeacherDistillationTest {

    @TempDir
    Path dir;

    /** n examples of length 10 over the teacher's vocabulary (40 ids, 0 = padding), labels from a simple rule. */
    private static InMemoryExamples data(int n, long seed) {
        java.util.Random rng = new java.util.Random(seed);
        int length = 10;
        int[][] ids = new int[n][length];
        int[][] types = new int[n][length];
        int[][] mask = new int[n][length];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int len = 4 + rng.nextInt(length - 3);
            for (int t = 0; t < len; t++) {
                ids[i][t] = t == 0 ? 2 : 3 + rng.nextInt(37);
                mask[i][t] = 1;
                types[i][t] = t >= len / 2 ? 1 : 0;
            }
            labels[i] = ids[i][1] % 3;
        }
        return new InMemoryExamples(Map.of("input_ids", Nd4j.createFromArray(ids), "token_type_ids", Nd4j.createFromArray(types),
                "attention_mask", Nd4j.createFromArray(mask), "labels", Nd4j.createFromArray(labels)));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    @Test
    void importedOnnxTeacherDistilsIntoANativeBertStudent() {
        ModelGraph teacher = ModelImports.onnx(ImportFixtures.file("bert_tiny.onnx")).teacher(TeacherSpec.bert(ImportFixtures.LAYERS));
        InMemoryExamples train = data(24, 5);
        Batch probe = train.batch(new int[] {0, 1, 2, 3});
        INDArray teacherBefore = teacher.output(probe, List.of("logits", "hidden_2")).get("hidden_2").dup();

        BertConfig studentConfig = new BertConfig(40, 16, 1, 4, 32, 24, 2, 1e-12, 0, 0, 0.02);
        Set<String> terms = new HashSet<>();
        List<Double> kd = new ArrayList<>();
        List<Double> hidden = new ArrayList<>();
        GeneralDistiller distiller = GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numSteps(12).batchSize(8).seed(7).maxGradNorm(1.0)
                        .optimizer(OptimizerConfig.adamW(3e-3)).outputDir(dir.resolve("run").toString()).build())
                .distillationConfig(DistillationConfig.builder().temperature(2).hardLabelWeight(0.5).intermediateMatches(List.of(
                        IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 16, 32, null)),
                        new IntermediateMatch(LayerRef.of(1), LayerRef.of(0), "attention", "attention_ce", 1.0, null, null)))
                        .build())
                .teacher(teacher)
                .student(new BertModel(studentConfig, BertHead.SEQUENCE_CLASSIFICATION, 3))
                .listener(new TrainingListener() {
                    @Override
                    public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                        terms.addAll(losses.unweighted().keySet());
                        losses.unweighted().forEach((k, v) -> assertTrue(Double.isFinite(v), k + " = " + v));
                        kd.add(losses.unweighted().get("kd"));
                        hidden.add(losses.unweighted().get("match0:hidden_mse(T2,S1)"));
                    }
                })
                .build();
        ModelGraph untrained = distiller.trainedModel();
        distiller.train(train);

        assertEquals(Set.of("kd", "hard_label:loss", "match0:hidden_mse(T2,S1)", "match1:attention_ce(T1,S0)"), terms);
        assertEquals(12, kd.size());
        assertTrue(mean(kd.subList(9, 12)) < mean(kd.subList(0, 3)), "KD loss against the imported logits goes down: " + kd);
        assertTrue(mean(hidden.subList(9, 12)) < 0.8 * mean(hidden.subList(0, 3)),
                "hidden_mse against the imported hidden states goes down: " + hidden);
        ModelGraph trained = distiller.trainedModel();
        boolean changed = false;
        for (String p : trained.parameterNames()) {
            changed |= !trained.sd().getArrForVarName(p).equalsWithEps(untrained.sd().getArrForVarName(p), 1e-7);
        }
        assertTrue(changed, "the student was updated");
        // The imported teacher is frozen: same outputs after the run.
        INDArray teacherAfter = teacher.output(probe, List.of("hidden_2")).get("hidden_2");
        assertTrue(teacherBefore.equalsWithEps(teacherAfter, 0), "the teacher did not change");
        assertFalse(teacher.parameterCount() > 0, "an imported teacher has no trainable parameters (its weights are constants)");
    }

    @Test
    void importedTensorFlowTeacherDistilsIntoANativeBertStudent() throws Exception {
        Path pb = dir.resolve("classifier.pb");
        FrozenGraphs.Classifier.random(40, 12, 16, 3, 11).write(pb);
        ModelGraph teacher = ModelImports.tensorFlow(pb).teacher(TeacherSpec.builder().input("input_ids")
                .input("attention_mask").logits("logits").build());
        List<Double> kd = new ArrayList<>();
        GeneralDistiller distiller = GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numSteps(12).batchSize(8).seed(7)
                        .optimizer(OptimizerConfig.adamW(3e-3)).outputDir(dir.resolve("tf").toString()).build())
                .distillationConfig(DistillationConfig.builder().temperature(2).hardLabelWeight(0).build())
                .teacher(teacher)
                .student(new BertModel(new BertConfig(40, 16, 1, 4, 32, 24, 2, 1e-12, 0, 0, 0.02), BertHead.SEQUENCE_CLASSIFICATION, 3))
                .listener(new TrainingListener() {
                    @Override
                    public void onStepEnd(TrainingContext ctx, StepLosses losses) {
                        kd.add(losses.unweighted().get("kd"));
                    }
                })
                .build();
        distiller.train(data(24, 5));
        assertEquals(12, kd.size());
        assertTrue(kd.stream().allMatch(Double::isFinite), kd.toString());
        assertTrue(mean(kd.subList(9, 12)) < mean(kd.subList(0, 3)), "KD loss against the imported logits goes down: " + kd);
    }
}
