package org.distill4j.bert.data;

import static org.distill4j.bert.data.DataFixtures.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.ExampleSet;
import org.distill4j.core.data.ExampleSets;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.train.GeneralDistiller;
import org.distill4j.core.train.TrainingResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Teacher and student with different tokenizers: the batch holds both tokenizations of each example (the teacher's
 * under "teacher."), the teacher reads its own, and KD needs only the shared label space.
 */
class TwoTokenizersTest {

    @TempDir
    Path dir;

    @Test
    void theTeacherReadsItsOwnTokenizationFromTheSameBatch() throws Exception {
        BertTokenizer teacherTokenizer = DataFixtures.tokenizer(); // bert-base-uncased, 30522 word pieces
        // The student's vocabulary: the first 3000 entries (specials and single characters) - other ids, longer sequences.
        List<String> lines = IntStream.range(0, 3000).mapToObj(i -> DataFixtures.vocabulary().token(i)).toList();
        BertTokenizer studentTokenizer = BertTokenizer.builder(Vocabulary.fromLines(lines, "small-vocab")).build();
        TaskDataset forTeacher = TsvClassificationReader.builder(teacherTokenizer).textA("sentence1").textB("sentence2")
                .label("gold_label").build().read(file("mnli-dev.tsv"));
        TaskDataset forStudent = TsvClassificationReader.builder(studentTokenizer).textA("sentence1").textB("sentence2")
                .label("gold_label").build().read(file("mnli-dev.tsv"));
        assertEquals(forTeacher.labelVocabulary(), forStudent.labelVocabulary());
        assertNotEquals(forTeacher.longestLength(), forStudent.longestLength(), "the two tokenizations differ");

        ExampleSet joined = ExampleSets.join(forStudent, forTeacher, "teacher.");
        int labels = forTeacher.numLabels();
        ModelGraph plainTeacher = ModelGraph.create(new BertModel(BertConfig.of(30522, 16, 1, 2, 32, 128, 2),
                BertHead.SEQUENCE_CLASSIFICATION, labels), 7);
        ModelGraph teacher = plainTeacher.readingFieldsWithPrefix("teacher.");
        int[] idx = IntStream.range(0, forTeacher.size()).toArray();
        INDArray viaJoined = teacher.output(joined.batch(idx), List.of("logits")).get("logits");
        INDArray direct = plainTeacher.output(forTeacher.batch(idx), List.of("logits")).get("logits");
        assertEquals(direct, viaJoined, "the prefixed teacher sees exactly its own tokenization");

        GeneralDistiller d = GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numSteps(3).batchSize(4).seed(2).outputDir(dir.toString()).build())
                .distillationConfig(DistillationConfig.builder().temperature(4).hardLabelWeight(0.5).build())
                .teacher(teacher)
                .student(new BertModel(BertConfig.of(3000, 8, 1, 2, 16, 128, 2), BertHead.SEQUENCE_CLASSIFICATION, labels))
                .build();
        TrainingResult r = d.train(joined);
        assertEquals(3, r.state().step());
        assertTrue(Double.isFinite(r.lastLosses().unweighted().get("kd")), r.lastLosses().toString());

        ConfigException sizes = assertThrows(ConfigException.class, () -> ExampleSets.join(forStudent,
                new org.distill4j.core.data.InMemoryExamples(java.util.Map.of("x", org.nd4j.linalg.factory.Nd4j.zeros(1, 1))), "t."));
        assertTrue(sizes.getMessage().contains("4 vs 1"), sizes.getMessage());
    }
}
