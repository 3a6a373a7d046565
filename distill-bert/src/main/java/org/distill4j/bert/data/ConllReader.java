package org.distill4j.bert.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Encoding;
import org.distill4j.bert.text.TokenSpan;
import org.distill4j.bert.text.Truncation;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.core.config.ConfigException;

/**
 * Reads CoNLL-2003 style files into a {@link TaskDataset} of {@link TaskType#TOKEN_CLASSIFICATION} examples, one
 * per sentence.
 *
 * <p>Format: UTF-8; one word per line as whitespace-separated columns, {@code word POS chunk NER} by default (see
 * {@link Builder#columns(int)}); the word is the first column and the label the last; blank (or whitespace-only)
 * lines end a sentence; lines whose first column is {@code -DOCSTART-} are skipped and end a sentence too.
 *
 * <p>Each word is split into word pieces on its own (like Hugging Face's {@code is_split_into_words}); the first
 * piece carries the word's label and every other position (continuation pieces, {@code [CLS]}, {@code [SEP]},
 * padding) {@link TaskDataset#IGNORE_INDEX}. A word that yields no piece at all (only characters BERT drops, such
 * as control characters) becomes one {@code [UNK]} so its label is kept. Encoding offsets index into the sentence
 * text: the words joined by single spaces ({@link TaskExample#texts()}); {@link Label.TokenLabels#wordIds()} maps
 * positions back to words.
 *
 * <p>A sentence longer than the tokenizer's {@code maxLength} is cut at the end (the lost words' labels are not
 * trained on; {@link TaskDataset#numTruncated()} counts such sentences) if its truncation is LONGEST_FIRST or
 * ONLY_FIRST, and is an error otherwise. Example ids are {@code "<source>:<line of the sentence's first word>"}.
 *
 * <p>Labels are collected from the data and sorted (as Hugging Face's {@code run_ner}), or given with
 * {@link Builder#labels(List)} / {@link #withLabels(List)}, when any other label is an error. Instances are
 * immutable and thread-safe.
 */
public final class ConllReader implements DatasetReader<TaskDataset> {

    /** The document separator line's first column. */
    public static final String DOCSTART = "-DOCSTART-";

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final BertTokenizer tokenizer;
    private final int columns;
    private final List<String> labels;

    private ConllReader(BertTokenizer tokenizer, int columns, List<String> labels) {
        this.tokenizer = tokenizer;
        this.columns = columns;
        this.labels = labels;
    }

    /**
     * @param tokenizer the tokenizer of the model that will read the data
     * @return a builder with the defaults: 4 columns (word POS chunk NER), labels collected from the data
     */
    public static Builder builder(BertTokenizer tokenizer) {
        return new Builder(tokenizer);
    }

    /**
     * The same reader with a fixed label set, typically the training set's {@link TaskDataset#labelVocabulary()}.
     *
     * @param labelVocabulary label names in class-id order, e.g. {@code [O, B-PER, I-PER, ...]}
     * @return a new reader
     */
    public ConllReader withLabels(List<String> labelVocabulary) {
        return new ConllReader(tokenizer, columns, LabelVocabularies.checked("labels", labelVocabulary));
    }

    /** @return the expected number of columns per word line */
    public int columns() {
        return columns;
    }

    /** @return the given label vocabulary, or null when it is collected from the data */
    public List<String> labels() {
        return labels;
    }


