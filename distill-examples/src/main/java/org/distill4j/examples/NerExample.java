package org.distill4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.distill4j.bert.data.ConllReader;
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
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.listener.ConsoleProgressListener;
import org.distill4j.core.train.BasicTrainer;
import org.distill4j.core.train.GeneralDistiller;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Token-level distillation (named entities, BIO tags) on generated CoNLL data: sentences from templates filled with
 * person, city and company names, some of them several words long. A 2-layer BERT teacher with a token
 * classification head is trained on them, then distilled into a 1-layer student with token-level KD (only real
 * tokens count: the adaptor's logits mask). Prints entity-token accuracy (tokens whose gold tag is not O) and
 * overall token accuracy for both. Usage: {@code NerExample [output-folder]} (default runs/ner).
 */
public final class NerExample {

    private static final List<List<String>> PEOPLE = List.of(List.of("john", "smith"), List.of("maria"), List.of("peter"),
            List.of("anna", "schmidt"), List.of("david"), List.of("laura", "chen"), List.of("michael"), List.of("sarah"));
    private static final List<List<String>> CITIES = List.of(List.of("paris"), List.of("new", "york"), List.of("london"),
            List.of("berlin"), List.of("san", "francisco"), List.of("tokyo"), List.of("madrid"), List.of("rome"));
    private static final List<List<String>> COMPANIES = List.of(List.of("google"), List.of("microsoft"), List.of("general",
            "electric"), List.of("apple"), List.of("boeing"), List.of("ford"), List.of("intel"), List.of("sony"));
    private static final List<String> TEMPLATES = List.of("PER visited CITY last week .", "PER works for ORG in CITY .",
            "the ORG office in CITY opened today .", "PER and PER met at ORG .", "ORG moved from CITY to CITY .",
            "yesterday PER flew to CITY .");

    private NerExample() {
    }

    public static void main(String[] args) throws IOException {
        ExampleRuntime.start(); // before ND4J loads
        Path out = Path.of(args.length > 0 ? args[0] : "runs/ner");
        Files.createDirectories(out);
        Path vocabFile = ExampleData.bertVocabulary(out.resolve("vocab.txt"));
        BertTokenizer tokenizer = BertTokenizer.builder(Vocabulary.load(vocabFile)).maxLength(32).build();
        ConllReader reader = ConllReader.builder(tokenizer).columns(2).build();
        TaskDataset train = reader.read(generate(out.resolve("train.conll"), 600, 1));
        TaskDataset test = reader.withLabels(train.labelVocabulary()).read(generate(out.resolve("test.conll"), 200, 2));
        int tags = train.numLabels();
        System.out.println("tags " + train.labelVocabulary() + "; " + train.size() + " train, " + test.size() + " test sentences");

        BasicTrainer teacherTrainer = BasicTrainer.builder()
                .trainingConfig(training(4, 2e-3, 1, out.resolve("teacher")))
                .student(new BertModel(new BertConfig(30522, 64, 2, 2, 128, 64, 2, 1e-12, 0.1, 0.1, 0.02),
                        BertHead.TOKEN_CLASSIFICATION, tags))
                .listener(new ConsoleProgressListener("teacher"))
                .build();
        teacherTrainer.train(train);
        ModelGraph teacher = teacherTrainer.trainedModel();

        GeneralDistiller distiller = GeneralDistiller.builder()
                .trainingConfig(training(4, 3e-3, 2, out.resolve("student")))
                .distillationConfig(DistillationConfig.builder().temperature(2).hardLabelWeight(0.5).build())
                .teacher(teacher)
                .student(new BertModel(new BertConfig(30522, 32, 1, 2, 64, 64, 2, 1e-12, 0.1, 0.1, 0.02),
                        BertHead.TOKEN_CLASSIFICATION, tags))
                .listener(new ConsoleProgressListener("student"))
                .build();
        distiller.train(train);
        ModelGraph student = distiller.trainedModel();

        System.out.printf("%n%-8s %10s %16s %16s%n", "model", "params", "entity tokens", "all tokens");
        for (Map.Entry<String, ModelGraph> m : Map.of("teacher", teacher, "student", student).entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder())).toList()) {
            double[] acc = tokenAccuracy(m.getValue(), test, train.labelVocabulary().indexOf("O"));
            System.out.printf("%-8s %10d %16.3f %16.3f%n", m.getKey(), m.getValue().parameterCount(), acc[0], acc[1]);
        }
    }

    /** [accuracy on tokens whose gold tag is not O, accuracy on all labelled tokens]. */
    private static double[] tokenAccuracy(ModelGraph model, TaskDataset data, int outside) {
        int[] all = java.util.stream.IntStream.range(0, data.size()).toArray();
        var batch = data.batch(all);
        INDArray logits = model.output(batch, List.of("logits")).get("logits");   // [B, L, C]
        int[] predicted = logits.argMax(2).dup().reshape(-1).toIntVector();
        int[] gold = batch.get(TaskDataset.LABELS).dup().reshape(-1).toIntVector();
        long entity = 0;
        long entityRight = 0;
        long labelled = 0;
        long right = 0;
        for (int i = 0; i < gold.length; i++) {
            if (gold[i] < 0) {
                continue; // [CLS], [SEP], padding and continuation pieces carry no label
            }
            labelled++;
            right += predicted[i] == gold[i] ? 1 : 0;
            if (gold[i] != outside) {
                entity++;
                entityRight += predicted[i] == gold[i] ? 1 : 0;
            }
        }
        return new double[]{(double) entityRight / entity, (double) right / labelled};
    }

    /** Writes {@code n} generated sentences in two-column CoNLL format (word, BIO tag). */
    static Path generate(Path file, int n, long seed) throws IOException {
        Random rng = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            for (String slot : TEMPLATES.get(rng.nextInt(TEMPLATES.size())).split(" ")) {
                List<List<String>> pool = switch (slot) {
                    case "PER" -> PEOPLE;
                    case "CITY" -> CITIES;
                    case "ORG" -> COMPANIES;
                    default -> null;
                };
                if (pool == null) {
                    lines.add(slot + " O");
                    continue;
                }
                String type = slot.equals("CITY") ? "LOC" : slot;
                List<String> entity = pool.get(rng.nextInt(pool.size()));
                for (int w = 0; w < entity.size(); w++) {
                    lines.add(entity.get(w) + " " + (w == 0 ? "B-" : "I-") + type);
                }
            }
            lines.add("");
        }
        Files.write(file, lines);
        return file;
    }

    private static TrainingConfig training(int epochs, double learningRate, long seed, Path dir) {
        return TrainingConfig.builder().numEpochs(epochs).batchSize(16).seed(seed).optimizer(OptimizerConfig.adamW(learningRate))
                .lrSchedule(ScheduleConfig.of("linear_warmup_decay", Map.of("warmup_fraction", 0.1)))
                .outputDir(dir.toString()).build();
    }
}
