package org.distill4j.bert.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Encoding;
import org.distill4j.bert.text.TokenSpan;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.core.config.ConfigException;

/**
 * Reads SQuAD v1.1 JSON into a {@link SquadDataset}: features {@code [CLS] question [SEP] context-window [SEP]}
 * with {@code start_positions} / {@code end_positions}, windows made as by Google's {@code run_squad.py}.
 *
 * <p>Format: {@code {"data": [{"title": ..., "paragraphs": [{"context": ..., "qas": [{"id": ..., "question": ...,
 * "answers": [{"text": ..., "answer_start": ...}]}]}]}]}}; other fields are ignored. {@code answer_start} is a
 * Unicode code point index into the context (a Python string index). Every answer is checked: its text must be at
 * {@code answer_start} exactly, else an error names the question id, the JSON path and the line. Question ids must
 * be unique. A question with no answers, or with {@code "is_impossible": true} (SQuAD 2.0), is an error unless
 * {@link Builder#allowUnanswerable(boolean)}; then its features have positions (0, 0).
 *
 * <p>Striding, as {@code run_squad.py}: the question's word pieces are cut to {@code maxQueryLength}; the context's
 * word pieces are covered by windows of at most {@code maxLength - questionTokens - 3} tokens, each starting
 * {@code min(docStride, previous window length)} tokens after the previous one, the last ending at the context's
 * end. Each window is one feature. A feature's positions point at the first answer's first and last word piece if
 * both lie in the window, else both are 0 ({@code [CLS]}). Answer pieces are found from character offsets: the
 * first and last context piece overlapping the answer's characters.
 *
 * <p>Type ids: 0 for {@code [CLS]}, the question and the first {@code [SEP]}; 1 for the context and the last
 * {@code [SEP]}. Offsets of question tokens index into the question, of context tokens into the whole context
 * ({@link TaskExample#texts()} is {@code [question, context]}). Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * SquadReader reader = SquadReader.builder(tokenizer).maxLength(384).docStride(128).maxQueryLength(64).build();
 * SquadDataset train = reader.read(Path.of("train-v1.1.json"));
 * trainer.train(train.dataset());
 * SquadFeature f = train.feature(row);
 * String predicted = f.answerText(bestStart, bestEnd);
 * }</pre>
 */
public final class SquadReader implements DatasetReader<SquadDataset> {

    /** Google's default {@code max_seq_length}. */
    public static final int DEFAULT_MAX_LENGTH = 384;
    /** Google's default {@code doc_stride}. */
    public static final int DEFAULT_DOC_STRIDE = 128;
    /** Google's default {@code max_query_length}. */
    public static final int DEFAULT_MAX_QUERY_LENGTH = 64;

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final BertTokenizer tokenizer;
    private final int maxLength;
    private final int docStride;
    private final int maxQueryLength;
    private final boolean allowUnanswerable;

    private SquadReader(Builder b) {
        this.tokenizer = b.tokenizer;
        this.maxLength = b.maxLength;
        this.docStride = b.docStride;
        this.maxQueryLength = b.maxQueryLength;
        this.allowUnanswerable = b.allowUnanswerable;
    }

    /**
     * @param tokenizer the tokenizer of the model that will read the data (its maxLength bounds {@code maxLength};
     *                  its truncation and padding settings are not used)
     * @return a builder with Google's defaults: maxLength {@value #DEFAULT_MAX_LENGTH} (or the tokenizer's, if
     *     smaller), docStride {@value #DEFAULT_DOC_STRIDE}, maxQueryLength {@value #DEFAULT_MAX_QUERY_LENGTH};
     *     unanswerable questions are errors
     */
    public static Builder builder(BertTokenizer tokenizer) {
        return new Builder(tokenizer);
    }

    /** @return the maximum feature length in tokens, special tokens included */
    public int maxLength() {
        return maxLength;
    }

    /** @return how far apart windows start, in context tokens */
    public int docStride() {
        return docStride;
    }

    /** @return the maximum number of question tokens kept */
    public int maxQueryLength() {
        return maxQueryLength;
    }

    /** @return whether questions without an answer are accepted */
    public boolean allowUnanswerable() {
        return allowUnanswerable;
    }


