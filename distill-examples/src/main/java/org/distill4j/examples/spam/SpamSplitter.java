package org.distill4j.examples.spam;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The fixed train/dev/test split.
 *
 * <p>Rule: bucket = the first 8 bytes of SHA-256(UTF-8 bytes of the example's text), read as an unsigned big-endian
 * number, modulo 100; buckets 0-79 are train, 80-89 dev, 90-99 test. The split of a mail depends on its text alone,
 * so it does not change when other mails are added or removed, and identical texts always land in the same split.
 *
 * <p>Duplicates: examples with the same text are grouped. If the group has one label, the first example in
 * canonical order (folder order {@link SpamAssassinCorpus#FOLDERS}, then id) is kept and the others are dropped as
 * duplicates. If its examples disagree on the label, all are dropped, since no label would be right. After this no
 * text occurs twice, within a split or across splits.
 */
public final class SpamSplitter {

    /** Buckets below this are train. */
    public static final int TRAIN_BUCKETS = 80;
    /** Buckets below this (and at least {@link #TRAIN_BUCKETS}) are dev; the rest is test. */
    public static final int DEV_BUCKETS_END = 90;

    /**
     * A dropped example.
     *
     * @param example the dropped example
     * @param keptId  the id of the copy that was kept, or null when every copy was dropped for conflicting labels
     */
    public record Dropped(SpamExample example, String keptId) {
    }

    /**
     * The outcome of {@link #split(List)}.
     *
     * @param splits     the kept examples of each split, in canonical order
     * @param duplicates examples dropped because an identical text with the same label was kept
     * @param conflicts  examples dropped because identical texts had different labels
     */
    public record Result(Map<Split, List<SpamExample>> splits, List<Dropped> duplicates, List<Dropped> conflicts) {

        /** @return the examples of one split */
        public List<SpamExample> get(Split split) {
            return splits.get(split);
        }
    }

    private SpamSplitter() {
    }

    /**
     * @param text an example's text
     * @return its bucket, 0-99
     */
    public static int bucket(String text) {
        byte[] h = sha256(text);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xFF);
        }
        return (int) Long.remainderUnsigned(v, 100);
    }

    /**
     * @param text an example's text
     * @return the split its text belongs to
     */
    public static Split assign(String text) {
        int b = bucket(text);
        return b < TRAIN_BUCKETS ? Split.TRAIN : b < DEV_BUCKETS_END ? Split.DEV : Split.TEST;
    }

    /**
     * Removes duplicates and splits.
     *
     * @param examples the examples, in any order
     * @return the splits and what was dropped
     */
    public static Result split(List<SpamExample> examples) {
        List<SpamExample> sorted = new ArrayList<>(examples);
        sorted.sort(CANONICAL);
        Map<String, List<SpamExample>> byText = new LinkedHashMap<>();
        for (SpamExample e : sorted) {
            byText.computeIfAbsent(e.text(), t -> new ArrayList<>(1)).add(e);
        }
        Map<Split, List<SpamExample>> splits = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            splits.put(s, new ArrayList<>());
        }
        List<Dropped> duplicates = new ArrayList<>();
        List<Dropped> conflicts = new ArrayList<>();
        for (List<SpamExample> group : byText.values()) {
            Set<String> labels = new LinkedHashSet<>();
            group.forEach(e -> labels.add(e.label()));
            if (labels.size() > 1) {
                group.forEach(e -> conflicts.add(new Dropped(e, null)));
                continue;
            }
            SpamExample kept = group.get(0);
            for (int i = 1; i < group.size(); i++) {
                duplicates.add(new Dropped(group.get(i), kept.id()));
            }
            splits.get(assign(kept.text())).add(kept);
        }
        splits.replaceAll((s, list) -> Collections.unmodifiableList(list));
        return new Result(Collections.unmodifiableMap(splits), List.copyOf(duplicates), List.copyOf(conflicts));
    }

    /** Folder order of {@link SpamAssassinCorpus#FOLDERS} (others after, by name), then id. */
    public static final Comparator<SpamExample> CANONICAL =
            Comparator.comparingInt((SpamExample e) -> SpamAssassinCorpus.folderRank(e.folder()))
                    .thenComparing(SpamExample::folder).thenComparing(SpamExample::id);

    static byte[] sha256(String text) {
        Objects.requireNonNull(text, "text");
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
