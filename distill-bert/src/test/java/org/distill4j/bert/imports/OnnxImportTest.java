package org.distill4j.bert.imports;

import static org.distill4j.bert.imports.ImportFixtures.LAYERS;
import static org.distill4j.bert.imports.ImportFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.bert.model.BertConfig;
import org.distill4j.bert.model.BertHead;
import org.distill4j.bert.model.BertModel;
import org.distill4j.core.config.ConfigException;
import org.distill4j.core.data.Batch;
import org.distill4j.core.graph.ModelGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.samediff.frameworkimport.onnx.importer.OnnxFrameworkImporter;

/**
 * A small BERT exported from PyTorch to ONNX (tools/onnx/export_bert.py) imported with DL4J's ONNX importer through
 * {@link ModelImports}: its logits, every layer's hidden states and attention probabilities match PyTorch's float64
 * outputs within 1e-4, at two batch shapes through the dynamic axes, at opsets 13 and 11.
 */
class OnnxImportTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    private static List<String> outputNames() {
        List<String> names = new ArrayList<>(List.of("logits"));
        for (int i = 0; i <= LAYERS; i++) {
            names.add("hidden_" + i);
        }
        for (int i = 0; i < LAYERS; i++) {
            names.add("attention_" + i);
        }
        return names;
    }

    private static void assertMatchesPyTorch(ModelGraph teacher, String caseName) {
        Map<String, INDArray> c = ImportFixtures.testCase(caseName);
        Map<String, INDArray> out = teacher.output(ImportFixtures.batch(c), outputNames());
        for (String name : outputNames()) {
            assertClose(c.get(name), out.get(name), TOLERANCE, caseName + "/" + name);
        }
    }

    @Test
    void pytorchExportWithDynamicAxesMatchesPyTorch() {
        ImportedModel model = ModelImports.onnx(ImportFixtures.file("bert_tiny.onnx"));
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), model.inputs());
        assertEquals(outputNames(), model.outputs());
        // int64 inputs, as in the file; Distill4j's int32 batch fields feed them as they are.
        for (String in : model.inputs()) {
            assertEquals(DataType.INT64, model.sd().getVariable(in).dataType(), in);
        }
        ModelGraph teacher = model.teacher(TeacherSpec.bert(LAYERS));
        assertMatchesPyTorch(teacher, "full");   // [3, 10]
        assertMatchesPyTorch(teacher, "short");  // [2, 6], through the same graph
        assertMatchesPyTorch(teacher, "full");   // and back
    }

    @Test
    void opset11ExportWithFixedShapesMatchesPyTorch() {
        ImportedModel model = ModelImports.onnx(ImportFixtures.file("bert_tiny_opset11_static.onnx"));
        for (String in : model.inputs()) {
            assertEquals(DataType.INT32, model.sd().getVariable(in).dataType(), in);
        }
        assertMatchesPyTorch(model.teacher(TeacherSpec.bert(LAYERS)), "full");
    }

    /**
     * The other route to the same teacher: our native {@link BertModel} with the exported network's weights (the
     * parity fixtures that tools/onnx/export_bert.py exported) computes what the imported graph computes.
     */
    @Test
    void importedTeacherAgreesWithTheNativeBertModelOfTheSameWeights() throws Exception {
        ModelGraph imported = ModelImports.onnx(ImportFixtures.file("bert_tiny.onnx")).teacher(TeacherSpec.bert(LAYERS));
        BertConfig config = new BertConfig(40, 32, LAYERS, 4, 64, 24, 2, 1e-12, 0, 0, 0.02);
        ModelGraph nativeBert = ModelGraph.create(new BertModel(config, BertHead.SEQUENCE_CLASSIFICATION, 3), 1);
        Path parity = Path.of(OnnxImportTest.class.getResource("/bert/parity/config.json").toURI()).getParent();
        Map<String, INDArray> weights = new HashMap<>();
        for (Path folder : List.of(parity.resolve("weights"), parity.resolve("heads").resolve("sequence"))) {
            try (var files = Files.list(folder)) {
                for (Path f : files.toList()) {
                    weights.put(f.getFileName().toString().replace(".npy", "").replace("__", "/"), Nd4j.createFromNpyFile(f.toFile()));
                }
            }
        }
        for (String p : nativeBert.parameterNames()) {
            nativeBert.sd().getArrForVarName(p).assign(weights.get(p));
        }
        Map<String, INDArray> c = ImportFixtures.testCase("short");
        Map<String, INDArray> fields = new HashMap<>(ImportFixtures.batch(c).fields());
        fields.put("labels", Nd4j.zeros(DataType.INT32, c.get("input_ids").size(0))); // the native head's loss input
        Batch batch = new Batch(fields);
        List<String> ours = new ArrayList<>(List.of("logits"));
        for (int i = 0; i <= LAYERS; i++) {
            ours.add("bert/hidden/" + i);
        }
        for (int i = 0; i < LAYERS; i++) {
            ours.add("bert/attention/" + i);
        }
        Map<String, INDArray> a = imported.output(batch, outputNames());
        Map<String, INDArray> b = nativeBert.output(batch, ours);
        for (int i = 0; i < ours.size(); i++) {
            assertClose(a.get(outputNames().get(i)), b.get(ours.get(i)), TOLERANCE, outputNames().get(i) + " vs " + ours.get(i));
        }
    }

    @Test
    void repairsAreReported() {
        List<String> repairs = ModelImports.onnx(ImportFixtures.file("bert_tiny.onnx")).repairs();
        String all = String.join("\n", repairs);
        for (String expected : List.of("Constant nodes -> initializers", "default attributes written out (ReduceMean.keepdims)",
                "Pow(x, 2) -> Mul(x, x)", "Gather with a scalar index -> Gather + Squeeze",
                "ReduceMean keepdims=1 -> keepdims=0 + Unsqueeze", "MatMul [.., K] x [K, N] -> Reshape + rank-2 MatMul + Reshape",
                "Gemm -> MatMul + Add", "matmul alpha=0, beta=1 -> alpha=1, beta=0")) {
            assertTrue(all.contains(expected), "missing repair '" + expected + "' in " + repairs);
        }
        // The static export names a folded initializer "onnx::Add_..."; the repair renames it.
        ImportedModel fixed = ModelImports.onnx(ImportFixtures.file("bert_tiny_opset11_static.onnx"));
        assertTrue(fixed.renamed().keySet().stream().anyMatch(n -> n.startsWith("onnx::")), fixed.renamed().toString());
    }

    /** What DL4J M2.1's importer does with the same files on its own: the reason for {@link OnnxRepair}. */
    @Test
    void bareImporterFailsOnPyTorchExports() {
        String dynamic = ImportFixtures.file("bert_tiny.onnx").toString();
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> ModelImports.quietly(() -> new OnnxFrameworkImporter().runImport(dynamic, Map.of(), false)));
        assertTrue(npe.getStackTrace()[0].getClassName().endsWith("onnx.definitions.implementations.Unsqueeze"),
                "fails in the Unsqueeze import hook: " + npe);
        String fixed = ImportFixtures.file("bert_tiny_opset11_static.onnx").toString();
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> ModelImports.quietly(() -> new OnnxFrameworkImporter().runImport(fixed, Map.of(), false)));
        assertTrue(iae.getMessage().startsWith("No variable name found for onnx::Add_"), iae.getMessage());
    }

    @Test
    void unknownNamesAreReportedWithTheGraphOutputs() {
        ImportedModel model = ModelImports.onnx(ImportFixtures.file("bert_tiny.onnx"));
        TeacherSpec wrongOutput = TeacherSpec.builder().input("input_ids").input("attention_mask").input("token_type_ids")
                .logits("last_hidden_state").build();
        ConfigException e = assertThrows(ConfigException.class, () -> model.teacher(wrongOutput));
        assertTrue(e.getMessage().startsWith("teacher logits[0]: 'last_hidden_state' is not allowed"), e.getMessage());
        assertTrue(e.getMessage().contains("its outputs: [logits, hidden_0, hidden_1, hidden_2, attention_0, attention_1]"), e.getMessage());

        TeacherSpec wrongInput = TeacherSpec.builder().input("ids", "input_ids").logits("logits").build();
        ConfigException e2 = assertThrows(ConfigException.class, () -> model.teacher(wrongInput));
        assertTrue(e2.getMessage().contains("its inputs: [attention_mask, input_ids, token_type_ids]"), e2.getMessage());

        TeacherSpec tooManyLayers = TeacherSpec.bert(3);
        ConfigException e3 = assertThrows(ConfigException.class, () -> model.teacher(tooManyLayers));
        assertTrue(e3.getMessage().startsWith("teacher hidden[3]"), e3.getMessage());
    }

    @Test
    void unreadableFilesFailWithTheFileName() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.onnx"), "not a protobuf, not at all");
        ModelImportException e = assertThrows(ModelImportException.class, () -> ModelImports.onnx(junk));
        assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());
        Path missing = dir.resolve("missing.onnx");
        ModelImportException e2 = assertThrows(ModelImportException.class, () -> ModelImports.onnx(missing));
        assertTrue(e2.getMessage().contains(missing.toString()), e2.getMessage());
    }
}