    /**
     * Reads a stream (not closed).
     *
     * @param in         SQuAD JSON (UTF-8)
     * @param sourceName the name used in error messages
     * @return examples, features and the dataset
     * @throws IOException if reading fails
     * @throws DataFormatException if the content is invalid (the message names {@code sourceName}, the line and
     *                             the question id)
     */
    @Override
    public SquadDataset read(InputStream in, String sourceName) throws IOException {
        List<RawParagraph> paragraphs = new Parser(sourceName).parse(in);
        List<SquadExample> examples = new ArrayList<>();
        List<SquadFeature> features = new ArrayList<>();
        List<TaskExample> rows = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (RawParagraph p : paragraphs) {
            List<TokenSpan> contextTokens = null;
            for (RawQa qa : p.qas) {
                Integer previous = ids.putIfAbsent(qa.id, qa.line);
                if (previous != null) {
                    throw qa.error(sourceName, "question id '" + qa.id + "' was already used on line " + previous);
                }
                SquadExample example = validate(p, qa, sourceName);
                if (contextTokens == null) {
                    contextTokens = tokenizer.tokenizeWithOffsets(p.context);
                }
                int exampleIndex = examples.size();
                examples.add(example);
                featurize(exampleIndex, example, contextTokens, qa, sourceName, features, rows);
            }
        }
        if (examples.isEmpty()) {
            throw new DataFormatException(sourceName, 0, "no questions (expected data[].paragraphs[].qas[])");
        }
        TaskDataset dataset = new TaskDataset(TaskType.QUESTION_ANSWERING, List.of(), rows,
                tokenizer.vocabulary().padId());
        return new SquadDataset(dataset, examples, features);
    }

    private SquadExample validate(RawParagraph p, RawQa qa, String source) {
        if (qa.question == null) {
            throw qa.error(source, "missing \"question\"");
        }
        if (qa.question.isBlank()) {
            throw qa.error(source, "the question is empty");
        }
        String context = p.context;
        int contextCps = context.codePointCount(0, context.length());
        List<SquadExample.Answer> answers = new ArrayList<>();
        for (RawAnswer a : qa.answers) {
            if (a.text == null) {
                throw a.error(source, qa, "missing \"text\"");
            }
            if (a.start == null) {
                throw a.error(source, qa, "missing \"answer_start\"");
            }
            if (a.text.isEmpty()) {
                throw a.error(source, qa, "the answer text is empty");
            }
            int textCps = a.text.codePointCount(0, a.text.length());
            if (a.start < 0 || a.start + textCps > contextCps) {
                throw a.error(source, qa, "answer '" + a.text + "' at answer_start " + a.start
                        + " does not fit in the context of " + contextCps + " characters" + whereElse(context, a.text));
            }
            int start = context.offsetByCodePoints(0, a.start);
            if (!context.startsWith(a.text, start)) {
                int shownEnd = Math.min(context.length(), start + a.text.length());
                throw a.error(source, qa, "answer '" + a.text + "' is not at answer_start " + a.start
                        + " of the context, which has '" + context.substring(start, shownEnd) + "' there"
                        + whereElse(context, a.text));
            }
            answers.add(new SquadExample.Answer(a.text, start, start + a.text.length(), a.start));
        }
        if (!allowUnanswerable) {
            if (qa.impossible) {
                throw qa.error(source, "the question is marked is_impossible (SQuAD 2.0); SQuAD v1.1 questions all "
                        + "have an answer (use SquadReader.Builder.allowUnanswerable(true) to read SQuAD 2.0)");
            }
            if (answers.isEmpty()) {
                throw qa.error(source, "the question has no answers; SQuAD v1.1 questions have at least one "
                        + "(use SquadReader.Builder.allowUnanswerable(true) for SQuAD 2.0 or unlabelled files)");
            }
        }
        if (qa.impossible) {
            answers.clear(); // SQuAD 2.0 keeps only plausible answers of impossible questions, which are not gold
        }
        return new SquadExample(qa.id, p.title, qa.question, context, answers, qa.impossible);
    }

    private static String whereElse(String context, String text) {
        int at = context.indexOf(text);
        if (at < 0) {
            return "; the text does not occur in the context";
        }
        return "; the text occurs at character " + context.codePointCount(0, at);
    }

