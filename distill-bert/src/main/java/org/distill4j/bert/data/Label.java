package org.distill4j.bert.data;

import java.util.Arrays;

/**
 * The gold label of one {@link TaskExample}; which kind a dataset holds is its {@link TaskType}.
 */
public sealed interface Label permits Label.ClassIndex, Label.Regression, Label.MultiLabel, Label.TokenLabels,
        Label.AnswerSpan {

    /** @return the task type this kind of label belongs to */
    TaskType type();

    /**
     * A single class ({@link TaskType#CLASSIFICATION}), or none: an unlabelled example of a transfer set, which
     * distillation losses use and the hard-label loss skips.
     *
     * @param index index into the dataset's label vocabulary, or {@link TaskDataset#IGNORE_INDEX} when unlabelled
     */
    record ClassIndex(int index) implements Label {
        /** The label of an unlabelled example. */
        public static final ClassIndex UNLABELLED = new ClassIndex(TaskDataset.IGNORE_INDEX);

        /** @return whether this example has no gold class */
        public boolean isUnlabelled() {
            return index == TaskDataset.IGNORE_INDEX;
        }

        @Override
        public TaskType type() {
            return TaskType.CLASSIFICATION;
        }
    }

    /**
     * A real-valued target ({@link TaskType#REGRESSION}).
     *
     * @param value a finite number
     */
    record Regression(float value) implements Label {
        /**
         * @param value a finite number
         */
        public Regression {
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException("regression label must be finite, got " + value);
            }
        }

        @Override
        public TaskType type() {
            return TaskType.REGRESSION;
        }
    }

    /**
     * A set of classes ({@link TaskType#MULTI_LABEL}).
     *
     * @param indices sorted, distinct indices into the label vocabulary (may be empty: no class applies)
     */
    record MultiLabel(int[] indices) implements Label {
        /**
         * Copies, sorts and removes duplicates.
         *
         * @param indices indices into the label vocabulary
         */
        public MultiLabel {
            indices = Arrays.stream(indices).sorted().distinct().toArray();
        }

        /** @return a copy of the sorted, distinct class indices */
        @Override
        public int[] indices() {
            return indices.clone();
        }

        @Override
        public TaskType type() {
            return TaskType.MULTI_LABEL;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MultiLabel m && Arrays.equals(indices, m.indices);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(indices);
        }

        @Override
        public String toString() {
            return "MultiLabel" + Arrays.toString(indices);
        }
    }

    /**
     * One label per input position ({@link TaskType#TOKEN_CLASSIFICATION}), aligned with the example's
     * {@link org.distill4j.bert.text.Encoding}.
     *
     * @param labels  shape [L]: label index on the first word piece of each word, {@link TaskDataset#IGNORE_INDEX}
     *                elsewhere (other pieces, special tokens, padding)
     * @param wordIds shape [L]: 0-based index of the word each position belongs to, -1 for special tokens and
     *                padding (so word-level predictions can be read off the first pieces)
     */
    record TokenLabels(int[] labels, int[] wordIds) implements Label {
        /**
         * Copies and checks the lengths.
         *
         * @param labels  per-position labels
         * @param wordIds per-position word indices
         */
        public TokenLabels {
            labels = labels.clone();
            wordIds = wordIds.clone();
            if (labels.length != wordIds.length) {
                throw new IllegalArgumentException("labels has " + labels.length + " positions, wordIds "
                        + wordIds.length);
            }
        }

        /** @return a copy of the per-position labels, shape [L] */
        @Override
        public int[] labels() {
            return labels.clone();
        }

        /** @return a copy of the per-position word indices, shape [L] */
        @Override
        public int[] wordIds() {
            return wordIds.clone();
        }

        /**
         * @param position a position in [0, L)
         * @return the label there (or {@link TaskDataset#IGNORE_INDEX})
         */
        public int label(int position) {
            return labels[position];
        }

        /**
         * @param position a position in [0, L)
         * @return the word index there, or -1
         */
        public int wordId(int position) {
            return wordIds[position];
        }

        /** @return number of positions L */
        public int length() {
            return labels.length;
        }

        @Override
        public TaskType type() {
            return TaskType.TOKEN_CLASSIFICATION;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TokenLabels t && Arrays.equals(labels, t.labels) && Arrays.equals(wordIds, t.wordIds);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(labels) * 31 + Arrays.hashCode(wordIds);
        }

        @Override
        public String toString() {
            return "TokenLabels[labels=" + Arrays.toString(labels) + ", wordIds=" + Arrays.toString(wordIds) + "]";
        }
    }

    /**
     * An answer span as token positions of the input ({@link TaskType#QUESTION_ANSWERING}), both 0 ({@code [CLS]})
     * when the answer is not inside the input.
     *
     * @param start position of the answer's first token (inclusive)
     * @param end   position of the answer's last token (inclusive), at least {@code start}
     */
    record AnswerSpan(int start, int end) implements Label {
        /**
         * @param start first token position
         * @param end   last token position (inclusive)
         */
        public AnswerSpan {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("bad answer span [" + start + ", " + end + "]");
            }
        }

        /** @return whether this is the "no answer here" span (0, 0) */
        public boolean isNoAnswer() {
            return start == 0 && end == 0;
        }

        @Override
        public TaskType type() {
            return TaskType.QUESTION_ANSWERING;
        }
    }
}
