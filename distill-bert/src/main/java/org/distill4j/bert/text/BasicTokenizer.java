package org.distill4j.bert.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * BERT's basic tokenizer (Google's {@code BasicTokenizer} in {@code tokenization.py}), keeping the character offsets
 * of every token in the original string.
 *
 * <p>Steps, in Google's order:
 * <ol>
 *   <li><b>Clean:</b> drop U+0000, U+FFFD and control/format characters (Cc, Cf; tab, LF, CR excepted); map tab,
 *       LF, CR and every Zs space (U+00A0, U+3000, ...) to a space.</li>
 *   <li><b>CJK:</b> put spaces around every CJK ideograph (BERT's exact ranges), so each becomes its own token.</li>
 *   <li><b>Split on whitespace</b> as Python's {@code str.split()} does (this also splits on U+2028/U+2029).</li>
 *   <li><b>Lower-case and strip accents</b> (only if {@code lowerCase}): Python's {@code str.lower()} (full case
 *       mapping: {@code İ -> i̇}, final sigma), then NFD, then remove non-spacing marks (Mn).</li>
 *   <li><b>Split on punctuation:</b> each punctuation character (BERT's definition: Unicode P* plus every ASCII
 *       non-alphanumeric symbol) becomes its own token.</li>
 * </ol>
 * A whitespace-delimited word exactly equal to an entry of {@code neverSplit} is kept as it is (neither lower-cased
 * nor split), as in Hugging Face's {@code BasicTokenizer}; Google's tokenizer has no such set, and by default it is
 * empty here too.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class BasicTokenizer {

    private final boolean lowerCase;
    private final Set<String> neverSplit;

    /**
     * @param lowerCase whether to lower-case and strip accents (true for uncased BERT models)
     */
    public BasicTokenizer(boolean lowerCase) {
        this(lowerCase, Set.of());
    }

    /**
     * @param lowerCase  whether to lower-case and strip accents (true for uncased BERT models)
     * @param neverSplit words kept verbatim when they appear as a whole whitespace-delimited word, typically the
     *                   special tokens such as {@code [CLS]}
     */
    public BasicTokenizer(boolean lowerCase, Collection<String> neverSplit) {
        this.lowerCase = lowerCase;
        this.neverSplit = Set.copyOf(Objects.requireNonNull(neverSplit, "neverSplit"));
    }

    /** @return whether this tokenizer lower-cases and strips accents */
    public boolean lowerCase() {
        return lowerCase;
    }

    /** @return the words kept verbatim (unmodifiable) */
    public Set<String> neverSplit() {
        return neverSplit;
    }

    /**
     * Tokenizes a text.
     *
     * @param text any string (may be empty)
     * @return the tokens, normalized; empty if the text holds only whitespace and control characters
     */
    public List<String> tokenize(String text) {
        List<BasicToken> tokens = tokenizeWithOffsets(text);
        List<String> out = new ArrayList<>(tokens.size());
        for (BasicToken t : tokens) {
            out.add(t.text());
        }
        return out;
    }

    /**
     * Tokenizes a text and records where each token came from.
     *
     * @param text any string (may be empty)
     * @return the tokens with UTF-16 offsets into {@code text} (see {@link BasicToken})
     */
    public List<BasicToken> tokenizeWithOffsets(String text) {
        Objects.requireNonNull(text, "text");
        CpBuffer clean = new CpBuffer(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || CharClasses.isControl(cp)) {
                // dropped
            } else if (CharClasses.isBertWhitespace(cp)) {
                clean.add(' ', i, i + n);
            } else if (CharClasses.isChineseChar(cp)) {
                clean.add(' ', i, i);
                clean.add(cp, i, i + n);
                clean.add(' ', i + n, i + n);
            } else {
                clean.add(cp, i, i + n);
            }
            i += n;
        }
        List<BasicToken> out = new ArrayList<>();
        int k = 0;
        while (k < clean.size) {
            if (CharClasses.isPythonSpace(clean.cps[k])) {
                k++;
                continue;
            }
            int wordEnd = k;
            while (wordEnd < clean.size && !CharClasses.isPythonSpace(clean.cps[wordEnd])) {
                wordEnd++;
            }
            processWord(clean.slice(k, wordEnd), out);
            k = wordEnd;
        }
        return out;
    }

    private void processWord(CpBuffer word, List<BasicToken> out) {
        if (!neverSplit.isEmpty() && neverSplit.contains(word.string(0, word.size))) {
            out.add(word.token(0, word.size));
            return;
        }
        CpBuffer normalized = lowerCase ? stripAccents(lower(word)) : word;
        splitOnPunctuation(normalized, out);
    }

    /**
     * Python's {@code str.lower()} on one whitespace-delimited word (the unit Google lower-cases, so it is also the
     * context of the final-sigma rule). Full case mapping differs from {@link Character#toLowerCase(int)} only for
     * U+0130 (unconditional special casing) and U+03A3 (Final_Sigma); Python applies no language-specific rules.
     */
    private static CpBuffer lower(CpBuffer w) {
        CpBuffer out = new CpBuffer(w.size + 2);
        for (int i = 0; i < w.size; i++) {
            int cp = w.cps[i];
            int s = w.starts[i];
            int e = w.ends[i];
            if (cp < 128) {
                out.add(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, s, e);
            } else if (cp == 0x130) {
                out.add('i', s, e);
                out.add(0x307, s, e);
            } else if (cp == 0x3A3) {
                out.add(isFinalSigma(w, i) ? 0x3C2 : 0x3C3, s, e);
            } else {
                out.add(Character.toLowerCase(cp), s, e);
            }
        }
        return out;
    }

    /** CPython's {@code handle_capital_sigma}: cased (case-ignorable)* Σ not followed by (case-ignorable)* cased. */
    private static boolean isFinalSigma(CpBuffer w, int i) {
        int j = i - 1;
        while (j >= 0 && CharClasses.isCaseIgnorable(w.cps[j])) {
            j--;
        }
        boolean finalSigma = j >= 0 && CharClasses.isCased(w.cps[j]);
        if (finalSigma && i + 1 < w.size) {
            j = i + 1;
            while (j < w.size && CharClasses.isCaseIgnorable(w.cps[j])) {
                j++;
            }
            finalSigma = j == w.size || !CharClasses.isCased(w.cps[j]);
        }
        return finalSigma;
    }

    /** NFD, then drop non-spacing marks (Google's {@code _run_strip_accents}), keeping each code point's span. */
    private static CpBuffer stripAccents(CpBuffer w) {
        CpBuffer nfd = new CpBuffer(w.size + 4);
        boolean mayReorder = false;
        boolean previousIsMark = false;
        for (int i = 0; i < w.size; i++) {
            int cp = w.cps[i];
            if (cp < 0xC0) {
                // Nothing below U+00C0 has a canonical decomposition: skip the Normalizer for ASCII text.
                nfd.add(cp, w.starts[i], w.ends[i]);
                previousIsMark = CharClasses.isCombiningMark(cp);
                continue;
            }
            String decomposed = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFD);
            for (int j = 0; j < decomposed.length(); ) {
                int d = decomposed.codePointAt(j);
                boolean isMark = CharClasses.isCombiningMark(d);
                mayReorder |= isMark && previousIsMark;
                previousIsMark = isMark;
                nfd.add(d, w.starts[i], w.ends[i]);
                j += Character.charCount(d);
            }
        }
        if (mayReorder) {
            nfd = canonicalOrder(nfd);
        }
        // A removed mark still belongs to the character it decorated: widen that character's span over it, so
        // that offsets never cut a base letter from its combining accent (for "e\u0301" the span is the 2 chars).
        CpBuffer out = new CpBuffer(nfd.size);
        int leadingMarksStart = -1;
        for (int i = 0; i < nfd.size; i++) {
            if (CharClasses.isNonSpacingMark(nfd.cps[i])) {
                if (out.size > 0) {
                    int last = out.size - 1;
                    out.starts[last] = Math.min(out.starts[last], nfd.starts[i]);
                    out.ends[last] = Math.max(out.ends[last], nfd.ends[i]);
                } else {
                    leadingMarksStart = leadingMarksStart < 0 ? nfd.starts[i] : Math.min(leadingMarksStart,
                            nfd.starts[i]);
                }
            } else {
                out.add(nfd.cps[i], nfd.starts[i], nfd.ends[i]);
                if (leadingMarksStart >= 0) {
                    // marks at the very start of a word have no base before them: give them to the first letter
                    out.starts[out.size - 1] = Math.min(out.starts[out.size - 1], leadingMarksStart);
                    leadingMarksStart = -1;
                }
            }
        }
        return out;
    }

    /**
     * Per-character decomposition equals NFD except for the canonical reordering of adjacent combining marks across
     * character boundaries. When two marks meet, let the JDK order the whole word and carry each code point's span
     * along (the reordering only permutes code points within runs of marks, so matching equal code points in order
     * recovers the spans).
     */
    private static CpBuffer canonicalOrder(CpBuffer decomposed) {
        String concatenated = decomposed.string(0, decomposed.size);
        String normalized = Normalizer.normalize(concatenated, Normalizer.Form.NFD);
        if (normalized.equals(concatenated)) {
            return decomposed;
        }
        int[] target = normalized.codePoints().toArray();
        boolean[] used = new boolean[decomposed.size];
        CpBuffer out = new CpBuffer(target.length);
        int firstUnused = 0;
        for (int cp : target) {
            while (firstUnused < decomposed.size && used[firstUnused]) {
                firstUnused++;
            }
            int j = firstUnused;
            while (j < decomposed.size && (used[j] || decomposed.cps[j] != cp)) {
                j++;
            }
            if (j == decomposed.size) {
                throw new IllegalStateException("NFD changed more than the order of marks in " + concatenated);
            }
            used[j] = true;
            out.add(cp, decomposed.starts[j], decomposed.ends[j]);
        }
        return out;
    }

    /** Google's {@code _run_split_on_punc}, plus a split on any remaining Python whitespace (as its re-split does). */
    private static void splitOnPunctuation(CpBuffer w, List<BasicToken> out) {
        int start = -1;
        for (int i = 0; i < w.size; i++) {
            int cp = w.cps[i];
            boolean space = CharClasses.isPythonSpace(cp);
            if (space || CharClasses.isPunctuation(cp)) {
                if (start >= 0) {
                    out.add(w.token(start, i));
                    start = -1;
                }
                if (!space) {
                    out.add(w.token(i, i + 1));
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            out.add(w.token(start, w.size));
        }
    }

    @Override
    public String toString() {
        return "BasicTokenizer[lowerCase=" + lowerCase + ", neverSplit=" + neverSplit + "]";
    }

    /** Code points with the original-string span (UTF-16, end exclusive) each one came from. */
    private static final class CpBuffer {
        int[] cps;
        int[] starts;
        int[] ends;
        int size;

        CpBuffer(int capacity) {
            int c = Math.max(capacity, 4);
            cps = new int[c];
            starts = new int[c];
            ends = new int[c];
        }

        void add(int cp, int start, int end) {
            if (size == cps.length) {
                int c = size * 2;
                cps = Arrays.copyOf(cps, c);
                starts = Arrays.copyOf(starts, c);
                ends = Arrays.copyOf(ends, c);
            }
            cps[size] = cp;
            starts[size] = start;
            ends[size] = end;
            size++;
        }

        CpBuffer slice(int from, int to) {
            CpBuffer b = new CpBuffer(to - from);
            System.arraycopy(cps, from, b.cps, 0, to - from);
            System.arraycopy(starts, from, b.starts, 0, to - from);
            System.arraycopy(ends, from, b.ends, 0, to - from);
            b.size = to - from;
            return b;
        }

        String string(int from, int to) {
            return new String(cps, from, to - from);
        }

        BasicToken token(int from, int to) {
            return new BasicToken(string(from, to), Arrays.copyOfRange(starts, from, to),
                    Arrays.copyOfRange(ends, from, to));
        }
    }
}
