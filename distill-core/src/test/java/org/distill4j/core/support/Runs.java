package org.distill4j.core.support;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.distill4j.core.config.OptimizerConfig;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.data.InMemoryExamples;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.train.BasicTrainer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shared small fixtures for training-loop tests: a quickly trained teacher and parameter snapshots. */
public final class Runs {

    private static ModelGraph teacher;

    private Runs() {
    }

    /** A token-MLP teacher (width 16, 2 layers) trained briefly on the synthetic task; built once per JVM. */
    public static synchronized ModelGraph teacher(Path dir) {
        if (teacher == null) {
            BasicTrainer t = BasicTrainer.builder()
                    .trainingConfig(TrainingConfig.builder().numEpochs(2).batchSize(32).seed(3)
                            .optimizer(OptimizerConfig.adamW(3e-3)).outputDir(dir.resolve("shared-teacher").toString()).build())
                    .student(new TokenMlp(SyntheticTask.FEATURES, 16, 2, SyntheticTask.CLASSES)).build();
            t.train(SyntheticTask.generate(256, 11, 21));
            teacher = t.trainedModel();
        }
        return teacher;
    }

    /** Small student: width 8, 1 layer. */
    public static TokenMlp student() {
        return new TokenMlp(SyntheticTask.FEATURES, 8, 1, SyntheticTask.CLASSES);
    }

    /** 40 training examples. */
    public static InMemoryExamples data() {
        return SyntheticTask.generate(40, 11, 22);
    }

    /** Copies of every parameter array of a graph. */
    public static Map<String, INDArray> parameters(ModelGraph g) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String p : g.parameterNames()) {
            out.put(p, g.sd().getArrForVarName(p).dup());
        }
        return out;
    }
}
