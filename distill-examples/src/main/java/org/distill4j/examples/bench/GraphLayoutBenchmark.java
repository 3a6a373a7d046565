package org.distill4j.examples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.graph.PrefixedDefinition;
import org.distill4j.core.loss.KdLosses;
import org.distill4j.core.loss.MatchInputs;
import org.distill4j.core.loss.MatchLosses;
import org.distill4j.core.loss.SdMath;
import org.distill4j.core.projection.Projection;
import org.distill4j.core.projection.ProjectionLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures the two ways to place the teacher: in its own graph whose outputs are fed to the student's graph as
 * placeholders (what Distiller does), or built into the student's graph under a prefix with its outputs held
 * without gradient. Runs the standard benchmark's models (teacher 6 x 384, student 3 x 256, vocabulary 8000,
 * batch 16 x 128) with KD at temperature 8, hard labels and hidden_mse on four layer pairs through projections,
 * and prints the median milliseconds of one gradient computation (teacher forward + student forward and backward).
 * Usage: GraphLayoutBenchmark [batch] [length] [repeats].
 */
public final class GraphLayoutBenchmark {

    private GraphLayoutBenchmark() {
    }

    public static void main(String[] args) {
        org.distill4j.examples.ExampleRuntime.start(); // before ND4J loads
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int length = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        BertConfig teacherConfig = new BertConfig(8000, 384, 6, 6, 1536, 128, 2, 1e-12, 0, 0, 0.02);
        BertConfig studentConfig = new BertConfig(8000, 256, 3, 4, 1024, 128, 2, 1e-12, 0, 0, 0.02);
        Batch data = randomBatch(batch, length);
        int[][] pairs = {{0, 0}, {2, 1}, {4, 2}, {6, 3}};

        // Two graphs: the teacher runs on its own, its outputs are fed as placeholders.
        ModelGraph teacher = ModelGraph.create(new BertModel(teacherConfig, BertHead.SEQUENCE_CLASSIFICATION, 2), 1);
        ModelGraph student = ModelGraph.create(new BertModel(studentConfig, BertHead.SEQUENCE_CLASSIFICATION, 2), 2);
        SameDiff sd = student.sd();
        List<String> teacherNames = new ArrayList<>(List.of("logits"));
        Map<String, SDVariable> fed = new LinkedHashMap<>();
        fed.put("logits", sd.placeHolder("t/logits", DataType.FLOAT, -1, 2));
        for (int[] p : pairs) {
            String name = "bert/hidden/" + p[0];
            teacherNames.add(name);
            fed.put(name, sd.placeHolder("t/" + name, DataType.FLOAT, -1, -1, 384));
        }
        List<String> params = wireLosses(sd, student.adaptor(), fed, pairs);
        long twoGraphs = median(repeats, () -> {
            Map<String, INDArray> feeds = new LinkedHashMap<>(student.feeds(data));
            teacher.output(data, teacherNames).forEach((k, v) -> feeds.put("t/" + k, v));
            sd.calculateGradients(feeds, params);
        });

        // One graph: the teacher is built into the student's graph under a prefix.
        SameDiff one = SameDiff.create();
        ModelAdaptor t2 = new PrefixedDefinition(new BertModel(teacherConfig, BertHead.SEQUENCE_CLASSIFICATION, 2), "teacher/")
                .build(one, 1); // first: its names are free until it renames them
        ModelAdaptor s2 = new BertModel(studentConfig, BertHead.SEQUENCE_CLASSIFICATION, 2).build(one, 2);
        Map<String, SDVariable> held = new LinkedHashMap<>();
        held.put("logits", SdMath.stopGradient(one, one.getVariable(t2.logits().get(0))));
        for (int[] p : pairs) {
            held.put("bert/hidden/" + p[0], SdMath.stopGradient(one, one.getVariable(t2.feature("hidden").get(p[0]))));
        }
        List<String> params2 = wireLosses(one, s2, held, pairs);
        ModelGraph oneStudent = new ModelGraph(one, s2);
        ModelGraph oneTeacher = new ModelGraph(one, t2);
        long oneGraph = median(repeats, () -> {
            Map<String, INDArray> feeds = new LinkedHashMap<>(oneStudent.feeds(data));
            feeds.putAll(oneTeacher.feeds(data));
            one.calculateGradients(feeds, params2);
        });
        System.out.printf("gradient step, batch %d x %d: two graphs %d ms, one graph %d ms%n", batch, length, twoGraphs, oneGraph);
    }

    /** KD (T = 8) + hard label + hidden_mse through projections; returns the student and projection parameters. */
    private static List<String> wireLosses(SameDiff sd, ModelAdaptor student, Map<String, SDVariable> teacher, int[][] pairs) {
        SDVariable s = sd.getVariable(student.logits().get(0));
        SDVariable total = KdLosses.CE.build(sd, s, teacher.get("logits"), sd.constant(Nd4j.scalar(8f)), null)
                .add(sd.getVariable(student.losses().get(0)));
        List<String> params = new ArrayList<>(new ModelGraph(sd, student).parameterNames());
        params.addAll(student.lookups().stream().map(l -> l.rows()).toList());
        Random rng = new Random(3);
        for (int i = 0; i < pairs.length; i++) {
            ProjectionLayer proj = ProjectionLayer.create(sd, "proj" + i, Projection.LINEAR, 256, 384, DataType.FLOAT, rng);
            params.addAll(proj.parameterNames());
            SDVariable sh = proj.apply(sd, sd.getVariable(student.feature("hidden").get(pairs[i][1])), 3);
            total = total.add(MatchLosses.HIDDEN_MSE.build(sd, new MatchInputs(List.of(sh),
                    List.of(teacher.get("bert/hidden/" + pairs[i][0])), null, 384, 384, null)));
        }
        sd.setLossVariables(sd.identity("bench/total", total));
        return params;
    }

    private static long median(int repeats, Runnable step) {
        step.run(); // warm-up
        long[] ms = new long[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            step.run();
            ms[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    private static Batch randomBatch(int batch, int length) {
        Random rng = new Random(7);
        int[][] ids = new int[batch][length];
        int[][] zeros = new int[batch][length];
        int[][] ones = new int[batch][length];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            for (int t = 0; t < length; t++) {
                ids[i][t] = rng.nextInt(8000);
                ones[i][t] = 1;
            }
            labels[i] = i % 2;
        }
        return new Batch(Map.of("input_ids", Nd4j.createFromArray(ids), "token_type_ids", Nd4j.createFromArray(zeros),
                "attention_mask", Nd4j.createFromArray(ones), "labels", Nd4j.createFromArray(labels)));
    }
}
