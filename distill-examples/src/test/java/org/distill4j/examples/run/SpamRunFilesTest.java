package org.distill4j.examples.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.distill4j.core.config.ConfigIO;
import org.junit.jupiter.api.Test;

/**
 * The README's SpamAssassin run files (examples/spam) stay valid as the configuration grows: each one is read with
 * every check that needs no data (the data and teachers are made by the README's commands, not shipped).
 */
class SpamRunFilesTest {

    private static final Path FOLDER = Path.of("..", "examples", "spam");

    private static List<Path> runFiles() throws IOException {
        try (Stream<Path> files = Files.list(FOLDER)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyRunFileReadsAndWritesToItsOwnFolderUnderRunsSpam() throws IOException {
        List<Path> files = runFiles();
        assertFalse(files.isEmpty(), "no run files in " + FOLDER.toAbsolutePath());
        for (Path f : files) {
            RunSpec spec = ConfigIO.read(f, RunSpec.class);
            String name = f.getFileName().toString().replace(".yaml", "");
            assertTrue(spec.output().startsWith("runs/spam/"), f + ": " + spec.output());
            assertEquals(2, spec.training().keepCheckpoints(), f + ": keeps its two newest checkpoints");
            assertTrue(spec.output().endsWith(name.replace("bert-base-teacher", "bert-base")), f + ": " + spec.output());
        }
    }

    @Test
    void eachFewLabelsStudentAndItsTwinShareDataTeacherPresetAndUpdates() {
        for (String student : List.of("t4-tiny", "t3")) {
            RunSpec kd = ConfigIO.read(FOLDER.resolve(student + "-kd-semi-1in25.yaml"), RunSpec.class);
            RunSpec twin = ConfigIO.read(FOLDER.resolve(student + "-nokd-1in25.yaml"), RunSpec.class);
            assertEquals(kd.teacher(), twin.teacher(), student);
            assertEquals(kd.student(), twin.student(), student);
            assertEquals(kd.training().optimizer(), twin.training().optimizer(), student);
            assertEquals(kd.training().seed(), twin.training().seed(), student);
            assertEquals("train-1in25-labelled.tsv", Path.of(kd.data().train()).getFileName().toString());
            assertEquals("train-1in25.tsv", Path.of(twin.data().train()).getFileName().toString());
            assertTrue(kd.data().allowUnlabelled() && !twin.data().allowUnlabelled(), student);
            assertEquals("trainer", twin.distiller(), student);
        }
    }
}
