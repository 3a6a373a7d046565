package org.distill4j.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** TextBrewer's augmentation helpers and the sequence augmenter. */
class AugmentationTest {

    private static final List<Integer> TOKENS = IntStream.range(0, 2000).boxed().toList();

    @Test
    void maskingReplacesAboutPOfTheTokens() {
        List<Integer> out = TokenAugmentation.masking(TOKENS, 0.2, -1, new Random(1));
        long masked = out.stream().filter(t -> t == -1).count();
        assertEquals(2000, out.size());
        assertTrue(masked > 330 && masked < 470, "masked " + masked);
        for (int i = 0; i < out.size(); i++) {
            assertTrue(out.get(i) == -1 || out.get(i) == i);
        }
        assertEquals(out, TokenAugmentation.masking(TOKENS, 0.2, -1, new Random(1)), "the same seed gives the same result");
    }

    @Test
    void deletingKeepsOrderAndAbout1MinusP() {
        List<Integer> out = TokenAugmentation.deleting(TOKENS, 0.3, new Random(2));
        assertTrue(out.size() > 1300 && out.size() < 1500, "kept " + out.size());
        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i) > out.get(i - 1), "order kept");
        }
    }

    @Test
    void nGramSamplingReturnsAContiguousSpanOfADrawnLength() {
        Random rng = new Random(3);
        Map<Integer, Integer> lengths = new HashMap<>();
        for (int k = 0; k < 500; k++) {
            List<Integer> span = TokenAugmentation.nGramSampling(TOKENS.subList(0, 20), new double[]{0.5, 0, 0.5},
                    new int[]{1, 2, 3}, rng);
            lengths.merge(span.size(), 1, Integer::sum);
            for (int i = 1; i < span.size(); i++) {
                assertEquals(span.get(i - 1) + 1, span.get(i));
            }
        }
        assertEquals(Set.of(1, 3), lengths.keySet());
        assertEquals(List.of(4, 5), TokenAugmentation.nGramSampling(List.of(4, 5), new double[]{1}, new int[]{3}, rng));
    }

    @Test
    void shortDisorderOnlyMovesTokensLocally() {
        List<Integer> out = TokenAugmentation.shortDisorder(TOKENS, new double[]{0.6, 0.1, 0.1, 0.1, 0.1}, new Random(4));
        assertEquals(new ArrayList<>(TOKENS), out.stream().sorted().toList(), "a permutation");
        int moved = 0;
        for (int i = 0; i < out.size(); i++) {
            assertTrue(Math.abs(out.get(i) - i) <= 2, "token " + out.get(i) + " moved to " + i);
            moved += out.get(i) != i ? 1 : 0;
        }
        assertTrue(moved > 300, "moved " + moved);
        assertEquals(List.of(1, 0), TokenAugmentation.shortDisorder(List.of(0, 1), new double[]{0, 0, 0, 1, 0}, new Random(5)),
                "next to the end any permutation is a swap");
    }

    @Test
    void longDisorderSwapsTheHalvesOfWindows() {
        List<Integer> out = TokenAugmentation.longDisorder(TOKENS.subList(0, 10), 1.0, 4, new Random(6));
        assertEquals(List.of(2, 3, 0, 1, 6, 7, 4, 5, 8, 9), out);
        List<Integer> fraction = TokenAugmentation.longDisorder(TOKENS.subList(0, 10), 1.0, 0.5, new Random(6));
        assertEquals(List.of(3, 4, 5, 0, 1, 2, 6, 7, 8, 9), fraction, "window of 0.5 x 10 tokens, rounded up to 6");
    }

    @Test
    void sequenceAugmenterKeepsSpecialTokensAndRepads() {
        Batch batch = new Batch(Map.of(
                "input_ids", Nd4j.createFromArray(new int[][]{{101, 7, 8, 9, 102, 0}, {101, 5, 102, 0, 0, 0}}),
                "attention_mask", Nd4j.createFromArray(new int[][]{{1, 1, 1, 1, 1, 0}, {1, 1, 1, 0, 0, 0}}),
                "labels", Nd4j.createFromArray(1, 0)));
        SequenceAugmenter deleteAll = new SequenceAugmenter("input_ids", "attention_mask", Set.of(101, 102), 0,
                (tokens, rng) -> TokenAugmentation.deleting(tokens, 1.0, rng));
        Batch out = deleteAll.process(batch, new Random(1));
        assertArrayEquals(new int[]{101, 102, 0, 0, 0, 0}, out.get("input_ids").getRow(0).toIntVector());
        assertArrayEquals(new int[]{1, 1, 0, 0, 0, 0}, out.get("attention_mask").getRow(0).toIntVector());
        assertEquals(batch.get("labels"), out.get("labels"));
        SequenceAugmenter grow = new SequenceAugmenter("input_ids", "attention_mask", Set.of(101, 102), 0,
                (tokens, rng) -> { List<Integer> t = new ArrayList<>(tokens); t.addAll(tokens); t.addAll(tokens); return t; });
        Batch grown = grow.process(batch, new Random(1));
        assertArrayEquals(new int[]{101, 7, 8, 9, 7, 102}, grown.get("input_ids").getRow(0).toIntVector(),
                "a longer row is cut before its final [SEP]");
        assertNotEquals(batch.get("input_ids"), grown.get("input_ids"));
    }
}
