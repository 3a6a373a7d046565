package org.distill4j.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.distill4j.bert.data.SquadDataset;
import org.distill4j.bert.data.SquadExample;
import org.distill4j.bert.data.SquadFeature;
import org.distill4j.bert.data.SquadReader;
import org.distill4j.bert.data.TaskDataset;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.bert.text.BertTokenizer;
import org.distill4j.bert.text.Vocabulary;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.ScheduleConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.ConsoleProgressListener;
import org.distill4j.core.train.BasicTrainer;
import org.distill4j.core.train.GeneralDistiller;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Extractive question answering (a span head) distilled on generated SQuAD v1.1 data. Short paragraphs state two or
 * three facts about different people ("maria works for google in paris . john smith lives in berlin ."); each
 * question asks for one slot of one fact ("where does maria work ?", "who lives in berlin ?"), so a model must find
 * the word pieces where the answer starts and ends.
 *
 * <p>What it shows: the JSON is read with {@link SquadReader} (BERT's real WordPiece vocabulary; answer character
 * offsets become token positions); a 2-layer BERT teacher with {@link BertHead#QUESTION_ANSWERING} is fine-tuned with
 * {@link BasicTrainer}; a narrower 2-layer student is distilled from it with {@link GeneralDistiller}. The QA head's
 * adaptor names two logits, {@code start_logits} and {@code end_logits} ([B, L] each), and KD treats each like [B, C]
 * class logits: one soft cross-entropy term per output (kd:start_logits, kd:end_logits), the softmax running over the
 * sequence positions, as TextBrewer does for QA. Positions are not masked in that softmax (padding and the question
 * take part, as in the hard loss). The teacher's logits are cached after the first epoch, which needs every training
 * batch padded to one length.
 *
 * <p>Evaluation is SQuAD's: per question the best span by start + end logit (start &lt;= end, both in the context,
 * at most {@value #MAX_ANSWER_TOKENS} word pieces, start in its window's max context), mapped back to context
 * characters; exact match and token F1 after SQuAD's normalisation, best over the gold answers. Two baselines frame
 * the numbers: an untrained copy of the student (chance), and the expected score of guessing uniformly among the
 * context's spans of the answer's type (a person for "who", a city for "where", ...), which a model reaches by learning
 * answer types alone. On 2 cores the run takes about two minutes; the small models trained that briefly learn the
 * answer types and span boundaries well but tell the facts apart only a little, so expect EM near the type guess and
 * far above chance. Usage: {@code QaExample [output-folder]} (default runs/qa).
 */
public final class QaExample {

    /** Longest answer considered at prediction time, in word pieces (Google's max_answer_length is 30). */
    static final int MAX_ANSWER_TOKENS = 10;
    /** Longest feature; the generated paragraphs fit in one window. */
    private static final int MAX_LENGTH = 64;
    /**
     * Training questions: twice the 600 first planned. At the same number of updates (1200 x 6 epochs against 600 x 12)
     * the teacher memorised fewer paragraphs and scored higher on the test set (0.51-0.56 EM against 0.46 in trials).
     */
    private static final int TRAIN_QUESTIONS = 1200;
    private static final int TEST_QUESTIONS = 150;

    private static final List<String> PEOPLE = List.of("john smith", "maria", "peter", "anna schmidt", "david",
            "laura chen", "michael", "sarah", "tom", "emma wilson");
    private static final List<String> CITIES = List.of("paris", "new york", "london", "berlin", "san francisco",
            "tokyo", "madrid", "rome", "vienna", "los angeles");
    private static final List<String> COMPANIES = List.of("google", "microsoft", "general electric", "apple",
            "boeing", "ford", "intel", "sony", "deutsche bank", "nokia");
    private static final List<String> YEARS = List.of("1975", "1981", "1984", "1990", "1992", "1996", "1999", "2001");

    /**
     * A kind of fact: a sentence template with slots P (person), O (company), C (city), Y (year), and the questions
     * it answers, each {question template, slot of the answer}.
     */
    private record FactKind(String template, List<String[]> questions) {
    }

    private static final List<FactKind> FACTS = List.of(
            new FactKind("P works for O in C .", List.of(new String[]{"who works for O ?", "P"},
                    new String[]{"which company does P work for ?", "O"}, new String[]{"where does P work ?", "C"})),
            new FactKind("P lives in C .", List.of(new String[]{"where does P live ?", "C"},
                    new String[]{"who lives in C ?", "P"})),
            new FactKind("P was born in Y .", List.of(new String[]{"when was P born ?", "Y"},
                    new String[]{"who was born in Y ?", "P"})),
            new FactKind("in Y P moved to C .", List.of(new String[]{"where did P move in Y ?", "C"},
                    new String[]{"who moved to C ?", "P"})));

    /**
     * One generated question.
     *
     * @param id          unique question id
     * @param question    the question
     * @param answer      the answer text
     * @param answerStart character offset of the answer in the paragraph's context
     * @param sameType    every span of the context that has the answer's type (the answer among them), for the
     *                    answer-type baseline
     */
    record Question(String id, String question, String answer, int answerStart, List<String> sameType) {
    }

    /**
     * A generated paragraph and its questions.
     *
     * @param context   the paragraph text
     * @param questions questions whose answers are spans of {@code context}
     */
    record Paragraph(String context, List<Question> questions) {
    }

    private QaExample() {
    }

    public static void main(String[] args) throws IOException {
        ExampleRuntime.start(); // before ND4J loads
        Path out = Path.of(args.length > 0 ? args[0] : "runs/qa");
        Files.createDirectories(out);
        long began = System.nanoTime();
        Path vocabFile = ExampleData.bertVocabulary(out.resolve("vocab.txt"));
        BertTokenizer tokenizer = BertTokenizer.builder(Vocabulary.load(vocabFile)).maxLength(MAX_LENGTH).build();
        SquadReader reader = SquadReader.builder(tokenizer).maxLength(MAX_LENGTH).docStride(32).maxQueryLength(16).build();
        SquadDataset train = reader.read(write(generate(TRAIN_QUESTIONS, 1, "train"), out.resolve("train-v1.1.json")));
        List<Paragraph> testParagraphs = generate(TEST_QUESTIONS, 2, "test");
        SquadDataset test = reader.read(write(testParagraphs, out.resolve("test-v1.1.json")));
        // Every training batch padded to the longest feature: the distiller caches the teacher's start/end logits per
        // example after the first epoch, and cached [L] rows only stack into a batch if every row has the same L.
        TaskDataset trainRows = train.dataset().withFixedLength(train.dataset().longestLength());
        System.out.println(train.examples().size() + " train questions (" + train.features().size() + " features, longest "
                + train.dataset().longestLength() + " tokens), " + test.examples().size() + " test questions");

        int vocab = tokenizer.vocabulary().size();
        BertConfig teacherSize = new BertConfig(vocab, 64, 2, 2, 128, MAX_LENGTH, 2, 1e-12, 0.1, 0.1, 0.02);
        // Narrower, not shallower: answering needs two attention hops (the question's entity -> the same words in the
        // context -> the asked slot of that fact), which a single layer cannot make.
        BertConfig studentSize = new BertConfig(vocab, 32, 2, 2, 64, MAX_LENGTH, 2, 1e-12, 0.1, 0.1, 0.02);
        BasicTrainer teacherTrainer = BasicTrainer.builder()
                .trainingConfig(training(6, 2e-3, 1, out.resolve("teacher")))
                .student(new BertModel(teacherSize, BertHead.QUESTION_ANSWERING, 0))
                .listener(new ConsoleProgressListener("teacher"))
                .build();
        teacherTrainer.train(trainRows);
        ModelGraph teacher = teacherTrainer.trainedModel();

        // KD on both position distributions (terms kd:start_logits and kd:end_logits) plus the hard span loss at half
        // weight; the teacher's logits are computed in the first epoch and reused after it.
        GeneralDistiller distiller = GeneralDistiller.builder()
                .trainingConfig(training(6, 3e-3, 2, out.resolve("student")))
                .distillationConfig(DistillationConfig.builder().temperature(2).hardLabelWeight(0.5).isCachingLogits(true).build())
                .teacher(teacher)
                .student(new BertModel(studentSize, BertHead.QUESTION_ANSWERING, 0))
                .listener(new ConsoleProgressListener("student"))
                .build();
        distiller.train(trainRows);
        ModelGraph student = distiller.trainedModel();
        // The student's architecture, untrained: what the span search scores by chance.
        ModelGraph untrained = ModelGraph.create(new BertModel(studentSize, BertHead.QUESTION_ANSWERING, 0), 2);

        Map<String, ModelGraph> models = new LinkedHashMap<>();
        models.put("teacher", teacher);
        models.put("student", student);
        models.put("untrained", untrained);
        System.out.printf("%n%-12s %10s %8s %8s%n", "model", "params", "EM", "F1");
        for (Map.Entry<String, ModelGraph> m : models.entrySet()) {
            double[] score = evaluate(m.getValue(), test);
            System.out.printf("%-12s %10d %8.3f %8.3f%n", m.getKey(), m.getValue().parameterCount(), score[0], score[1]);
        }
        double[] guess = typeGuess(testParagraphs);
        System.out.printf("%-12s %10s %8.3f %8.3f%n", "type guess", "-", guess[0], guess[1]);
        System.out.printf("%nwall time %d s%n", (System.nanoTime() - began) / 1_000_000_000L);
    }

    /**
     * The expected EM and F1 of answering each question with a uniformly chosen span of the answer's type from its
     * context (the answer itself or another person, city, company or year of the paragraph).
     *
     * @return [EM, F1]
     */
    static double[] typeGuess(List<Paragraph> paragraphs) {
        double em = 0;
        double f1 = 0;
        int n = 0;
        for (Paragraph p : paragraphs) {
            for (Question q : p.questions()) {
                for (String candidate : q.sameType()) {
                    em += exactMatch(candidate, q.answer()) / q.sameType().size();
                    f1 += f1(candidate, q.answer()) / q.sameType().size();
                }
                n++;
            }
        }
        return new double[]{em / n, f1 / n};
    }

    /**
     * SQuAD exact match and token F1 over the questions of {@code data}, from the best span of each.
     *
     * @return [EM, F1], each in [0, 1]
     */
    static double[] evaluate(ModelGraph model, SquadDataset data) {
        Batch batch = data.dataset().batch(IntStream.range(0, data.features().size()).toArray());
        Map<String, INDArray> out = model.output(batch, List.of("start_logits", "end_logits"));
        return score(data, predict(data, out.get("start_logits").toFloatMatrix(), out.get("end_logits").toFloatMatrix()));
    }

    /**
     * The predicted answer of every question: over all its windows, the best span by start + end logit.
     *
     * @param starts start logits, [features][positions] (rows as in {@code data.dataset()}, padding allowed)
     * @param ends   end logits, same shape
     * @return answer text per example in {@code data.examples()} order ("" where no span is allowed)
     */
    static String[] predict(SquadDataset data, float[][] starts, float[][] ends) {
        String[] predicted = new String[data.examples().size()];
        Arrays.fill(predicted, "");
        double[] best = new double[predicted.length];
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
        for (int r = 0; r < data.features().size(); r++) {
            SquadFeature f = data.feature(r);
            boolean[] startOk = new boolean[starts[r].length];
            boolean[] endOk = new boolean[starts[r].length];
            for (int p = 0; p < startOk.length; p++) {
                startOk[p] = f.isMaxContext(p); // with overlapping windows, a start counts only where it is best placed
                endOk[p] = f.isContext(p);
            }
            int[] span = bestSpan(starts[r], ends[r], startOk, endOk, MAX_ANSWER_TOKENS);
            if (span != null && starts[r][span[0]] + ends[r][span[1]] > best[f.exampleIndex()]) {
                best[f.exampleIndex()] = starts[r][span[0]] + ends[r][span[1]];
                predicted[f.exampleIndex()] = f.answerText(span[0], span[1]);
            }
        }
        return predicted;
    }

    /**
     * @param predicted answer text per example of {@code data}
     * @return [EM, F1]: means over the questions of the best score against any gold answer
     */
    static double[] score(SquadDataset data, String[] predicted) {
        double em = 0;
        double f1 = 0;
        for (int i = 0; i < predicted.length; i++) {
            double bestEm = 0;
            double bestF1 = 0;
            for (SquadExample.Answer gold : data.examples().get(i).answers()) {
                bestEm = Math.max(bestEm, exactMatch(predicted[i], gold.text()));
                bestF1 = Math.max(bestF1, f1(predicted[i], gold.text()));
            }
            em += bestEm;
            f1 += bestF1;
        }
        return new double[]{em / predicted.length, f1 / predicted.length};
    }

    /**
     * The span with the highest {@code start[s] + end[e]} such that {@code startOk[s]}, {@code endOk[e]},
     * {@code s <= e} and {@code e - s + 1 <= maxLength}.
     *
     * @return {start, end} (end inclusive), or null if no span is allowed
     */
    static int[] bestSpan(float[] start, float[] end, boolean[] startOk, boolean[] endOk, int maxLength) {
        int[] best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < start.length; s++) {
            if (!startOk[s]) {
                continue;
            }
            for (int e = s; e < Math.min(end.length, s + maxLength); e++) {
                if (endOk[e] && start[s] + end[e] > bestScore) {
                    bestScore = start[s] + end[e];
                    best = new int[]{s, e};
                }
            }
        }
        return best;
    }

    /** SQuAD v1.1's normalize_answer: lower case, punctuation and the articles a / an / the removed, spaces collapsed. */
    static String normalize(String text) {
        StringBuilder kept = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().filter(c -> !isPunctuation(c)).forEach(kept::appendCodePoint);
        return String.join(" ", Arrays.stream(kept.toString().replaceAll("\\b(a|an|the)\\b", " ").trim().split("\\s+"))
                .filter(w -> !w.isEmpty()).toList());
    }

    /** Python's string.punctuation, the set SQuAD's script removes. */
    private static boolean isPunctuation(int c) {
        return c < 128 && "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".indexOf(c) >= 0;
    }

    /** 1 if the normalised texts are equal, else 0. */
    static double exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold)) ? 1 : 0;
    }

    /** SQuAD's token F1: harmonic mean of precision and recall of the normalised tokens (a multiset overlap). */
    static double f1(String prediction, String gold) {
        List<String> p = tokens(prediction);
        List<String> g = tokens(gold);
        Map<String, Integer> counts = new HashMap<>();
        g.forEach(t -> counts.merge(t, 1, Integer::sum));
        int common = 0;
        for (String t : p) {
            if (counts.getOrDefault(t, 0) > 0) {
                counts.merge(t, -1, Integer::sum);
                common++;
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = (double) common / p.size();
        double recall = (double) common / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    private static List<String> tokens(String text) {
        String n = normalize(text);
        return n.isEmpty() ? List.of() : List.of(n.split(" "));
    }

    /**
     * Generates paragraphs of two or three facts about different people (and different companies, cities and years,
     * so every question has exactly one answer) with one or two questions each, {@code questions} in all.
     *
     * @param idPrefix prefix of the question ids
     */
    static List<Paragraph> generate(int questions, long seed, String idPrefix) {
        Random rng = new Random(seed);
        List<Paragraph> paragraphs = new ArrayList<>();
        int made = 0;
        while (made < questions) {
            Map<String, List<String>> unused = new HashMap<>(Map.of("P", shuffled(PEOPLE, rng), "O",
                    shuffled(COMPANIES, rng), "C", shuffled(CITIES, rng), "Y", shuffled(YEARS, rng)));
            StringBuilder context = new StringBuilder();
            List<FactKind> kinds = new ArrayList<>();
            List<Map<String, int[]>> slots = new ArrayList<>(); // per fact: slot -> {start, end} in the context
            int facts = 2 + rng.nextInt(2);
            for (int f = 0; f < facts; f++) {
                FactKind kind = FACTS.get(rng.nextInt(FACTS.size()));
                Map<String, int[]> filled = new HashMap<>();
                for (String word : kind.template().split(" ")) {
                    if (!context.isEmpty()) {
                        context.append(' ');
                    }
                    List<String> pool = unused.get(word);
                    if (pool == null) {
                        context.append(word);
                        continue;
                    }
                    String value = pool.remove(pool.size() - 1);
                    filled.put(word, new int[]{context.length(), context.length() + value.length()});
                    context.append(value);
                }
                kinds.add(kind);
                slots.add(filled);
            }
            String text = context.toString();
            List<Question> qs = new ArrayList<>();
            int asked = Math.min(1 + rng.nextInt(2), questions - made);
            for (int q = 0; q < asked; q++) {
                int f = rng.nextInt(facts);
                String[] template = kinds.get(f).questions().get(rng.nextInt(kinds.get(f).questions().size()));
                StringBuilder question = new StringBuilder();
                for (String word : template[0].split(" ")) {
                    int[] at = slots.get(f).get(word);
                    question.append(question.isEmpty() ? "" : " ").append(at == null ? word : text.substring(at[0], at[1]));
                }
                int[] answer = slots.get(f).get(template[1]);
                List<String> sameType = slots.stream().filter(m -> m.containsKey(template[1]))
                        .map(m -> text.substring(m.get(template[1])[0], m.get(template[1])[1])).toList();
                qs.add(new Question(idPrefix + "-" + paragraphs.size() + "-" + q, question.toString(),
                        text.substring(answer[0], answer[1]), answer[0], sameType));
            }
            made += qs.size();
            paragraphs.add(new Paragraph(text, qs));
        }
        return paragraphs;
    }

    private static List<String> shuffled(List<String> values, Random rng) {
        List<String> copy = new ArrayList<>(values);
        Collections.shuffle(copy, rng);
        return copy;
    }

    /**
     * Writes paragraphs as SQuAD v1.1 JSON ({@code answer_start} is a code point index; the text is ASCII, so it is
     * the character index).
     *
     * @return {@code file}
     */
    static Path write(List<Paragraph> paragraphs, Path file) throws IOException {
        List<Map<String, Object>> ps = new ArrayList<>();
        for (Paragraph p : paragraphs) {
            List<Map<String, Object>> qas = new ArrayList<>();
            for (Question q : p.questions()) {
                qas.add(Map.of("id", q.id(), "question", q.question(),
                        "answers", List.of(Map.of("text", q.answer(), "answer_start", q.answerStart()))));
            }
            ps.add(Map.of("context", p.context(), "qas", qas));
        }
        Map<String, Object> root = Map.of("version", "1.1", "data", List.of(Map.of("title", "generated", "paragraphs", ps)));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
        return file;
    }

    private static TrainingConfig training(int epochs, double learningRate, long seed, Path dir) {
        return TrainingConfig.builder().numEpochs(epochs).batchSize(16).seed(seed).optimizer(OptimizerConfig.adamW(learningRate))
                .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.1)))
                .outputDir(dir.toString()).build();
    }
}