    private void featurize(int exampleIndex, SquadExample example, List<TokenSpan> context, RawQa qa, String source,
                           List<SquadFeature> features, List<TaskExample> rows) {
        List<TokenSpan> query = tokenizer.tokenizeWithOffsets(example.question());
        int queryRemoved = Math.max(0, query.size() - maxQueryLength);
        if (queryRemoved > 0) {
            query = query.subList(0, maxQueryLength);
        }
        int answerFirst = -1;
        int answerLast = -1;
        if (example.hasAnswer()) {
            SquadExample.Answer a = example.answers().get(0);
            for (int i = 0; i < context.size(); i++) {
                TokenSpan t = context.get(i);
                if (t.end() > a.start() && t.start() < a.end()) {
                    if (answerFirst < 0) {
                        answerFirst = i;
                    }
                    answerLast = i;
                }
            }
            if (answerFirst < 0) {
                throw qa.error(source, "answer '" + a.text() + "' covers no word piece of the context (only "
                        + "characters the tokenizer drops)");
            }
        }
        int maxTokensForDoc = maxLength - query.size() - 3;
        List<int[]> spans = new ArrayList<>();
        int offset = 0;
        while (true) {
            int length = Math.min(context.size() - offset, maxTokensForDoc);
            spans.add(new int[] {offset, length});
            if (offset + length >= context.size()) {
                break;
            }
            offset += Math.min(length, docStride);
        }
        Vocabulary vocab = tokenizer.vocabulary();
        List<String> texts = List.of(example.question(), example.context());
        for (int w = 0; w < spans.size(); w++) {
            int docStart = spans.get(w)[0];
            int docLength = spans.get(w)[1];
            int n = query.size() + docLength + 3;
            List<String> tokens = new ArrayList<>(n);
            int[] ids = new int[n];
            int[] typeIds = new int[n];
            int[] mask = new int[n];
            int[] starts = new int[n];
            int[] ends = new int[n];
            int[] seq = new int[n];
            Arrays.fill(mask, 1);
            Arrays.fill(starts, -1);
            Arrays.fill(ends, -1);
            Arrays.fill(seq, -1);
            int pos = 0;
            tokens.add(Vocabulary.CLS);
            ids[pos++] = vocab.clsId();
            for (TokenSpan t : query) {
                tokens.add(t.token());
                ids[pos] = t.id();
                starts[pos] = t.start();
                ends[pos] = t.end();
                seq[pos] = 0;
                pos++;
            }
            tokens.add(Vocabulary.SEP);
            ids[pos++] = vocab.sepId();
            int contextStart = pos;
            boolean[] maxContext = new boolean[docLength];
            for (int i = 0; i < docLength; i++) {
                TokenSpan t = context.get(docStart + i);
                tokens.add(t.token());
                ids[pos] = t.id();
                typeIds[pos] = 1;
                starts[pos] = t.start();
                ends[pos] = t.end();
                seq[pos] = 1;
                maxContext[i] = isMaxContext(spans, w, docStart + i);
                pos++;
            }
            int contextEnd = pos;
            tokens.add(Vocabulary.SEP);
            ids[pos] = vocab.sepId();
            typeIds[pos] = 1;
            Label.AnswerSpan label = new Label.AnswerSpan(0, 0);
            if (answerFirst >= 0 && answerFirst >= docStart && answerLast < docStart + docLength) {
                label = new Label.AnswerSpan(answerFirst - docStart + contextStart, answerLast - docStart
                        + contextStart);
            }
            Encoding enc = new Encoding(tokens, ids, typeIds, mask, starts, ends, seq, queryRemoved);
            features.add(new SquadFeature(exampleIndex, example.id(), w, enc, example.context(), contextStart,
                    contextEnd, docStart, maxContext, label));
            rows.add(new TaskExample(example.id(), texts, enc, label));
        }
    }

    /** Google's {@code _check_is_max_context}. */
    private static boolean isMaxContext(List<int[]> spans, int current, int position) {
        double best = -1;
        int bestIndex = -1;
        for (int s = 0; s < spans.size(); s++) {
            int start = spans.get(s)[0];
            int length = spans.get(s)[1];
            int end = start + length - 1;
            if (position < start || position > end) {
                continue;
            }
            double score = Math.min(position - start, end - position) + 0.01 * length;
            if (bestIndex < 0 || score > best) {
                best = score;
                bestIndex = s;
            }
        }
        return bestIndex == current;
    }

    // ---------------------------------------------------------------- JSON

    private static final class RawParagraph {
        String title = "";
        String context;
        final List<RawQa> qas = new ArrayList<>();
    }

