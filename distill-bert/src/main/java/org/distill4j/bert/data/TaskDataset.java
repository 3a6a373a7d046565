package org.distill4j.bert.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.distill4j.bert.text.Encoding;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.ExampleSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Encoded task examples as an {@link ExampleSet} for {@code BertModel}. Each example keeps its unpadded
 * {@link Encoding}; {@link #batch(int[])} pads the chosen examples on the right to the longest among them (the
 * default) or to a fixed length ({@link #withFixedLength(int)}), and returns the fields
 *
 * <ul>
 *   <li>{@value #INPUT_IDS} [B, L] INT ({@code [PAD]} id on padding),</li>
 *   <li>{@value #TOKEN_TYPE_IDS} [B, L] INT (0 on padding),</li>
 *   <li>{@value #ATTENTION_MASK} [B, L] INT (1 token, 0 padding),</li>
 *   <li>and, by {@link #type()}: {@value #LABELS} [B] INT (classification; {@value #IGNORE_INDEX} for an unlabelled
 *       example), [B] FLOAT (regression), [B, C] FLOAT
 *       (multi-label, C = {@link #numLabels()}), [B, L] INT with {@value #IGNORE_INDEX} on ignored positions (token
 *       classification, padding included); or {@value #START_POSITIONS} and {@value #END_POSITIONS} [B] INT
 *       (question answering).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; the same indices always give the same batch. The {@code with...} methods return
 * views over the same examples.
 */
public final class TaskDataset implements ExampleSet {

    /** Token ids, [B, L] INT. */
    public static final String INPUT_IDS = "input_ids";
    /** Segment ids, [B, L] INT. */
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    /** 1 for tokens, 0 for padding, [B, L] INT. */
    public static final String ATTENTION_MASK = "attention_mask";
    /** Gold labels; shape and type depend on the {@link TaskType}. */
    public static final String LABELS = "labels";
    /** Answer start token positions, [B] INT. */
    public static final String START_POSITIONS = "start_positions";
    /** Answer end token positions (inclusive), [B] INT. */
    public static final String END_POSITIONS = "end_positions";
    /**
     * Label of positions (token classification) or examples (unlabelled rows of a classification transfer set) that
     * the hard-label loss ignores, as PyTorch's {@code ignore_index}.
     */
    public static final int IGNORE_INDEX = -100;

    private final TaskType type;
    private final List<String> labelVocabulary;
    private final Map<String, Integer> labelIndex;
    private final List<TaskExample> examples;
    private final int padId;
    private final int fixedLength;
    private final DataType floatType;
    private final int longest;
    private final int longestIndex;

    /**
     * Validates every example against the task type and the label vocabulary.
     *
     * @param type            what the labels are
     * @param labelVocabulary label names, index = class id; required (non-empty, distinct) for classification,
     *                        multi-label and token classification, must be empty for regression and QA
     * @param examples        the examples (may be empty), each with an unpadded or padded encoding
     * @param padId           the vocabulary's {@code [PAD]} id, used for padding {@value #INPUT_IDS}
     * @throws IllegalArgumentException if a label does not fit the type, vocabulary or encoding (the message names
     *                                  the example id)
     */
    public TaskDataset(TaskType type, List<String> labelVocabulary, List<TaskExample> examples, int padId) {
        this(type, List.copyOf(labelVocabulary), List.copyOf(examples), padId, 0, DataType.FLOAT, true);
    }

    private TaskDataset(TaskType type, List<String> labelVocabulary, List<TaskExample> examples, int padId,
                        int fixedLength, DataType floatType, boolean validate) {
        this.type = Objects.requireNonNull(type, "type");
        this.labelVocabulary = labelVocabulary;
        this.examples = examples;
        this.padId = padId;
        this.fixedLength = fixedLength;
        this.floatType = floatType;
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < labelVocabulary.size(); i++) {
            index.put(labelVocabulary.get(i), i);
        }
        this.labelIndex = Collections.unmodifiableMap(index);
        if (validate) {
            validate();
        }
        int max = 0;
        int at = -1;
        for (int i = 0; i < examples.size(); i++) {
            int n = examples.get(i).encoding().length();
            if (n > max) {
                max = n;
                at = i;
            }
        }
        this.longest = max;
        this.longestIndex = at;
    }

    private void validate() {
        if (padId < 0) {
            throw new IllegalArgumentException("padId must be >= 0, got " + padId);
        }
        if (type.hasLabelVocabulary()) {
            if (labelVocabulary.isEmpty()) {
                throw new IllegalArgumentException(type + " needs a non-empty label vocabulary");
            }
            if (labelIndex.size() != labelVocabulary.size()) {
                throw new IllegalArgumentException("label vocabulary has duplicates: " + labelVocabulary);
            }
        } else if (!labelVocabulary.isEmpty()) {
            throw new IllegalArgumentException(type + " has no label vocabulary, got " + labelVocabulary);
        }
        int c = labelVocabulary.size();
        for (TaskExample e : examples) {
            Label label = e.label();
            if (label.type() != type) {
                throw new IllegalArgumentException("example " + e.id() + " has a " + label.type() + " label in a "
                        + type + " dataset");
            }
            int length = e.encoding().length();
            if (label instanceof Label.ClassIndex ci) {
                if (!ci.isUnlabelled()) {
                    checkClass(e, ci.index(), c);
                }
            } else if (label instanceof Label.MultiLabel ml) {
                for (int k : ml.indices()) {
                    checkClass(e, k, c);
                }
            } else if (label instanceof Label.TokenLabels tl) {
                if (tl.length() != length) {
                    throw new IllegalArgumentException("example " + e.id() + " has " + tl.length()
                            + " token labels for " + length + " positions");
                }
                for (int p = 0; p < length; p++) {
                    if (tl.label(p) != IGNORE_INDEX) {
                        checkClass(e, tl.label(p), c);
                    }
                }
            } else if (label instanceof Label.AnswerSpan s && s.end() >= length) {
                throw new IllegalArgumentException("example " + e.id() + ": answer span [" + s.start() + ", "
                        + s.end() + "] outside its " + length + " positions");
            }
        }
    }

    private void checkClass(TaskExample e, int k, int c) {
        if (k < 0 || k >= c) {
            throw new IllegalArgumentException("example " + e.id() + ": label index " + k + " outside [0, " + c
                    + ") of the label vocabulary " + labelVocabulary);
        }
    }

    /** @return what the labels are */
    public TaskType type() {
        return type;
    }

    /**
     * The label vocabulary: label names in class-id order (index i = class i), e.g. {@code [contradiction,
     * entailment, neutral]} or {@code [B-LOC, B-MISC, ..., O]}. Empty for regression and question answering.
     * Pass it to the reader of the dev and test files so they use the same ids.
     *
     * @return unmodifiable list of label names
     */
    public List<String> labelVocabulary() {
        return labelVocabulary;
    }

    /** @return number of classes C (0 for regression and question answering) */
    public int numLabels() {
        return labelVocabulary.size();
    }

    /**
     * @param name a label name
     * @return its class id, or -1 if it is not in the vocabulary
     */
    public int labelIndex(String name) {
        return labelIndex.getOrDefault(name, -1);
    }

    /** @return the label-name -> class-id map (unmodifiable) */
    public Map<String, Integer> labelIndex() {
        return labelIndex;
    }

    @Override
    public int size() {
        return examples.size();
    }

    /**
     * @param i example index in [0, size())
     * @return the example
     */
    public TaskExample example(int i) {
        return examples.get(i);
    }

    /** @return all examples, in order (unmodifiable) */
    public List<TaskExample> examples() {
        return examples;
    }

    /** @return the length of the longest encoding, special tokens included (0 if empty) */
    public int longestLength() {
        return longest;
    }

    /**
     * @return how many examples have no gold class ({@link Label.ClassIndex#UNLABELLED}: a transfer set's unlabelled
     *     rows, which only distillation losses use)
     */
    public int numUnlabelled() {
        int n = 0;
        for (TaskExample e : examples) {
            if (e.label() instanceof Label.ClassIndex ci && ci.isUnlabelled()) {
                n++;
            }
        }
        return n;
    }

    /** @return how many examples lost word pieces to truncation */
    public int numTruncated() {
        int n = 0;
        for (TaskExample e : examples) {
            if (e.encoding().numTruncated() > 0) {
                n++;
            }
        }
        return n;
    }

    /** @return the fixed batch length L, or 0 when each batch is padded to its longest example */
    public int fixedLength() {
        return fixedLength;
    }

    /** @return the data type of float labels (regression and multi-label), FLOAT by default */
    public DataType floatType() {
        return floatType;
    }

    /** @return the {@code [PAD]} id used for padding */
    public int padId() {
        return padId;
    }

    /**
     * @return the batch fields this dataset produces, in order: {@value #INPUT_IDS}, {@value #TOKEN_TYPE_IDS},
     *     {@value #ATTENTION_MASK}, then {@value #LABELS} or {@value #START_POSITIONS} and {@value #END_POSITIONS}
     */
    public List<String> fieldNames() {
        return type == TaskType.QUESTION_ANSWERING
                ? List.of(INPUT_IDS, TOKEN_TYPE_IDS, ATTENTION_MASK, START_POSITIONS, END_POSITIONS)
                : List.of(INPUT_IDS, TOKEN_TYPE_IDS, ATTENTION_MASK, LABELS);
    }

    /**
     * The same examples, every batch padded to {@code length} positions (e.g. the model's maximum, for
     * fixed-shape graphs).
     *
     * @param length L for every batch
     * @return a view with fixed-length batches
     * @throws IllegalArgumentException if an example is longer than {@code length} (the message names it)
     */
    public TaskDataset withFixedLength(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("fixed length must be >= 1, got " + length);
        }
        if (length < longest) {
            throw new IllegalArgumentException("fixed length " + length + " is shorter than example "
                    + examples.get(longestIndex).id() + " (" + longest + " tokens); use at least " + longest);
        }
        return new TaskDataset(type, labelVocabulary, examples, padId, length, floatType, false);
    }

    /** @return the same examples, each batch padded to its longest example (the default) */
    public TaskDataset withLongestPadding() {
        return new TaskDataset(type, labelVocabulary, examples, padId, 0, floatType, false);
    }

    /**
     * @param floatType FLOAT (default), DOUBLE, HALF or BFLOAT16: the type of regression and multi-label
     *                  {@value #LABELS}, which must match the model's
     * @return a view producing float labels of that type
     */
    public TaskDataset withFloatType(DataType floatType) {
        if (!Objects.requireNonNull(floatType, "floatType").isFPType()) {
            throw new IllegalArgumentException("float labels need a floating-point type, got " + floatType);
        }
        return new TaskDataset(type, labelVocabulary, examples, padId, fixedLength, floatType, false);
    }

    /**
     * The examples at {@code indices}, padded to one length: the longest of them, or {@link #fixedLength()}.
     *
     * @param indices at least one example index, each in [0, size()); repeats allowed
     * @return a batch with {@link #fieldNames()}; shapes as in the class comment
     */
    @Override
    public Batch batch(int[] indices) {
        Objects.requireNonNull(indices, "indices");
        if (indices.length == 0) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        List<TaskExample> rows = new ArrayList<>(indices.length);
        int length = 0;
        for (int i : indices) {
            if (i < 0 || i >= examples.size()) {
                throw new IndexOutOfBoundsException("example " + i + " of " + examples.size());
            }
            TaskExample e = examples.get(i);
            rows.add(e);
            length = Math.max(length, e.encoding().length());
        }
        if (fixedLength > 0) {
            length = fixedLength;
        }
        int b = rows.size();
        int[][] ids = new int[b][length];
        int[][] types = new int[b][length];
        int[][] mask = new int[b][length];
        for (int r = 0; r < b; r++) {
            Encoding enc = rows.get(r).encoding();
            int n = enc.length();
            for (int p = 0; p < length; p++) {
                if (p < n) {
                    ids[r][p] = enc.id(p);
                    types[r][p] = enc.typeId(p);
                    mask[r][p] = enc.mask(p);
                } else {
                    ids[r][p] = padId;
                }
            }
        }
        Map<String, INDArray> fields = new LinkedHashMap<>();
        fields.put(INPUT_IDS, Nd4j.createFromArray(ids));
        fields.put(TOKEN_TYPE_IDS, Nd4j.createFromArray(types));
        fields.put(ATTENTION_MASK, Nd4j.createFromArray(mask));
        switch (type) {
            case CLASSIFICATION -> {
                int[] y = new int[b];
                for (int r = 0; r < b; r++) {
                    y[r] = ((Label.ClassIndex) rows.get(r).label()).index();
                }
                fields.put(LABELS, Nd4j.createFromArray(y));
            }
            case REGRESSION -> {
                float[] y = new float[b];
                for (int r = 0; r < b; r++) {
                    y[r] = ((Label.Regression) rows.get(r).label()).value();
                }
                fields.put(LABELS, floats(Nd4j.createFromArray(y)));
            }
            case MULTI_LABEL -> {
                float[][] y = new float[b][numLabels()];
                for (int r = 0; r < b; r++) {
                    for (int k : ((Label.MultiLabel) rows.get(r).label()).indices()) {
                        y[r][k] = 1f;
                    }
                }
                fields.put(LABELS, floats(Nd4j.createFromArray(y)));
            }
            case TOKEN_CLASSIFICATION -> {
                int[][] y = new int[b][length];
                for (int r = 0; r < b; r++) {
                    Label.TokenLabels t = (Label.TokenLabels) rows.get(r).label();
                    for (int p = 0; p < length; p++) {
                        y[r][p] = p < t.length() ? t.label(p) : IGNORE_INDEX;
                    }
                }
                fields.put(LABELS, Nd4j.createFromArray(y));
            }
            case QUESTION_ANSWERING -> {
                int[] start = new int[b];
                int[] end = new int[b];
                for (int r = 0; r < b; r++) {
                    Label.AnswerSpan s = (Label.AnswerSpan) rows.get(r).label();
                    start[r] = s.start();
                    end[r] = s.end();
                }
                fields.put(START_POSITIONS, Nd4j.createFromArray(start));
                fields.put(END_POSITIONS, Nd4j.createFromArray(end));
            }
            default -> throw new IllegalStateException("unknown task type " + type);
        }
        return new Batch(fields);
    }

    private INDArray floats(INDArray a) {
        return a.dataType() == floatType ? a : a.castTo(floatType);
    }

    @Override
    public String toString() {
        return "TaskDataset[" + type + ", " + examples.size() + " examples, longest " + longest + " tokens"
                + (labelVocabulary.isEmpty() ? "" : ", labels " + labelVocabulary)
                + (fixedLength > 0 ? ", fixed length " + fixedLength : "") + "]";
    }
}
