package org.distill4j.bert.data;

import java.util.List;
import java.util.Objects;
import org.distill4j.bert.text.Encoding;

/**
 * One encoded input of a {@link TaskDataset} with its label.
 *
 * @param id       where it came from: {@code "file:line"} for TSV rows and CoNLL sentences (line of the sentence's
 *                 first token), the question id for SQuAD features (several features share one id)
 * @param texts    the original texts the encoding's offsets index into: {@code texts.get(encoding.sequenceId(i))}
 *                 is the text of position {@code i} (one text, or two for pairs and SQuAD's question + context)
 * @param encoding the unpadded encoding, {@code [CLS] ... [SEP]}
 * @param label    the gold label, of the dataset's {@link TaskType}
 */
public record TaskExample(String id, List<String> texts, Encoding encoding, Label label) {

    /**
     * Checks for nulls and copies the text list.
     *
     * @param id       example id
     * @param texts    original texts
     * @param encoding the encoding
     * @param label    the label
     */
    public TaskExample {
        Objects.requireNonNull(id, "id");
        texts = List.copyOf(texts);
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(label, "label");
    }

    /**
     * The original text under a position, e.g. {@code "Café"} for the token {@code cafe}.
     *
     * @param position a position of the encoding
     * @return the text there, or {@code ""} for special tokens and padding
     */
    public String textAt(int position) {
        int seq = encoding.sequenceId(position);
        if (seq < 0) {
            return "";
        }
        return texts.get(seq).substring(encoding.start(position), encoding.end(position));
    }
}