    private static final class RawQa {
        final String path;
        final int line;
        String id;
        String question;
        boolean impossible;
        final List<RawAnswer> answers = new ArrayList<>();

        RawQa(String path, int line) {
            this.path = path;
            this.line = line;
        }

        DataFormatException error(String source, String message) {
            return new DataFormatException(source, line, "question '" + id + "' (" + path + "): " + message);
        }
    }

    private static final class RawAnswer {
        final String path;
        final int line;
        String text;
        Integer start;

        RawAnswer(String path, int line) {
            this.path = path;
            this.line = line;
        }

        DataFormatException error(String source, RawQa qa, String message) {
            return new DataFormatException(source, line, "question '" + qa.id + "' (" + path + "): " + message);
        }
    }

    /** Streaming reader of the SQuAD structure that remembers where things are, for error messages. */
    private static final class Parser {
        private final String source;
        private JsonParser p;

        Parser(String source) {
            this.source = source;
        }

        List<RawParagraph> parse(InputStream in) throws IOException {
            try (JsonParser parser = JSON.createParser(in)) {
                parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
                this.p = parser;
                if (p.nextToken() == null) {
                    throw new DataFormatException(source, 0, "the file is empty; expected a SQuAD JSON object");
                }
                expect(JsonToken.START_OBJECT, "the top level", "an object with a \"data\" array");
                List<RawParagraph> out = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if (name.equals("data")) {
                        out = articles();
                    } else {
                        p.skipChildren();
                    }
                }
                if (out == null) {
                    throw new DataFormatException(source, line(), "no \"data\" array at the top level");
                }
                if (p.nextToken() != null) {
                    throw new DataFormatException(source, line(), "unexpected content after the top-level object");
                }
                return out;
            } catch (JsonProcessingException e) {
                int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
                throw new DataFormatException(source, line, "not valid JSON (or not UTF-8): " + e.getOriginalMessage(),
                        e);
            }
        }

