package org.distill4j.bert.imports;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.graph.ModelAdaptor;
import org.distill4j.core.graph.ModelGraph;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.Variable;

/**
 * A graph imported by {@link ModelImports}, with what is known of its interface.
 *
 * @param sd      the imported graph (its weights are constants: an imported model is a frozen teacher)
 * @param format  "onnx" or "tensorflow"
 * @param source  the file it came from
 * @param inputs  its input placeholders
 * @param outputs the outputs the file declares (ONNX graph outputs); for TensorFlow, which declares none, the
 *                variables no op consumes
 * @param repairs what was rewritten before or after import (see {@link OnnxRepair}, {@link ModelImports})
 * @param renamed file name -> graph variable name, for names the repair changed
 */
public record ImportedModel(SameDiff sd, String format, Path source, List<String> inputs, List<String> outputs,
                            List<String> repairs, Map<String, String> renamed) {

    public ImportedModel {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        repairs = List.copyOf(repairs);
        renamed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(renamed));
    }

    /**
     * A frozen teacher: the imported graph with an adaptor built from {@code spec}. Names are checked first; a name
     * the graph lacks is reported with the graph's outputs (and inputs), so the spec can be fixed from the message.
     * Names as written in the file are accepted and mapped through {@link #renamed}.
     *
     * @throws ConfigException if a placeholder or output named by the spec is not in the graph
     */
    public ModelGraph teacher(TeacherSpec spec) {
        if (spec.logits().isEmpty() && spec.hidden().isEmpty() && spec.attention().isEmpty()) {
            throw new ConfigException("teacher outputs", "none", "name at least one of logits, hidden, attention");
        }
        ModelAdaptor.Builder b = ModelAdaptor.builder();
        spec.inputs().forEach((placeholder, field) -> b.input(placeholder(placeholder), field));
        List<String> logits = names("logits", spec.logits());
        b.logits(logits.toArray(String[]::new));
        if (!spec.hidden().isEmpty()) {
            b.hidden(names("hidden", spec.hidden()));
        }
        if (!spec.attention().isEmpty()) {
            b.attention(names("attention", spec.attention()));
        }
        if (spec.inputsMask() != null) {
            b.inputsMask(name("inputs_mask", spec.inputsMask()));
        }
        ModelAdaptor adaptor = b.build();
        adaptor.validate(sd, "teacher");
        return new ModelGraph(sd, adaptor);
    }

    private String placeholder(String name) {
        String n = renamed.getOrDefault(name, name);
        if (!sd.hasVariable(n) || !sd.getVariable(n).isPlaceHolder()) {
            throw new ConfigException("teacher inputs", name, "the graph imported from " + source
                    + " has no input placeholder of that name; its inputs: " + placeholders());
        }
        return n;
    }

    private List<String> names(String field, List<String> names) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            out.add(name(field + "[" + i + "]", names.get(i)));
        }
        return out;
    }

    private String name(String field, String name) {
        String n = renamed.getOrDefault(name, name);
        if (sd.hasVariable(n)) {
            return n;
        }
        StringBuilder allowed = new StringBuilder("the graph imported from ").append(source)
                .append(" has no variable of that name; its outputs: ").append(outputs)
                .append("; its inputs: ").append(placeholders());
        List<String> similar = similar(name);
        if (!similar.isEmpty()) {
            allowed.append("; similar names: ").append(similar);
        }
        throw new ConfigException("teacher " + field, name, allowed.toString());
    }

    private List<String> placeholders() {
        return sd.variables().stream().filter(SDVariable::isPlaceHolder).map(SDVariable::name).sorted().toList();
    }

    private List<String> similar(String name) {
        String needle = name.toLowerCase(Locale.ROOT);
        String tail = needle.substring(needle.lastIndexOf('/') + 1);
        List<String> out = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            String n = v.name().toLowerCase(Locale.ROOT);
            if (n.contains(needle) || (tail.length() >= 3 && n.contains(tail))) {
                out.add(v.name());
                if (out.size() == 8) {
                    break;
                }
            }
        }
        return out;
    }

    /** Variables of a graph that are op outputs no other op consumes, sorted. */
    static List<String> sinks(SameDiff sd) {
        Set<String> out = new HashSet<>();
        for (Variable v : sd.getVariables().values()) {
            if (v.getVariable().getVariableType() == VariableType.ARRAY && v.getOutputOfOp() != null
                    && (v.getInputsForOp() == null || v.getInputsForOp().isEmpty())) {
                out.add(v.getName());
            }
        }
        return out.stream().sorted().toList();
    }
}