    /**
     * Reads a stream (not closed).
     *
     * @param in         UTF-8 CoNLL content
     * @param sourceName the name used in error messages and example ids
     * @return one example per sentence, in order
     * @throws IOException if reading fails
     * @throws DataFormatException if the content is invalid (the message names {@code sourceName} and the line)
     */
    @Override
    public TaskDataset read(InputStream in, String sourceName) throws IOException {
        Utf8Lines lines = new Utf8Lines(in, sourceName);
        List<Sentence> sentences = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Sentence current = null;
        String line;
        while ((line = lines.next()) != null) {
            String stripped = line.strip();
            if (stripped.isEmpty()) {
                current = null;
                continue;
            }
            String[] cells = WHITESPACE.split(stripped);
            int lineNo = lines.lineNumber();
            if (cells[0].equals(DOCSTART)) {
                current = null;
                continue;
            }
            if (cells.length != columns) {
                throw new DataFormatException(sourceName, lineNo, "expected " + columns + " columns ("
                        + describeColumns() + ") separated by spaces but found " + cells.length + ": '" + stripped
                        + "'");
            }
            String tag = cells[columns - 1];
            if (labels != null && !labels.contains(tag)) {
                throw new DataFormatException(sourceName, lineNo, "unknown label '" + tag + "' for word '" + cells[0]
                        + "'; " + LabelVocabularies.known(labels));
            }
            seen.add(tag);
            if (current == null) {
                current = new Sentence(lineNo);
                sentences.add(current);
            }
            current.words.add(cells[0]);
            current.tags.add(tag);
        }
        if (sentences.isEmpty()) {
            throw new DataFormatException(sourceName, 0, "no sentences (expected lines of '" + describeColumns()
                    + "' with blank lines between sentences)");
        }
        List<String> vocabulary = labels != null ? labels : LabelVocabularies.collected(seen);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            index.put(vocabulary.get(i), i);
        }
        List<TaskExample> examples = new ArrayList<>(sentences.size());
        for (Sentence s : sentences) {
            examples.add(encode(s, index, sourceName));
        }
        return new TaskDataset(TaskType.TOKEN_CLASSIFICATION, vocabulary, examples, tokenizer.vocabulary().padId());
    }

    private TaskExample encode(Sentence s, Map<String, Integer> index, String source) {
        Vocabulary vocab = tokenizer.vocabulary();
        StringBuilder text = new StringBuilder();
        List<TokenSpan> pieces = new ArrayList<>();
        List<Integer> pieceWord = new ArrayList<>();
        for (int w = 0; w < s.words.size(); w++) {
            if (w > 0) {
                text.append(' ');
            }
            int offset = text.length();
            String word = s.words.get(w);
            text.append(word);
            List<TokenSpan> split = tokenizer.tokenizeWithOffsets(word);
            if (split.isEmpty()) {
                split = List.of(new TokenSpan(Vocabulary.UNK, vocab.unkId(), 0, word.length()));
            }
            for (TokenSpan p : split) {
                pieces.add(new TokenSpan(p.token(), p.id(), p.start() + offset, p.end() + offset));
                pieceWord.add(w);
            }
        }
        int budget = tokenizer.maxLength() - 2;
        int keep = pieces.size();
        if (keep > budget) {
            Truncation t = tokenizer.truncation();
            if (t != Truncation.LONGEST_FIRST && t != Truncation.ONLY_FIRST) {
                throw new DataFormatException(source, s.firstLine, "the sentence starting here has " + pieces.size()
                        + " word pieces (" + s.words.size() + " words), more than maxLength "
                        + tokenizer.maxLength() + " allows besides [CLS] and [SEP], and truncation is " + t);
            }
            keep = budget;
        }
        int n = keep + 2;
        List<String> tokens = new ArrayList<>(n);
        int[] ids = new int[n];
        int[] typeIds = new int[n];
        int[] mask = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] seq = new int[n];
        int[] tokenLabels = new int[n];
        int[] wordIds = new int[n];
        Arrays.fill(mask, 1);
        Arrays.fill(tokenLabels, TaskDataset.IGNORE_INDEX);
        Arrays.fill(wordIds, -1);
        Arrays.fill(starts, -1);
        Arrays.fill(ends, -1);
        Arrays.fill(seq, -1);
        tokens.add(Vocabulary.CLS);
        ids[0] = vocab.clsId();
        int previousWord = -1;
        for (int i = 0; i < keep; i++) {
            TokenSpan p = pieces.get(i);
            int pos = i + 1;
            int w = pieceWord.get(i);
            tokens.add(p.token());
            ids[pos] = p.id();
            starts[pos] = p.start();
            ends[pos] = p.end();
            seq[pos] = 0;
            wordIds[pos] = w;
            if (w != previousWord) {
                tokenLabels[pos] = index.get(s.tags.get(w));
                previousWord = w;
            }
        }
        tokens.add(Vocabulary.SEP);
        ids[n - 1] = vocab.sepId();
        Encoding enc = new Encoding(tokens, ids, typeIds, mask, starts, ends, seq, pieces.size() - keep);
        return new TaskExample(source + ":" + s.firstLine, List.of(text.toString()), enc,
                new Label.TokenLabels(tokenLabels, wordIds));
    }

    private String describeColumns() {
        if (columns == 4) {
            return "word POS chunk NER";
        }
        if (columns == 2) {
            return "word label";
        }
        return "word, " + (columns - 2) + " ignored, label";
    }

    private static final class Sentence {
        final int firstLine;
        final List<String> words = new ArrayList<>();
        final List<String> tags = new ArrayList<>();

        Sentence(int firstLine) {
            this.firstLine = firstLine;
        }
    }

    /** Builder for {@link ConllReader}. */
    public static final class Builder {
        private final BertTokenizer tokenizer;
        private int columns = 4;
        private List<String> labels;

        private Builder(BertTokenizer tokenizer) {
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        }

        /**
         * @param columns columns per word line: 4 for CoNLL-2003 ({@code word POS chunk NER}, the default), 2 for
         *                {@code word label} files; the word is always the first and the label the last
         * @return this builder
         */
        public Builder columns(int columns) {
            if (columns < 2) {
                throw new ConfigException("columns", columns, "at least 2 (the word and its label)");
            }
            this.columns = columns;
            return this;
        }

        /**
         * Fixes the label set instead of collecting it from the data; any other label is an error.
         *
         * @param labelVocabulary label names in class-id order, e.g. the BIO tags {@code [O, B-PER, I-PER, ...]}
         * @return this builder
         */
        public Builder labels(List<String> labelVocabulary) {
            this.labels = LabelVocabularies.checked("labels", labelVocabulary);
            return this;
        }

        /** @return the reader */
        public ConllReader build() {
            return new ConllReader(tokenizer, columns, labels);
        }
    }
}
