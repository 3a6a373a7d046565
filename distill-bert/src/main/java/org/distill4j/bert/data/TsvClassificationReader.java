package org.distill4j.bert.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Encoding;
import org.distill4j.core.config.ConfigException;

/**
 * Reads GLUE-style tab-separated files into a {@link TaskDataset} for sentence or sentence-pair tasks:
 * classification ({@code labels} [B] INT), regression ({@code labels} [B] FLOAT, e.g. STS-B) or multi-label
 * ({@code labels} [B, C] FLOAT).
 *
 * <p>Format, as Google's {@code run_classifier.py} reads GLUE ({@code csv.reader(delimiter="\t", quotechar=None)}):
 * UTF-8; a header row naming the columns (or {@link Builder#headerless(List)}); every other row has exactly as many
 * tab-separated cells as the header; no quoting, so a {@code "} is an ordinary character and a cell can never hold
 * a tab or a newline. Empty lines are skipped; {@code \r\n} line ends work; the final newline is optional; a UTF-8
 * byte order mark is ignored. Label cells are stripped of surrounding whitespace; text cells are passed to the
 * tokenizer as they are.
 *
 * <p>Texts are encoded with the tokenizer's {@code maxLength} and {@link org.distill4j.bert.text.Truncation}; its
 * padding setting is ignored (the dataset pads per batch). Example ids are {@code "<source>:<line>"}.
 *
 * <pre>{@code
 * TsvClassificationReader mnli = TsvClassificationReader.builder(tokenizer)
 *         .textA("sentence1").textB("sentence2").label("gold_label").build();
 * TaskDataset train = mnli.read(Path.of("MNLI/train.tsv"));          // labels collected and sorted
 * TaskDataset dev = mnli.withLabels(train.labelVocabulary()).read(Path.of("MNLI/dev_matched.tsv"));
 * }</pre>
 *
 * <p>Errors name the source and line, e.g. {@code "train.tsv line 17: expected 3 columns (sentence, label, idx) but
 * found 2"}. Instances are immutable and thread-safe.
 */
public final class TsvClassificationReader implements DatasetReader<TaskDataset> {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private final BertTokenizer tokenizer;
    private final String textA;
    private final String textB;
    private final String label;
    private final TaskType type;
    private final List<String> labels;
    private final String separator;
    private final List<String> columns;
    private final boolean allowUnlabelled;

    private TsvClassificationReader(BertTokenizer tokenizer, String textA, String textB, String label, TaskType type,
                                    List<String> labels, String separator, List<String> columns,
                                    boolean allowUnlabelled) {
        this.tokenizer = tokenizer;
        this.textA = textA;
        this.textB = textB;
        this.label = label;
        this.type = type;
        this.labels = labels;
        this.separator = separator;
        this.columns = columns;
        this.allowUnlabelled = allowUnlabelled;
        if (allowUnlabelled && type != TaskType.CLASSIFICATION) {
            throw new ConfigException("allow_unlabelled", true, "only single-label classification data may have "
                    + "unlabelled rows; this reader is " + type);
        }
    }

    /**
     * @param tokenizer the tokenizer of the model that will read the data
     * @return a builder with the defaults: text column {@code sentence}, no second text, label column {@code label},
     *     classification with labels collected from the data, header row
     */
    public static Builder builder(BertTokenizer tokenizer) {
        return new Builder(tokenizer);
    }

    /**
     * The same reader with a fixed label vocabulary, typically the training set's
     * {@link TaskDataset#labelVocabulary()} for its dev and test files.
     *
     * @param labelVocabulary label names in class-id order
     * @return a new reader
     * @throws ConfigException for regression, or if the list is empty or has blank or repeated names
     */
    public TsvClassificationReader withLabels(List<String> labelVocabulary) {
        if (type == TaskType.REGRESSION) {
            throw new ConfigException("labels", labelVocabulary, "a regression task has no label vocabulary");
        }
        return new TsvClassificationReader(tokenizer, textA, textB, label, type,
                LabelVocabularies.checked("labels", labelVocabulary), separator, columns, allowUnlabelled);
    }

