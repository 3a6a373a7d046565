package org.distill4j.bert.data;

import java.util.List;
import java.util.Objects;

/**
 * One SQuAD question with its paragraph, as read from the file (before tokenization).
 *
 * @param id         the question id ({@code qas[].id}), unique in the file
 * @param title      the article title ({@code data[].title}), or {@code ""} if absent
 * @param question   the question text
 * @param context    the paragraph ({@code paragraphs[].context}); several examples share one string
 * @param answers    the gold answers in file order (one in SQuAD v1.1 training files, usually three in dev files;
 *                   empty for unanswerable questions); the first is the training target
 * @param impossible whether the file marks the question unanswerable ({@code is_impossible}, SQuAD 2.0)
 */
public record SquadExample(String id, String title, String question, String context, List<Answer> answers,
                           boolean impossible) {

    /**
     * Checks for nulls and copies the answers.
     *
     * @param id         question id
     * @param title      article title
     * @param question   question text
     * @param context    paragraph
     * @param answers    gold answers
     * @param impossible unanswerable
     */
    public SquadExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(context, "context");
        answers = List.copyOf(answers);
    }

    /** @return whether the example has a gold answer (the first one is what features are labelled with) */
    public boolean hasAnswer() {
        return !answers.isEmpty();
    }

    /**
     * A gold answer located in the context.
     *
     * @param text        the answer text, equal to {@code context.substring(start, end)}
     * @param start       UTF-16 start index in the context (inclusive)
     * @param end         UTF-16 end index in the context (exclusive)
     * @param answerStart the file's {@code answer_start}: a Unicode code point index (Python string index), equal to
     *                    {@code start} unless the context has characters outside the Basic Multilingual Plane
     */
    public record Answer(String text, int start, int end, int answerStart) {
        /**
         * @param text        answer text
         * @param start       UTF-16 start (inclusive)
         * @param end         UTF-16 end (exclusive)
         * @param answerStart code point start as in the file
         */
        public Answer {
            Objects.requireNonNull(text, "text");
            if (start < 0 || end < start || answerStart < 0) {
                throw new IllegalArgumentException("bad answer span [" + start + ", " + end + ")");
            }
        }
    }
}
