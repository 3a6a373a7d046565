package org.distill4j.core.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A batch post-processor that augments the token ids of single-segment sequences ([CLS] text [SEP] pad...):
 * the text tokens of each row go through a {@link TokenTransform} (e.g. {@link TokenAugmentation#masking}), the
 * leading and trailing special tokens stay, and the row is re-padded to the batch's length (truncated if it grew)
 * with the attention mask rebuilt. Labels per example are untouched, so it suits sequence-level tasks, not token
 * labels.
 */
public final class SequenceAugmenter implements BatchPostprocessor {

    /** Augments one row's text tokens. */
    @FunctionalInterface
    public interface TokenTransform {
        List<Integer> apply(List<Integer> tokens, Random rng);
    }

    private final String idsField;
    private final String maskField;
    private final Set<Integer> specialIds;
    private final int padId;
    private final TokenTransform transform;

    /**
     * @param idsField   batch field with token ids [B, L]
     * @param maskField  batch field with the attention mask [B, L] (1 = token)
     * @param specialIds ids kept in place at the start and end of a row ([CLS], [SEP])
     * @param padId      id written after the last token
     */
    public SequenceAugmenter(String idsField, String maskField, Set<Integer> specialIds, int padId, TokenTransform transform) {
        this.idsField = idsField;
        this.maskField = maskField;
        this.specialIds = Set.copyOf(specialIds);
        this.padId = padId;
        this.transform = transform;
    }

    @Override
    public Batch process(Batch batch, Random rng) {
        INDArray ids = batch.get(idsField);
        INDArray mask = batch.get(maskField);
        int rows = (int) ids.size(0);
        int length = (int) ids.size(1);
        int[][] outIds = new int[rows][length];
        int[][] outMask = new int[rows][length];
        int[][] inIds = ids.toIntMatrix();
        int[][] inMask = mask.castTo(DataType.INT32).toIntMatrix();
        for (int r = 0; r < rows; r++) {
            List<Integer> real = new ArrayList<>();
            for (int t = 0; t < length; t++) {
                if (inMask[r][t] != 0) {
                    real.add(inIds[r][t]);
                }
            }
            int head = 0;
            while (head < real.size() && specialIds.contains(real.get(head))) {
                head++;
            }
            int tail = real.size();
            while (tail > head && specialIds.contains(real.get(tail - 1))) {
                tail--;
            }
            List<Integer> row = new ArrayList<>(real.subList(0, head));
            row.addAll(transform.apply(new ArrayList<>(real.subList(head, tail)), rng));
            List<Integer> ending = real.subList(tail, real.size());
            int room = length - ending.size();
            if (row.size() > room) {
                row = new ArrayList<>(row.subList(0, room));
            }
            row.addAll(ending);
            for (int t = 0; t < length; t++) {
                outIds[r][t] = t < row.size() ? row.get(t) : padId;
                outMask[r][t] = t < row.size() ? 1 : 0;
            }
        }
        Map<String, INDArray> fields = new LinkedHashMap<>(batch.fields());
        fields.put(idsField, Nd4j.createFromArray(outIds).castTo(ids.dataType()));
        fields.put(maskField, Nd4j.createFromArray(outMask).castTo(mask.dataType()));
        return new Batch(fields);
    }
}
