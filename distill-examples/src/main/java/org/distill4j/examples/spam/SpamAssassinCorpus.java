package org.distill4j.examples.spam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the mails out of the {@link SpamAssassinPackage} tarball without unpacking it.
 *
 * <p>Mails are the files {@code package/data/<folder>/<nnnnn>.<md5>.txt}. Version {@value SpamAssassinPackage#VERSION}
 * has five folders, named after the original corpus archives: {@code easy-ham-1} (2500 mails, 20030228_easy_ham),
 * {@code easy-ham-2} (1400, 20030228_easy_ham_2), {@code hard-ham-1} (250, 20030228_hard_ham), {@code spam-1}
 * (500, 20030228_spam) and {@code spam-2} (1396, 20030228_spam_2): 6046 mails. Folders whose name starts with
 * {@code spam} are spam; {@code easy-ham*} and {@code hard-ham*} are ham (hard ham is ham that looks like spam,
 * which is why it is kept).
 */
public final class SpamAssassinCorpus {

    /** The folders of version {@value SpamAssassinPackage#VERSION}, in the canonical order used for ties. */
    public static final List<String> FOLDERS = List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2");

    private static final Pattern MAIL = Pattern.compile("package/data/([a-z0-9-]+)/(\\d+)\\.([0-9a-f]{32})\\.txt");

    private SpamAssassinCorpus() {
    }

    /**
     * The label of a corpus folder.
     *
     * @param folder e.g. {@code spam-2} or {@code hard-ham-1}
     * @return {@link SpamExample#SPAM} or {@link SpamExample#HAM}
     * @throws IllegalArgumentException for a folder that is neither
     */
    public static String labelOf(String folder) {
        if (folder.startsWith("spam")) {
            return SpamExample.SPAM;
        }
        if (folder.startsWith("easy-ham") || folder.startsWith("hard-ham")) {
            return SpamExample.HAM;
        }
        throw new IllegalArgumentException("unknown corpus folder '" + folder + "' (expected spam*, easy-ham* or "
                + "hard-ham*)");
    }

    /**
     * Reads every mail of the tarball.
     *
     * @param tarball the package tarball (see {@link SpamAssassinPackage#fetch()})
     * @return the mails sorted by folder (in {@link #FOLDERS} order, unknown folders last by name) and number
     * @throws SpamDataException if the tarball holds no mails or a folder of unknown label
     * @throws IOException if it cannot be read
     */
    public static List<RawMail> read(Path tarball) throws IOException {
        List<RawMail> mails = new ArrayList<>();
        TarGzReader.forEachFile(tarball, name -> MAIL.matcher(name).matches(), (name, content) -> {
            Matcher m = MAIL.matcher(name);
            if (!m.matches()) {
                return;
            }
            String folder = m.group(1);
            try {
                labelOf(folder);
            } catch (IllegalArgumentException e) {
                throw new SpamDataException(tarball + ": " + e.getMessage()
                        + "; this version of the package has an unexpected layout");
            }
            mails.add(new RawMail(folder + "/" + m.group(2), folder, m.group(3), content));
        });
        if (mails.isEmpty()) {
            throw new SpamDataException(tarball + " holds no mails (expected package/data/<folder>/*.txt); is it "
                    + SpamAssassinPackage.NAME + "@" + SpamAssassinPackage.VERSION + "?");
        }
        mails.sort(ORDER);
        return mails;
    }

    /** Canonical order: folder (known folders first, in {@link #FOLDERS} order), then id. */
    static final Comparator<RawMail> ORDER = Comparator.comparingInt((RawMail m) -> folderRank(m.folder()))
            .thenComparing(RawMail::folder).thenComparing(RawMail::id);

    static int folderRank(String folder) {
        int i = FOLDERS.indexOf(folder);
        return i < 0 ? FOLDERS.size() : i;
    }
}
