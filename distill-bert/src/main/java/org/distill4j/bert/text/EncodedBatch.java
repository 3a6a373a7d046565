package org.distill4j.bert.text;

import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A batch of {@link Encoding}s padded to one common length, as model inputs. Shapes are {@code [B, L]}: B =
 * {@link #batchSize()} rows, L = {@link #sequenceLength()} positions.
 *
 * <p>The array getters build fresh plain Java arrays on each call; the {@code ...Array()} methods build ND4J
 * {@code INT32} arrays (which need an ND4J backend at run time).
 *
 * @param encodings the rows, all of the same length (unmodifiable, at least one)
 */
public record EncodedBatch(List<Encoding> encodings) {

    /**
     * Copies the list and checks that it is non-empty and rectangular.
     *
     * @param encodings the rows
     */
    public EncodedBatch {
        encodings = List.copyOf(encodings);
        if (encodings.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one encoding");
        }
        int length = encodings.get(0).length();
        for (int i = 1; i < encodings.size(); i++) {
            if (encodings.get(i).length() != length) {
                throw new IllegalArgumentException("encoding " + i + " has length " + encodings.get(i).length()
                        + ", encoding 0 has " + length + ": pad them to one length first");
            }
        }
    }

    /** @return B, the number of rows */
    public int batchSize() {
        return encodings.size();
    }

    /** @return L, the padded sequence length */
    public int sequenceLength() {
        return encodings.get(0).length();
    }

    /**
     * @param i row index in {@code [0, B)}
     * @return row {@code i}
     */
    public Encoding get(int i) {
        return encodings.get(i);
    }

    /** @return token ids, {@code [B][L]} */
    public int[][] ids() {
        return collect(Encoding::ids);
    }

    /** @return token type ids, {@code [B][L]} */
    public int[][] typeIds() {
        return collect(Encoding::typeIds);
    }

    /** @return attention mask (1 real, 0 padding), {@code [B][L]} */
    public int[][] attentionMask() {
        return collect(Encoding::attentionMask);
    }

    /** @return token ids as an ND4J {@code INT32} array of shape {@code [B, L]} */
    public INDArray idsArray() {
        return Nd4j.createFromArray(ids());
    }

    /** @return token type ids as an ND4J {@code INT32} array of shape {@code [B, L]} */
    public INDArray typeIdsArray() {
        return Nd4j.createFromArray(typeIds());
    }

    /** @return attention mask as an ND4J {@code INT32} array of shape {@code [B, L]} */
    public INDArray attentionMaskArray() {
        return Nd4j.createFromArray(attentionMask());
    }

    private int[][] collect(Function<Encoding, int[]> field) {
        int[][] out = new int[encodings.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = field.apply(encodings.get(i)); // the accessor already returns a copy
        }
        return out;
    }
}