    /**
     * The same reader, with or without {@link Builder#allowUnlabelled(boolean) unlabelled rows}: e.g. a training
     * transfer set may have them while its dev and test files, which are scored, may not.
     *
     * @param allow whether an empty label cell reads as an unlabelled example
     * @return a new reader
     */
    public TsvClassificationReader withUnlabelledAllowed(boolean allow) {
        return new TsvClassificationReader(tokenizer, textA, textB, label, type, labels, separator, columns, allow);
    }

    /** @return CLASSIFICATION, REGRESSION or MULTI_LABEL */
    public TaskType type() {
        return type;
    }

    /** @return the given label vocabulary, or null when it is collected from the data */
    public List<String> labels() {
        return labels;
    }


    /**
     * Reads a stream (not closed).
     *
     * @param in         UTF-8 TSV content
     * @param sourceName the name used in error messages and example ids
     * @return the encoded examples, in order
     * @throws IOException if reading fails
     * @throws DataFormatException if the content is invalid (the message names {@code sourceName} and the line)
     */
    @Override
    public TaskDataset read(InputStream in, String sourceName) throws IOException {
        Utf8Lines lines = new Utf8Lines(in, sourceName);
        List<String> header = columns;
        int headerLine = 0;
        if (header == null) {
            String first;
            while ((first = lines.next()) != null && first.isEmpty()) {
                // leading empty lines are skipped like all others
            }
            if (first == null) {
                throw new DataFormatException(sourceName, 0, "the file is empty; expected a header row naming the "
                        + "columns (" + String.join(", ", wanted()) + ")");
            }
            headerLine = lines.lineNumber();
            header = List.of(first.split("\t", -1));
        }
        int colA = column(header, textA, sourceName, headerLine);
        int colB = textB == null ? -1 : column(header, textB, sourceName, headerLine);
        int colLabel = column(header, label, sourceName, headerLine);
        String expected = "expected " + header.size() + " column" + (header.size() == 1 ? "" : "s") + " ("
                + String.join(", ", header) + ")";

        List<Pending> rows = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        String row;
        while ((row = lines.next()) != null) {
            if (row.isEmpty()) {
                continue;
            }
            int lineNo = lines.lineNumber();
            String[] cells = row.split("\t", -1);
            if (cells.length != header.size()) {
                throw new DataFormatException(sourceName, lineNo, expected + " but found " + cells.length
                        + " (cells are separated by tabs; quotes are not special)");
            }
            String a = cells[colA];
            String b = colB >= 0 ? cells[colB] : null;
            String rawLabel = cells[colLabel].strip();
            Object parsed = parseLabel(rawLabel, sourceName, lineNo, seen);
            Encoding enc;
            try {
                enc = b == null ? tokenizer.encode(a) : tokenizer.encode(a, b);
            } catch (IllegalArgumentException e) {
                throw new DataFormatException(sourceName, lineNo, "cannot encode the text: " + e.getMessage(), e);
            }
            rows.add(new Pending(sourceName + ":" + lineNo, b == null ? List.of(a) : List.of(a, b),
                    Encodings.unpadded(enc), parsed));
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(sourceName, 0, "no examples" + (columns == null ? " after the header row"
                    : "") + "; every non-empty line after the header is one example");
        }

        if (type == TaskType.CLASSIFICATION && seen.isEmpty() && labels == null) {
            throw new DataFormatException(sourceName, 0, "no labelled rows: every label in column '" + label
                    + "' is empty, so the label names cannot be collected (give at least one labelled row)");
        }
        List<String> vocabulary = type == TaskType.REGRESSION ? List.of()
                : labels != null ? labels : LabelVocabularies.collected(seen);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            index.put(vocabulary.get(i), i);
        }
        List<TaskExample> examples = new ArrayList<>(rows.size());
        for (Pending p : rows) {
            Label l;
            if (type == TaskType.REGRESSION) {
                l = new Label.Regression((Float) p.label);
            } else if (type == TaskType.CLASSIFICATION) {
                l = p.label == null ? Label.ClassIndex.UNLABELLED : new Label.ClassIndex(index.get((String) p.label));
            } else {
                @SuppressWarnings("unchecked")
                List<String> names = (List<String>) p.label;
                l = new Label.MultiLabel(names.stream().mapToInt(index::get).toArray());
            }
            examples.add(new TaskExample(p.id, p.texts, p.encoding, l));
        }
        return new TaskDataset(type, vocabulary, examples, tokenizer.vocabulary().padId());
    }

    private Object parseLabel(String raw, String source, int lineNo, Set<String> seen) {
        switch (type) {
            case REGRESSION -> {
                if (!DECIMAL.matcher(raw).matches()) {
                    throw new DataFormatException(source, lineNo, "label '" + raw + "' in column '" + label
                            + "' is not a number (regression labels are decimal numbers such as 3.8 or -1e-2)");
                }
                float v = Float.parseFloat(raw);
                if (!Float.isFinite(v)) {
                    throw new DataFormatException(source, lineNo, "label '" + raw + "' in column '" + label
                            + "' is too large for a float");
                }
                return v;
            }
            case CLASSIFICATION -> {
                if (raw.isEmpty() && allowUnlabelled) {
                    return null;
                }
                if (raw.isEmpty()) {
                    throw new DataFormatException(source, lineNo, "empty label in column '" + label + "'"
                            + (labels == null ? "" : "; " + LabelVocabularies.known(labels))
                            + " (a training transfer set may leave labels empty when unlabelled rows are allowed: "
                            + "data.allow_unlabelled: true)");
                }
                return known(raw, source, lineNo, seen);
            }
            default -> {
                List<String> names = new ArrayList<>();
                for (String part : raw.split(Pattern.quote(separator), -1)) {
                    String name = part.strip();
                    if (!name.isEmpty()) {
                        names.add(known(name, source, lineNo, seen));
                    }
                }
                return names;
            }
        }
    }

    private String known(String name, String source, int lineNo, Set<String> seen) {
        if (labels != null && !labels.contains(name)) {
            throw new DataFormatException(source, lineNo, "unknown label '" + name + "' in column '" + label + "'; "
                    + LabelVocabularies.known(labels));
        }
        seen.add(name);
        return name;
    }

    private List<String> wanted() {
        List<String> w = new ArrayList<>();
        w.add(textA);
        if (textB != null) {
            w.add(textB);
        }
        w.add(label);
        return w;
    }

    private static int column(List<String> header, String name, String source, int headerLine) {
        int at = header.indexOf(name);
        if (at < 0) {
            throw new DataFormatException(source, headerLine, "no column '" + name + "'; the "
                    + (headerLine > 0 ? "header has" : "declared columns are") + ": " + String.join(", ", header));
        }
        if (header.lastIndexOf(name) != at) {
            throw new DataFormatException(source, headerLine, "column '" + name + "' appears more than once in "
                    + String.join(", ", header));
        }
        return at;
    }

    private record Pending(String id, List<String> texts, Encoding encoding, Object label) {
    }

    /** Builder for {@link TsvClassificationReader}; setters validate their argument at once. */
    public static final class Builder {
        private final BertTokenizer tokenizer;
        private String textA = "sentence";
        private String textB;
        private String label = "label";
        private TaskType type = TaskType.CLASSIFICATION;
        private List<String> labels;
        private String separator = ",";
        private List<String> columns;
        private boolean allowUnlabelled;

        private Builder(BertTokenizer tokenizer) {
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        }

        /**
         * @param column header name of the (first) text, e.g. {@code sentence} (SST-2) or {@code sentence1}
         * @return this builder
         */
        public Builder textA(String column) {
            this.textA = columnName("text_a", column);
            return this;
        }

        /**
         * @param column header name of the second text of a pair task (e.g. {@code sentence2}), or null for single
         *               sentences
         * @return this builder
         */
        public Builder textB(String column) {
            this.textB = column == null ? null : columnName("text_b", column);
            return this;
        }

        /**
         * @param column header name of the label, e.g. {@code label}, {@code gold_label} or {@code score}
         * @return this builder
         */
        public Builder label(String column) {
            this.label = columnName("label", column);
            return this;
        }

        /**
         * Fixes the label vocabulary instead of collecting it from the data; a label not in it is an error.
         *
         * @param labelVocabulary label names in class-id order, e.g. {@code ["0", "1"]}
         * @return this builder
         */
        public Builder labels(List<String> labelVocabulary) {
            this.labels = LabelVocabularies.checked("labels", labelVocabulary);
            return this;
        }

        /**
         * @param type CLASSIFICATION (default), REGRESSION (labels are decimal numbers) or MULTI_LABEL (label cells
         *             list class names separated by {@link #multiLabelSeparator(String)}; empty = no class)
         * @return this builder
         */
        public Builder type(TaskType type) {
            Objects.requireNonNull(type, "type");
            if (type != TaskType.CLASSIFICATION && type != TaskType.REGRESSION && type != TaskType.MULTI_LABEL) {
                throw new ConfigException("type", type.toString(),
                        "a TSV task is CLASSIFICATION, REGRESSION or MULTI_LABEL");
            }
            this.type = type;
            return this;
        }

        /** @return this builder, for a regression task ({@code labels} [B] FLOAT) */
        public Builder regression() {
            return type(TaskType.REGRESSION);
        }

        /**
         * @param separator what separates class names in a multi-label cell, {@code ","} by default
         * @return this builder
         */
        public Builder multiLabelSeparator(String separator) {
            if (separator == null || separator.isEmpty() || separator.contains("\t")) {
                throw new ConfigException("multi_label_separator", separator, "a non-empty string without tabs");
            }
            this.separator = separator;
            return this;
        }

        /**
         * Whether a row with an empty label cell is an unlabelled example ({@link Label.ClassIndex#UNLABELLED}) instead
         * of an error: a transfer set for distillation, where the KD and intermediate losses use every row and the
         * hard-label loss only the labelled ones. Single-label classification only; off by default.
         *
         * @param allow whether empty labels are allowed
         * @return this builder
         */
        public Builder allowUnlabelled(boolean allow) {
            this.allowUnlabelled = allow;
            return this;
        }

        /**
         * For files without a header row (e.g. GLUE's CoLA): every non-empty line is an example and these names
         * stand for its columns.
         *
         * @param columnNames one name per column, e.g. {@code ["source", "label", "original_label", "sentence"]}
         * @return this builder
         */
        public Builder headerless(List<String> columnNames) {
            if (columnNames == null || columnNames.isEmpty()) {
                throw new ConfigException("columns", columnNames, "name every column of the headerless file");
            }
            for (int i = 0; i < columnNames.size(); i++) {
                columnName("columns[" + i + "]", columnNames.get(i));
            }
            this.columns = List.copyOf(columnNames);
            return this;
        }

        /**
         * @return the reader
         * @throws ConfigException if a column is used twice, a label vocabulary is given for regression, or a
         *                         headerless column list lacks a configured column
         */
        public TsvClassificationReader build() {
            if (textA.equals(label) || textA.equals(textB) || label.equals(textB)) {
                throw new ConfigException("columns", String.join(", ", textA, String.valueOf(textB), label),
                        "text_a, text_b and label must be different columns");
            }
            if (type == TaskType.REGRESSION && labels != null) {
                throw new ConfigException("labels", labels.toString(), "a regression task has no label vocabulary");
            }
            if (columns != null) {
                for (String c : textB == null ? List.of(textA, label) : List.of(textA, textB, label)) {
                    if (!columns.contains(c)) {
                        throw new ConfigException("columns", columns.toString(), "must include '" + c + "'");
                    }
                }
            }
            return new TsvClassificationReader(tokenizer, textA, textB, label, type, labels, separator, columns,
                    allowUnlabelled);
        }

        private static String columnName(String field, String name) {
            if (name == null || name.isEmpty() || name.contains("\t")) {
                throw new ConfigException(field, name, "a column name: non-empty, without tabs");
            }
            return name;
        }
    }
}
