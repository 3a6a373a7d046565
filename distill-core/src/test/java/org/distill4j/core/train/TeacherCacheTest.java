package org.distill4j.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.config.DistillationConfig;
import org.distill4j.core.config.IntermediateMatch;
import org.distill4j.core.config.ProjectionSpec;
import org.distill4j.core.config.TrainingConfig;
import org.distill4j.core.graph.ModelGraph;
import org.distill4j.core.support.Runs;
import org.distill4j.core.support.SyntheticTask;
import org.distill4j.core.data.InMemoryExamples;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.io.TempDir;

/** Teacher outputs cached on disk: same weights as no cache, no teacher forward once cached, invalidation, budget. */
class TeacherCacheTest {

    @TempDir
    Path dir;

    private DistillationConfig.Builder distillation() {
        return DistillationConfig.builder().hardLabelWeight(0.5).intermediateMatches(List.of(
                IntermediateMatch.hidden(2, 1, "hidden_mse").withProj(new ProjectionSpec("linear", 8, 16, null))));
    }

    private GeneralDistiller distiller(String out, DistillationConfig config, ModelGraph teacher) {
        return GeneralDistiller.builder()
                .trainingConfig(TrainingConfig.builder().numEpochs(2).batchSize(8).gradientAccumulationSteps(2).seed(6)
                        .outputDir(dir.resolve(out).toString()).build())
                .distillationConfig(config).teacher(teacher).student(Runs.student()).build();
    }

    private long cacheFolders() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("cache"))) {
            return s.count();
        }
    }

    @Test
    void diskCacheGivesTheUncachedWeightsAndLaterRunsSkipTheTeacher() throws Exception {
        ModelGraph teacher = Runs.teacher(dir);
        GeneralDistiller plain = distiller("plain", distillation().build(), teacher);
        plain.train(Runs.data());
        assertEquals(10, plain.teacherForwards(), "one forward per micro-batch: 5 per epoch, 2 epochs");

        DistillationConfig cached = distillation().isCachingLogits(true).teacherCacheDir(dir.resolve("cache").toString()).build();
        GeneralDistiller first = distiller("first", cached, teacher);
        first.train(Runs.data());
        assertEquals(5, first.teacherForwards(), "the second epoch reads the cache (shuffled order and all)");
        GeneralDistiller second = distiller("second", cached, teacher);
        second.train(Runs.data());
        assertEquals(0, second.teacherForwards(), "a later run (or a resumed one) finds everything on disk");
        for (String p : plain.student().parameterNames()) {
            assertTrue(plain.student().sd().getArrForVarName(p).equalsWithEps(first.student().sd().getArrForVarName(p), 1e-6), p);
            assertTrue(plain.student().sd().getArrForVarName(p).equalsWithEps(second.student().sd().getArrForVarName(p), 1e-6), p);
        }
        assertEquals(1, cacheFolders());
    }

    @Test
    void aChangedTeacherOrDataSetGetsItsOwnCache() throws Exception {
        ModelGraph teacher = Runs.teacher(dir);
        DistillationConfig cached = distillation().isCachingLogits(true).teacherCacheDir(dir.resolve("cache").toString()).build();
        distiller("a", cached, teacher).train(Runs.data());
        String key = TeacherCache.key(teacher, List.of("logits"), Runs.data());
        assertEquals(key, TeacherCache.key(teacher, List.of("logits"), Runs.data()));
        assertNotEquals(key, TeacherCache.key(teacher, List.of("logits"), SyntheticTask.generate(40, 11, 23)));
        // the gold labels are not part of the key: teacher outputs do not depend on them, so a copy of the data with
        // labels changed (a transfer set with fewer labels) reuses the cache; any other field changes the key
        InMemoryExamples data = Runs.data();
        int[] shifted = data.column("label").toIntVector();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] = (shifted[i] + 1) % SyntheticTask.CLASSES;
        }
        INDArray otherLabels = org.nd4j.linalg.factory.Nd4j.createFromArray(shifted);
        java.util.Map<String, INDArray> relabelled = new java.util.HashMap<>();
        java.util.Map<String, INDArray> otherInputs = new java.util.HashMap<>();
        for (String f : data.batch(new int[]{0}).fields().keySet()) {
            relabelled.put(f, f.equals("label") ? otherLabels : data.column(f));
            otherInputs.put(f, f.equals("label") ? data.column(f) : data.column(f).dup().addi(1));
        }
        assertEquals(key, TeacherCache.key(teacher, List.of("logits"), new InMemoryExamples(relabelled)));
        assertNotEquals(key, TeacherCache.key(teacher, List.of("logits"), new InMemoryExamples(otherInputs)));
        ModelGraph changed = new ModelGraph(teacher.sd().dup(), teacher.adaptor());
        changed.sd().getArrForVarName("cls/W").addi(0.5);
        assertNotEquals(key, TeacherCache.key(changed, List.of("logits"), Runs.data()));
        GeneralDistiller withChanged = distiller("b", cached, changed);
        withChanged.train(Runs.data());
        assertEquals(5, withChanged.teacherForwards(), "no stale outputs: the changed teacher runs");
        assertEquals(2, cacheFolders());
    }

    @Test
    void theCacheRefusesToGrowPastItsBudget() {
        DistillationConfig tiny = distillation().isCachingLogits(true).teacherCacheDir(dir.resolve("cache").toString())
                .teacherCacheMaxMb(0.001).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> distiller("tiny", tiny, Runs.teacher(dir)).train(Runs.data()));
        assertTrue(e.getMessage().contains("budget") && e.getMessage().contains("teacher_cache_max_mb"), e.getMessage());
        assertThrows(ConfigException.class, () -> DistillationConfig.builder().teacherCacheDir("x").build());
    }
}
