package org.distill4j.bert.data;

import java.util.Objects;
import org.distill4j.bert.text.Encoding;

/**
 * One window of a {@link SquadExample}: the input {@code [CLS] question [SEP] context-window [SEP]} that is one row
 * of a {@link SquadDataset}'s {@link TaskDataset}, with what is needed to turn predicted token positions back into
 * answer text.
 *
 * <p>Positions are indices into the feature's encoding ({@code 0 .. length()-1}, {@code 0} = {@code [CLS]}). Context
 * positions are {@link #contextStart()} to {@link #contextEnd()} (exclusive); each maps to a character span of the
 * <em>whole</em> context (UTF-16, end exclusive), so an answer is {@code context.substring(charStart(s),
 * charEnd(e))}.
 */
public final class SquadFeature {

    private final int exampleIndex;
    private final String exampleId;
    private final int window;
    private final Encoding encoding;
    private final String context;
    private final int contextStart;
    private final int contextEnd;
    private final int firstContextToken;
    private final boolean[] maxContext;
    private final Label.AnswerSpan answer;

    SquadFeature(int exampleIndex, String exampleId, int window, Encoding encoding, String context,
                 int contextStart, int contextEnd, int firstContextToken, boolean[] maxContext,
                 Label.AnswerSpan answer) {
        this.exampleIndex = exampleIndex;
        this.exampleId = Objects.requireNonNull(exampleId, "exampleId");
        this.window = window;
        this.encoding = encoding;
        this.context = context;
        this.contextStart = contextStart;
        this.contextEnd = contextEnd;
        this.firstContextToken = firstContextToken;
        this.maxContext = maxContext;
        this.answer = answer;
    }

    /** @return index of the example in {@link SquadDataset#examples()} */
    public int exampleIndex() {
        return exampleIndex;
    }

    /** @return the question id of the example */
    public String exampleId() {
        return exampleId;
    }

    /** @return which window of its example this is, 0-based */
    public int window() {
        return window;
    }

    /** @return the unpadded encoding (same as the dataset row's) */
    public Encoding encoding() {
        return encoding;
    }

    /** @return number of positions of the unpadded encoding */
    public int length() {
        return encoding.length();
    }

    /** @return the whole context of the example */
    public String context() {
        return context;
    }

    /** @return position of the window's first context token (number of question tokens + 2) */
    public int contextStart() {
        return contextStart;
    }

    /** @return position after the window's last context token (the final {@code [SEP]}) */
    public int contextEnd() {
        return contextEnd;
    }

    /** @return index of the window's first token among all word pieces of the context (the stride offset) */
    public int firstContextToken() {
        return firstContextToken;
    }

    /** @return number of context tokens in this window */
    public int contextLength() {
        return contextEnd - contextStart;
    }

    /**
     * @param position a position of the encoding
     * @return whether it holds a context token
     */
    public boolean isContext(int position) {
        return position >= contextStart && position < contextEnd;
    }

    /**
     * @param position a context position
     * @return UTF-16 start of its token in the context (inclusive), or -1 if it is not a context position
     */
    public int charStart(int position) {
        return isContext(position) ? encoding.start(position) : -1;
    }

    /**
     * @param position a context position
     * @return UTF-16 end of its token in the context (exclusive), or -1 if it is not a context position
     */
    public int charEnd(int position) {
        return isContext(position) ? encoding.end(position) : -1;
    }

    /**
     * Whether this window gives the token at {@code position} its best context (Google's
     * {@code _check_is_max_context}: among the windows holding the token, the one where
     * {@code min(left, right context) + 0.01 * window length} is largest). When windows overlap, keep a predicted
     * start only from the window where this is true.
     *
     * @param position a position of the encoding
     * @return false for non-context positions
     */
    public boolean isMaxContext(int position) {
        return isContext(position) && maxContext[position - contextStart];
    }

    /** @return the gold positions, (0, 0) when the answer is not inside this window or there is none */
    public Label.AnswerSpan answer() {
        return answer;
    }

    /**
     * The context text covered by a predicted span.
     *
     * @param start predicted start position
     * @param end   predicted end position (inclusive)
     * @return {@code context.substring(charStart(start), charEnd(end))}, or {@code ""} if either is not a context
     *     position or {@code end < start}
     */
    public String answerText(int start, int end) {
        if (!isContext(start) || !isContext(end) || end < start) {
            return "";
        }
        return context.substring(encoding.start(start), encoding.end(end));
    }

    @Override
    public String toString() {
        return "SquadFeature[" + exampleId + " window " + window + ", context tokens " + firstContextToken + ".."
                + (firstContextToken + contextLength()) + ", answer " + answer.start() + "-" + answer.end() + "]";
    }
}
