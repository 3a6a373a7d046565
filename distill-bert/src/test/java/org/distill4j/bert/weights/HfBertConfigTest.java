package org.distill4j.bert.weights;

import static org.distill4j.bert.weights.SafetensorsReaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfBertConfigTest {
    @TempDir
    Path tmp;

    @Test
    void readsBertBaseFromAFolderOrTheFile() throws IOException {
        Path folder = Fixtures.resource("hf-bert-base");
        HfBertConfig c = HfBertConfig.read(folder);
        assertEquals(new HfBertConfig(30522, 768, 12, 12, 3072, 512, 2, 1e-12, "gelu", 0.1, 0.1), c);
        assertEquals(64, c.headSize());
        assertEquals(c, HfBertConfig.read(folder.resolve("config.json")));
    }

    @Test
    void listsEveryMissingAndInvalidField() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, "{\"model_type\": \"distilbert\", \"vocab_size\": 30522, \"dim\": 768,"
                + " \"hidden_size\": \"768\", \"num_attention_heads\": 12.5, \"intermediate_size\": -3,"
                + " \"layer_norm_eps\": 0, \"hidden_act\": 3, \"hidden_dropout_prob\": 1.0,"
                + " \"attention_probs_dropout_prob\": 0.1, \"max_position_embeddings\": 512}");
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> HfBertConfig.read(tmp));
        assertMessage(e, file.toString(), "model_type \"distilbert\"",
                "missing: num_hidden_layers, type_vocab_size",
                "hidden_size = \"768\" (expected an integer)",
                "num_attention_heads = 12.5 (expected an integer)",
                "hidden_act = 3",
                "intermediate_size = -3 (expected a positive integer)",
                "layer_norm_eps = 0.0",
                "hidden_dropout_prob = 1.0");
        assertFalse(e.getMessage().contains("vocab_size ="), e.getMessage());
    }

    @Test
    void rejectsInconsistentValuesAndBadFiles() throws IOException {
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> HfBertConfig.parse(
                "{\"vocab_size\": 10, \"hidden_size\": 10, \"num_hidden_layers\": 1, \"num_attention_heads\": 3,"
                        + " \"intermediate_size\": 4, \"max_position_embeddings\": 8, \"type_vocab_size\": 2,"
                        + " \"layer_norm_eps\": 1e-12, \"hidden_act\": \"gelu\", \"hidden_dropout_prob\": 0.1,"
                        + " \"attention_probs_dropout_prob\": 0.1}", "inline"));
        assertMessage(e, "inline", "hidden_size = 10 is not a multiple of num_attention_heads = 3");
        assertMessage(assertThrows(WeightFormatException.class, () -> HfBertConfig.parse("{oops", "inline")),
                "inline", "not valid JSON");
        assertMessage(assertThrows(WeightFormatException.class, () -> HfBertConfig.read(tmp)),
                "no BERT config", tmp.resolve("config.json").toString());
        IllegalArgumentException direct = assertThrows(IllegalArgumentException.class,
                () -> new HfBertConfig(0, 768, 12, 12, 3072, 512, 2, 1e-12, " ", 0.1, 0.1));
        assertMessage(direct, "vocab_size = 0", "hidden_act = \" \"");
    }
}
