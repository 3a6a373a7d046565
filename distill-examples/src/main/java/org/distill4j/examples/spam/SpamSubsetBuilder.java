package org.distill4j.examples.spam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes the small subset shipped as {@link EmbeddedSpamSubset} from a full data set written by
 * {@link SpamAssassinData#prepare}.
 *
 * <p>Each subset split is drawn from the same split of the full data, so split membership is preserved (no subset
 * test mail is in the full train split). Within a split the subset is stratified by corpus folder (and so by label):
 * each folder gets a share proportional to its count in the full split (largest remainders). Within a folder mails
 * are taken in the order of SHA-256({@code "distill4j-spam-subset:" + id}), a fixed pseudo-random order. Texts are
 * cut to {@code maxChars}; a mail whose cut text equals one already taken (in any split) is passed over, so the
 * subset has no duplicate texts either. Splits are filled test, dev, train, so the scarce splits get first pick.
 *
 * <pre>
 * SpamSubsetBuilder --from DIR --out DIR [--train 400] [--dev 100] [--test 100] [--max-chars 1000]
 * </pre>
 */
public final class SpamSubsetBuilder {

    private SpamSubsetBuilder() {
    }

    /**
     * @param full     the full splits
     * @param sizes    the wanted size of each subset split
     * @param maxChars the longest text
     * @return the subset splits, each in canonical order
     */
    public static Map<Split, List<SpamExample>> build(Map<Split, List<SpamExample>> full, Map<Split, Integer> sizes,
                                                      int maxChars) {
        Set<String> taken = new HashSet<>();
        Map<Split, List<SpamExample>> out = new EnumMap<>(Split.class);
        for (Split s : List.of(Split.TEST, Split.DEV, Split.TRAIN)) {
            out.put(s, pick(full.get(s), sizes.getOrDefault(s, 0), maxChars, taken));
        }
        return out;
    }

    private static List<SpamExample> pick(List<SpamExample> pool, int size, int maxChars, Set<String> taken) {
        Map<String, List<SpamExample>> byFolder = new LinkedHashMap<>();
        List<SpamExample> sorted = new ArrayList<>(pool);
        sorted.sort(SpamSplitter.CANONICAL);
        sorted.forEach(e -> byFolder.computeIfAbsent(e.folder(), f -> new ArrayList<>()).add(e));
        Map<String, Integer> quota = quotas(byFolder, Math.min(size, pool.size()));
        List<SpamExample> chosen = new ArrayList<>();
        for (Map.Entry<String, List<SpamExample>> entry : byFolder.entrySet()) {
            List<SpamExample> candidates = new ArrayList<>(entry.getValue());
            candidates.sort(Comparator.comparing(e -> orderKey(e.id())));
            int want = quota.get(entry.getKey());
            for (SpamExample e : candidates) {
                if (want == 0) {
                    break;
                }
                String text = MailTextNormalizer.truncate(e.text(), maxChars);
                if (taken.add(text)) {
                    chosen.add(new SpamExample(e.id(), e.label(), e.folder(), text));
                    want--;
                }
            }
        }
        chosen.sort(SpamSplitter.CANONICAL);
        return chosen;
    }

    /** Largest-remainder apportionment of {@code size} over the folders, proportional to their counts. */
    static Map<String, Integer> quotas(Map<String, List<SpamExample>> byFolder, int size) {
        int total = byFolder.values().stream().mapToInt(List::size).sum();
        Map<String, Integer> quota = new LinkedHashMap<>();
        List<Map.Entry<String, Double>> remainders = new ArrayList<>();
        int assigned = 0;
        for (Map.Entry<String, List<SpamExample>> e : byFolder.entrySet()) {
            double exact = total == 0 ? 0 : (double) size * e.getValue().size() / total;
            int floor = (int) Math.floor(exact);
            quota.put(e.getKey(), floor);
            assigned += floor;
            remainders.add(Map.entry(e.getKey(), exact - floor));
        }
        // ties go to the folder that comes first in canonical order (stable sort)
        remainders.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        for (int i = 0; assigned < size && i < remainders.size(); i++, assigned++) {
            quota.merge(remainders.get(i).getKey(), 1, Integer::sum);
        }
        return quota;
    }

    private static String orderKey(String id) {
        return java.util.HexFormat.of().formatHex(SpamSplitter.sha256("distill4j-spam-subset:" + id));
    }

    /** @param args see the class comment */
    public static void main(String[] args) throws IOException {
        Path from = null;
        Path out = null;
        Map<Split, Integer> sizes = new EnumMap<>(Split.class);
        sizes.put(Split.TRAIN, EmbeddedSpamSubset.TRAIN_SIZE);
        sizes.put(Split.DEV, EmbeddedSpamSubset.DEV_SIZE);
        sizes.put(Split.TEST, EmbeddedSpamSubset.TEST_SIZE);
        int maxChars = EmbeddedSpamSubset.MAX_CHARS;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--from" -> from = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--train" -> sizes.put(Split.TRAIN, Integer.parseInt(v));
                case "--dev" -> sizes.put(Split.DEV, Integer.parseInt(v));
                case "--test" -> sizes.put(Split.TEST, Integer.parseInt(v));
                case "--max-chars" -> maxChars = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (from == null || out == null) {
            System.err.println("usage: SpamSubsetBuilder --from DIR --out DIR [--train N] [--dev N] [--test N] "
                    + "[--max-chars N]");
            System.exit(2);
            return;
        }
        Map<Split, List<SpamExample>> full = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            full.put(s, SpamTsv.read(from.resolve(s.fileName())));
        }
        Map<Split, List<SpamExample>> subset = build(full, sizes, maxChars);
        for (Split s : Split.values()) {
            List<SpamExample> rows = subset.get(s);
            SpamTsv.write(out.resolve(s.fileName()), rows);
            long spam = rows.stream().filter(e -> e.label().equals(SpamExample.SPAM)).count();
            Map<String, Integer> folders = new LinkedHashMap<>();
            rows.forEach(e -> folders.merge(e.folder(), 1, Integer::sum));
            System.out.println(s.id() + " " + rows.size() + ": ham=" + (rows.size() - spam) + " spam=" + spam + " "
                    + folders);
        }
    }
}
