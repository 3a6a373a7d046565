package org.distill4j.bert.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A BERT WordPiece vocabulary: an immutable bijection between token strings and ids.
 *
 * <p>The file format is BERT's {@code vocab.txt}: UTF-8, one token per line, and the id of a token is its 0-based
 * line number. As in Google's {@code load_vocab}, whitespace around each line is stripped (so {@code \r\n} line ends
 * work). Unlike Google's loader, which silently lets a later duplicate win, this class rejects files that would give
 * a wrong or ambiguous mapping: duplicate tokens, blank lines, malformed UTF-8, an empty file, or a missing special
 * token ({@value #PAD}, {@value #UNK}, {@value #CLS}, {@value #SEP}, {@value #MASK}). The error message names the
 * source and the line(s).
 */
public final class Vocabulary {

    /** Padding token; its id fills padded positions. */
    public static final String PAD = "[PAD]";
    /** Unknown token: produced for words that cannot be split into vocabulary pieces. */
    public static final String UNK = "[UNK]";
    /** Classification token that starts every encoded sequence. */
    public static final String CLS = "[CLS]";
    /** Separator token that ends each segment. */
    public static final String SEP = "[SEP]";
    /** Mask token of masked-language-model pre-training. */
    public static final String MASK = "[MASK]";

    private static final List<String> REQUIRED = List.of(PAD, UNK, CLS, SEP, MASK);

    private final String source;
    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private final int maxTokenCodePoints;
    private final int padId;
    private final int unkId;
    private final int clsId;
    private final int sepId;
    private final int maskId;

    private Vocabulary(String source, List<String> tokens, Map<String, Integer> ids) {
        this.source = source;
        this.tokens = List.copyOf(tokens);
        this.ids = Map.copyOf(ids);
        int max = 0;
        for (String t : tokens) {
            max = Math.max(max, t.codePointCount(0, t.length()));
        }
        this.maxTokenCodePoints = max;
        for (String special : REQUIRED) {
            if (!ids.containsKey(special)) {
                throw new VocabularyFormatException("vocabulary " + source + " lacks the required special token "
                        + special + " (it needs all of " + REQUIRED + ")");
            }
        }
        this.padId = ids.get(PAD);
        this.unkId = ids.get(UNK);
        this.clsId = ids.get(CLS);
        this.sepId = ids.get(SEP);
        this.maskId = ids.get(MASK);
    }

    /**
     * Loads a {@code vocab.txt} file.
     *
     * @param file UTF-8 text, one token per line; id = 0-based line number
     * @return the vocabulary
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the content is invalid (message names the file and line)
     */
    public static Vocabulary load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, file.toString());
        }
    }

    /**
     * Loads a vocabulary from a stream in {@code vocab.txt} format. The stream is read to the end but not closed.
     *
     * @param in         UTF-8 text, one token per line
     * @param sourceName name used in error messages (a file name or resource path)
     * @return the vocabulary
     * @throws IOException if reading fails
     * @throws IllegalArgumentException if the content is invalid (message names {@code sourceName} and the line)
     */
    public static Vocabulary load(InputStream in, String sourceName) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(sourceName, "sourceName");
        // REPORT, not replace: a mangled vocabulary would silently shift nothing but corrupt tokens.
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, decoder));
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (CharacterCodingException e) {
            throw new VocabularyFormatException("vocabulary " + sourceName + " is not valid UTF-8 (after line "
                    + lines.size() + ")", e);
        }
        return fromLines(lines, sourceName);
    }

    /**
     * Builds a vocabulary from lines as they would appear in a {@code vocab.txt} file (surrounding whitespace is
     * stripped; id = index in the list).
     *
     * @param lines      the tokens in id order
     * @param sourceName name used in error messages
     * @return the vocabulary
     * @throws IllegalArgumentException on an empty list, blank or duplicate tokens, or missing special tokens
     */
    public static Vocabulary fromLines(List<String> lines, String sourceName) {
        Objects.requireNonNull(lines, "lines");
        Objects.requireNonNull(sourceName, "sourceName");
        if (lines.isEmpty()) {
            throw new VocabularyFormatException("vocabulary " + sourceName + " is empty");
        }
        List<String> tokens = new ArrayList<>(lines.size());
        Map<String, Integer> ids = new HashMap<>(lines.size() * 2);
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            if (i == 0 && raw.startsWith("\uFEFF")) {
                raw = raw.substring(1); // a UTF-8 byte order mark is not part of the first token
            }
            String token = strip(raw);
            if (token.isEmpty()) {
                throw new VocabularyFormatException("vocabulary " + sourceName + ": line " + (i + 1)
                        + " is blank (every line must hold one token; id = line number - 1)");
            }
            Integer previous = ids.putIfAbsent(token, i);
            if (previous != null) {
                throw new VocabularyFormatException("vocabulary " + sourceName + ": duplicate token '" + token
                        + "' on lines " + (previous + 1) + " and " + (i + 1));
            }
            tokens.add(token);
        }
        return new Vocabulary(sourceName, tokens, ids);
    }

    /** Python's {@code str.strip()}: removes leading and trailing {@code str.isspace()} characters. */
    private static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && CharClasses.isPythonSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && CharClasses.isPythonSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    /** @return where the vocabulary came from (file name or the name given when loading) */
    public String source() {
        return source;
    }

    /** @return number of tokens; valid ids are {@code 0 .. size()-1} */
    public int size() {
        return tokens.size();
    }

    /**
     * @param token a token string, e.g. {@code "hello"} or {@code "##ing"}
     * @return its id, or -1 if it is not in the vocabulary
     */
    public int indexOf(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    /**
     * @param token a token string
     * @return its id
     * @throws IllegalArgumentException if the token is not in the vocabulary
     */
    public int id(String token) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IllegalArgumentException("token '" + token + "' is not in vocabulary " + source);
        }
        return id;
    }

    /**
     * @param token a token string
     * @return whether {@code token} is in the vocabulary
     */
    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /**
     * @param id a token id
     * @return the token string
     * @throws IndexOutOfBoundsException if {@code id} is not in {@code [0, size())}
     */
    public String token(int id) {
        return tokens.get(id);
    }

    /** @return all tokens in id order (unmodifiable) */
    public List<String> tokens() {
        return tokens;
    }

    /** @return length of the longest token in Unicode code points (bounds WordPiece's longest-match search) */
    public int maxTokenCodePoints() {
        return maxTokenCodePoints;
    }

    /** @return id of {@value #PAD} */
    public int padId() {
        return padId;
    }

    /** @return id of {@value #UNK} */
    public int unkId() {
        return unkId;
    }

    /** @return id of {@value #CLS} */
    public int clsId() {
        return clsId;
    }

    /** @return id of {@value #SEP} */
    public int sepId() {
        return sepId;
    }

    /** @return id of {@value #MASK} */
    public int maskId() {
        return maskId;
    }

    /**
     * @param id a token id
     * @return whether {@code id} is one of the five special tokens
     */
    public boolean isSpecial(int id) {
        return id == padId || id == unkId || id == clsId || id == sepId || id == maskId;
    }

    /** @return the five special tokens BERT needs, in the order PAD, UNK, CLS, SEP, MASK */
    public static List<String> specialTokens() {
        return REQUIRED;
    }

    @Override
    public String toString() {
        return "Vocabulary[" + source + ", " + tokens.size() + " tokens]";
    }
}