        private List<RawParagraph> articles() throws IOException {
            expect(JsonToken.START_ARRAY, "data", "an array of articles");
            List<RawParagraph> out = new ArrayList<>();
            int a = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String path = "data[" + a + "]";
                expect(JsonToken.START_OBJECT, path, "an article object");
                String title = "";
                List<RawParagraph> paragraphs = new ArrayList<>();
                boolean sawParagraphs = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    switch (name) {
                        case "title" -> title = string(path + ".title");
                        case "paragraphs" -> {
                            paragraphs = paragraphs(path);
                            sawParagraphs = true;
                        }
                        default -> p.skipChildren();
                    }
                }
                if (!sawParagraphs) {
                    throw new DataFormatException(source, line(), path + ": missing \"paragraphs\"");
                }
                for (RawParagraph par : paragraphs) {
                    par.title = title;
                }
                out.addAll(paragraphs);
                a++;
            }
            return out;
        }

        private List<RawParagraph> paragraphs(String article) throws IOException {
            expect(JsonToken.START_ARRAY, article + ".paragraphs", "an array of paragraphs");
            List<RawParagraph> out = new ArrayList<>();
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String path = article + ".paragraphs[" + i + "]";
                expect(JsonToken.START_OBJECT, path, "a paragraph object");
                int line = line();
                RawParagraph par = new RawParagraph();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    switch (name) {
                        case "context" -> par.context = string(path + ".context");
                        case "qas" -> qas(path, par);
                        default -> p.skipChildren();
                    }
                }
                if (par.context == null) {
                    throw new DataFormatException(source, line, path + ": missing \"context\"");
                }
                out.add(par);
                i++;
            }
            return out;
        }

        private void qas(String paragraph, RawParagraph par) throws IOException {
            expect(JsonToken.START_ARRAY, paragraph + ".qas", "an array of questions");
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String path = paragraph + ".qas[" + i + "]";
                expect(JsonToken.START_OBJECT, path, "a question object");
                RawQa qa = new RawQa(path, line());
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    switch (name) {
                        case "id" -> qa.id = id(path + ".id");
                        case "question" -> qa.question = string(path + ".question");
                        case "is_impossible" -> qa.impossible = bool(path + ".is_impossible");
                        case "answers" -> answers(path, qa);
                        default -> p.skipChildren();
                    }
                }
                if (qa.id == null || qa.id.isEmpty()) {
                    throw new DataFormatException(source, qa.line, path + ": missing \"id\"");
                }
                par.qas.add(qa);
                i++;
            }
        }

        private void answers(String question, RawQa qa) throws IOException {
            expect(JsonToken.START_ARRAY, question + ".answers", "an array of answers");
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String path = question + ".answers[" + i + "]";
                expect(JsonToken.START_OBJECT, path, "an answer object");
                RawAnswer a = new RawAnswer(path, line());
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    switch (name) {
                        case "text" -> a.text = string(path + ".text");
                        case "answer_start" -> {
                            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
                                    || p.getNumberType() != JsonParser.NumberType.INT) {
                                throw wrongType(path + ".answer_start", "an integer");
                            }
                            a.start = p.getIntValue();
                        }
                        default -> p.skipChildren();
                    }
                }
                qa.answers.add(a);
                i++;
            }
        }

        private String string(String path) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw wrongType(path, "a string");
            }
            return p.getText();
        }

        private String id(String path) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING || p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                return p.getText();
            }
            throw wrongType(path, "a string");
        }

        private boolean bool(String path) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_TRUE || p.currentToken() == JsonToken.VALUE_FALSE) {
                return p.getBooleanValue();
            }
            throw wrongType(path, "true or false");
        }

        private void expect(JsonToken token, String path, String what) {
            if (p.currentToken() != token) {
                throw wrongType(path, what);
            }
        }

        private DataFormatException wrongType(String path, String what) {
            return new DataFormatException(source, line(), path + ": expected " + what + " but found "
                    + describe(p.currentToken()));
        }

        private int line() {
            return p.currentTokenLocation().getLineNr();
        }

        private static String describe(JsonToken t) {
            if (t == null) {
                return "the end of the file";
            }
            return switch (t) {
                case START_OBJECT -> "an object";
                case START_ARRAY -> "an array";
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                case VALUE_NULL -> "null";
                default -> t.toString();
            };
        }
    }

    /** Builder for {@link SquadReader}; {@link #build()} checks that the lengths fit together. */
    public static final class Builder {
        private final BertTokenizer tokenizer;
        private int maxLength;
        private int docStride = DEFAULT_DOC_STRIDE;
        private int maxQueryLength = DEFAULT_MAX_QUERY_LENGTH;
        private boolean allowUnanswerable;

        private Builder(BertTokenizer tokenizer) {
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
            this.maxLength = Math.min(DEFAULT_MAX_LENGTH, tokenizer.maxLength());
        }

        /**
         * @param maxLength maximum feature length in tokens, special tokens included (Google's
         *                  {@code max_seq_length}); at most the tokenizer's maxLength
         * @return this builder
         */
        public Builder maxLength(int maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        /**
         * @param docStride how many context tokens a window starts after the previous one (at least 1)
         * @return this builder
         */
        public Builder docStride(int docStride) {
            if (docStride < 1) {
                throw new ConfigException("doc_stride", docStride, "at least 1");
            }
            this.docStride = docStride;
            return this;
        }

        /**
         * @param maxQueryLength question tokens kept (the rest are cut off); at least 1
         * @return this builder
         */
        public Builder maxQueryLength(int maxQueryLength) {
            if (maxQueryLength < 1) {
                throw new ConfigException("max_query_length", maxQueryLength, "at least 1");
            }
            this.maxQueryLength = maxQueryLength;
            return this;
        }

        /**
         * @param allow accept questions without answers or marked {@code is_impossible} (SQuAD 2.0, unlabelled
         *              files); their features get positions (0, 0). Off by default: in SQuAD v1.1 such a question
         *              is a mistake in the file.
         * @return this builder
         */
        public Builder allowUnanswerable(boolean allow) {
            this.allowUnanswerable = allow;
            return this;
        }

        /**
         * @return the reader
         * @throws ConfigException if maxLength exceeds the tokenizer's, or leaves no room for a context token after
         *                         maxQueryLength question tokens and the three special tokens
         */
        public SquadReader build() {
            if (maxLength > tokenizer.maxLength()) {
                throw new ConfigException("max_length", maxLength, "at most the tokenizer's maxLength "
                        + tokenizer.maxLength());
            }
            if (maxLength < maxQueryLength + 4) {
                throw new ConfigException("max_length", maxLength, "at least max_query_length + 4 = "
                        + (maxQueryLength + 4) + " ([CLS] question [SEP] at least one context token [SEP])");
            }
            return new SquadReader(this);
        }
    }
}
