package org.distill4j.bert.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The PyTorch reference outputs written by tools/bert/make_bert_fixtures.py (resources bert/parity). */
final class ParityFixtures {

    private final Path root;

    ParityFixtures() {
        try {
            root = Path.of(ParityFixtures.class.getResource("/bert/parity/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    BertConfig config() {
        try {
            Map<?, ?> m = new ObjectMapper().readValue(root.resolve("config.json").toFile(), Map.class);
            return new BertConfig((Integer) m.get("vocab_size"), (Integer) m.get("hidden_size"),
                    (Integer) m.get("num_hidden_layers"), (Integer) m.get("num_attention_heads"),
                    (Integer) m.get("intermediate_size"), (Integer) m.get("max_position_embeddings"),
                    (Integer) m.get("type_vocab_size"), ((Number) m.get("layer_norm_eps")).doubleValue(),
                    0, 0, 0.02);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Arrays of a folder, by name ("__" in file names stands for "/"). */
    Map<String, INDArray> folder(String relative) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(root.resolve(relative))) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString().replace(".npy", "").replace("__", "/");
                out.put(name, Nd4j.createFromNpyFile(f.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
