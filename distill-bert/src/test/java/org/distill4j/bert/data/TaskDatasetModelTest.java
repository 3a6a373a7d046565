package org.distill4j.bert.data;

import static org.distill4j.bert.data.DataFixtures.file;
import static org.distill4j.bert.data.DataFixtures.tokenizer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.core.graph.ModelGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The batches feed a (tiny, random) BertModel of each head and give a finite loss. */
class TaskDatasetModelTest {

    private static final BertTokenizer TOKENIZER = tokenizer();

    private static double loss(BertHead head, TaskDataset d) {
        BertConfig config = BertConfig.of(TOKENIZER.vocabulary().size(), 8, 1, 2, 16, 64, 2);
        ModelGraph g = ModelGraph.create(new BertModel(config, head, d.numLabels()), 7);
        int[] all = IntStream.range(0, d.size()).toArray();
        INDArray loss = g.output(d.batch(all), List.of("loss")).get("loss");
        assertEquals(1, loss.length());
        return loss.getDouble(0);
    }

    @Test
    void everyTaskFeedsTheModel() throws IOException {
        TaskDataset pairs = TsvClassificationReader.builder(TOKENIZER).textA("sentence1").textB("sentence2")
                .label("gold_label").build().read(file("mnli-dev.tsv"));
        TaskDataset tags = TsvClassificationReader.builder(TOKENIZER).textA("text").label("tags")
                .type(TaskType.MULTI_LABEL).build().read(file("tags-train.tsv"));
        TaskDataset ner = ConllReader.builder(TOKENIZER).build().read(file("conll-train.txt"));
        TaskDataset qa = SquadReader.builder(TOKENIZER).maxLength(32).docStride(8).maxQueryLength(10).build()
                .read(file("squad-train.json")).dataset();
        for (double l : new double[] {loss(BertHead.SEQUENCE_CLASSIFICATION, pairs), loss(BertHead.MULTI_LABEL, tags),
                loss(BertHead.TOKEN_CLASSIFICATION, ner), loss(BertHead.QUESTION_ANSWERING, qa)}) {
            assertTrue(Double.isFinite(l) && l > 0, "loss " + l);
        }
    }
}
