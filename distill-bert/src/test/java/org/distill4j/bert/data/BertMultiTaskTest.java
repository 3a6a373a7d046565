package org.distill4j.bert.data;

import static org.distill4j.bert.data.DataFixtures.file;
import static org.distill4j.bert.data.DataFixtures.tokenizer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.train.MultiTaskDistiller;
import org.distill4j.core.train.TrainingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Two BERT tasks (3-way MNLI pairs, 2-way CoLA sentences) into one BERT student: the encoder, including the
 * looked-up word embeddings, is one array across tasks; each classifier is its task's own.
 */
class BertMultiTaskTest {

    @TempDir
    Path dir;

    @Test
    void twoClassifierHeadsShareOneBertEncoder() throws Exception {
        TaskDataset mnli = TsvClassificationReader.builder(tokenizer()).textA("sentence1").textB("sentence2")
                .label("gold_label").build().read(file("mnli-dev.tsv"));
        TaskDataset cola = TsvClassificationReader.builder(tokenizer())
                .headerless(List.of("source", "label", "original_label", "sentence")).build().read(file("cola-train.tsv"));
        BertConfig teacherConfig = BertConfig.of(30522, 16, 2, 2, 32, 128, 2);
        BertConfig studentConfig = BertConfig.of(30522, 8, 1, 2, 16, 128, 2);
        ModelGraph mnliTeacher = ModelGraph.create(new BertModel(teacherConfig, BertHead.SEQUENCE_CLASSIFICATION, 3), 1);
        ModelGraph colaTeacher = ModelGraph.create(new BertModel(teacherConfig, BertHead.SEQUENCE_CLASSIFICATION, 2), 2);
        MultiTaskDistiller d = MultiTaskDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numSteps(6).batchSize(2).seed(3).outputDir(dir.toString()).build())
                .distillationConfig(DistillationConfig.builder().temperature(4).hardLabelWeight(1).build())
                .task("mnli", mnliTeacher, new BertModel(studentConfig, BertHead.SEQUENCE_CLASSIFICATION, 3), null)
                .task("cola", colaTeacher, new BertModel(studentConfig, BertHead.SEQUENCE_CLASSIFICATION, 2), null)
                .sharedParameters(name -> name.startsWith("bert/"))
                .build();
        INDArray embeddingsBefore = d.student("mnli").sd().getArrForVarName(BertModel.WORD_EMBEDDINGS).dup();
        TrainingResult r = d.train(Map.of("mnli", mnli, "cola", cola));
        assertEquals(6, r.state().step());

        INDArray embeddings = d.student("mnli").sd().getArrForVarName(BertModel.WORD_EMBEDDINGS);
        assertSame(embeddings, d.student("cola").sd().getArrForVarName(BertModel.WORD_EMBEDDINGS));
        assertNotEquals(embeddingsBefore, embeddings, "the looked-up rows' gradients reach the shared table");
        assertEquals(List.of(8L, 3L), List.of(d.student("mnli").sd().getArrForVarName("classifier/kernel").shape()[0],
                d.student("mnli").sd().getArrForVarName("classifier/kernel").shape()[1]));
        assertEquals(2L, d.student("cola").sd().getArrForVarName("classifier/kernel").shape()[1]);

        d.exportStudent(dir.resolve("student"));
        assertTrue(Files.isDirectory(dir.resolve("student/mnli")) && Files.isDirectory(dir.resolve("student/cola")));
    }
}
