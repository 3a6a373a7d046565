package org.distill4j.bert.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.graph.ModelGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Initialises a student BERT from chosen teacher layers (DistilBERT's recipe, e.g. layers [0, 2, 4, 7, 9, 11] of
 * a 12-layer teacher for a 6-layer student): embeddings, the chosen layers in order, the pooler and any head
 * tensor of the same shape are copied. Teacher and student must have the same widths.
 */
public final class BertInitializer {

    private BertInitializer() {
    }

    /**
     * @param teacherLayers 0-based teacher layer for each student layer, in order
     * @return names of the student tensors that were copied
     * @throws ConfigException naming the field and the layer or tensor that does not fit
     */
    public static List<String> fromTeacherLayers(ModelGraph teacher, ModelGraph student, List<Integer> teacherLayers) {
        List<String> copied = new ArrayList<>();
        List<String> studentParams = student.parameterNames();
        int studentLayers = (int) studentParams.stream().filter(n -> n.matches("bert/encoder/layer_\\d+/output/LayerNorm/gamma")).count();
        int teacherDepth = (int) teacher.parameterNames().stream().filter(n -> n.matches("bert/encoder/layer_\\d+/output/LayerNorm/gamma")).count();
        if (teacherLayers.size() != studentLayers) {
            throw new ConfigException("teacher layers", teacherLayers, "give one teacher layer per student layer ("
                    + studentLayers + ")");
        }
        for (int i = 0; i < teacherLayers.size(); i++) {
            int t = teacherLayers.get(i);
            if (t < 0 || t >= teacherDepth) {
                throw new ConfigException("teacher layers[" + i + "]", t, "the teacher has layers 0.." + (teacherDepth - 1));
            }
        }
        for (String name : studentParams) {
            String source = name;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^bert/encoder/layer_(\\d+)/(.*)$").matcher(name);
            if (m.matches()) {
                source = "bert/encoder/layer_" + teacherLayers.get(Integer.parseInt(m.group(1))) + "/" + m.group(2);
            }
            if (!teacher.sd().hasVariable(source)) {
                continue; // e.g. a head the teacher lacks: keeps its fresh initialisation
            }
            INDArray from = teacher.sd().getArrForVarName(source);
            INDArray to = student.sd().getArrForVarName(name);
            if (!Arrays.equals(from.shape(), to.shape())) {
                if (name.startsWith("bert/")) {
                    throw new ConfigException("student " + name, Arrays.toString(to.shape()), "must have the shape of teacher "
                            + source + " " + Arrays.toString(from.shape()) + ": layer-copy initialisation needs equal widths");
                }
                continue; // a head with another label count
            }
            to.assign(from);
            copied.add(name);
        }
        return copied;
    }
}
