package org.distill4j.bert.imports;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.samediff.frameworkimport.onnx.importer.OnnxFrameworkImporter;
import org.nd4j.samediff.frameworkimport.tensorflow.importer.TensorflowFrameworkImporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports ONNX files and TensorFlow frozen graphs (GraphDef .pb) into SameDiff with DL4J's importers
 * (samediff-import-onnx / samediff-import-tensorflow 1.0.0-M2.1).
 *
 * <p>What this adds to a bare {@code runImport}:
 * <ul>
 *   <li>ONNX files are rewritten first by {@link OnnxRepair} (the importer mis-imports several constructs of
 *       PyTorch exports; the rewrite keeps the function);</li>
 *   <li>after import, matrix products get alpha = 1, beta = 0: the M2.1 importer creates them with alpha = 0 and
 *       beta = 1, so every MatMul would output zeros (or whatever its output buffer held);</li>
 *   <li>the importer's eager-mode arrays (computed during import from placeholder stand-ins) are dropped and eager
 *       mode is switched off, so the graph runs like one built in Java;</li>
 *   <li>the importer prints the whole graph summary and attribute notes to standard output on every import; that
 *       output is discarded unless the system property {@code distill4j.imports.verbose} is true;</li>
 *   <li>failures become {@link ModelImportException}s naming the file and the importer's own message.</li>
 * </ul>
 *
 * <p>Imported graphs keep the file's tensor names: placeholders are the file's inputs, and every node output is a
 * SameDiff variable of the same name (after the repair's renaming of ':' to '_').
 */
public final class ModelImports {

    private static final Logger LOG = LoggerFactory.getLogger(ModelImports.class);
    private static final Object STDOUT_LOCK = new Object();

    private ModelImports() {
    }

    /**
     * Imports an ONNX model (a single file; external-data models are not supported).
     *
     * @throws ModelImportException if the file cannot be read or parsed, or the importer fails
     */
    public static ImportedModel onnx(Path file) {
        Onnx.ModelProto original;
        try {
            original = Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelImportException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
        OnnxRepair.Result repaired = OnnxRepair.repair(original);
        List<String> repairs = new ArrayList<>(repaired.repairs());
        Path tmp = null;
        SameDiff sd;
        try {
            tmp = Files.createTempFile("distill4j-import-", ".onnx");
            Files.write(tmp, repaired.model().toByteArray());
            Path input = tmp;
            sd = quietly(() -> new OnnxFrameworkImporter().runImport(input.toString(), Map.of(), false));
        } catch (IOException e) {
            throw new ModelImportException("cannot write the repaired copy of " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            throw new ModelImportException("DL4J's ONNX importer (samediff-import-onnx) failed on " + file + " (after "
                    + (repairs.isEmpty() ? "no repairs" : "the repairs " + repairs) + "): " + rootMessage(e), e);
        } finally {
            deleteQuietly(tmp);
        }
        repairs.addAll(afterImport(sd));
        List<String> inputs = new ArrayList<>();
        for (Onnx.ValueInfoProto v : repaired.model().getGraph().getInputList()) {
            if (sd.hasVariable(v.getName()) && sd.getVariable(v.getName()).isPlaceHolder()) {
                inputs.add(v.getName());
            }
        }
        List<String> outputs = repaired.model().getGraph().getOutputList().stream().map(Onnx.ValueInfoProto::getName).toList();
        LOG.info("imported {} (ONNX opset {}): {} variables, inputs {}, outputs {}; repairs {}", file,
                opset(original), sd.variables().size(), inputs, outputs, repairs);
        return new ImportedModel(sd, "onnx", file, inputs, outputs, repairs, repaired.renamed());
    }

    /**
     * Imports a TensorFlow frozen graph: a binary GraphDef whose weights are Const nodes (TF 1.x
     * {@code freeze_graph}, or TF 2.x {@code convert_variables_to_constants_v2}).
     *
     * @throws ModelImportException if the importer fails
     */
    public static ImportedModel tensorFlow(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelImportException("no TensorFlow frozen graph at " + file, null);
        }
        SameDiff sd;
        try {
            sd = quietly(() -> new TensorflowFrameworkImporter().runImport(file.toString(), Map.of(), false));
        } catch (RuntimeException | Error e) {
            throw new ModelImportException("DL4J's TensorFlow importer (samediff-import-tensorflow) failed on " + file
                    + ": " + rootMessage(e), e);
        }
        List<String> repairs = afterImport(sd);
        List<String> inputs = sd.variables().stream().filter(v -> v.isPlaceHolder()).map(v -> v.name()).sorted().toList();
        List<String> outputs = ImportedModel.sinks(sd);
        LOG.info("imported {} (TensorFlow GraphDef): {} variables, placeholders {}, unconsumed outputs {}; repairs {}",
                file, sd.variables().size(), inputs, outputs, repairs);
        return new ImportedModel(sd, "tensorflow", file, inputs, outputs, repairs, Map.of());
    }

    /** Fixes applied to the imported graph; returns what was done. */
    static List<String> afterImport(SameDiff sd) {
        int fixed = 0;
        for (DifferentialFunction f : sd.ops()) {
            if (f instanceof Mmul m && m.numTArguments() >= 2 && m.getTArgument(0) == 0.0) {
                while (m.numTArguments() > 0) {
                    m.removeTArgument(m.getTArgument(0));
                }
                m.addTArgument(1.0, 0.0); // alpha, beta: out = 1 * a.b + 0 * out
                fixed++;
            }
        }
        sd.disableEagerMode();
        for (String name : new ArrayList<>(sd.getEagerArrays().arrayNames())) {
            sd.getEagerArrays().removeArray(name);
        }
        return fixed == 0 ? List.of() : List.of("matmul alpha=0, beta=1 -> alpha=1, beta=0: " + fixed);
    }

    /** An import call. */
    interface Import {
        SameDiff run();
    }

    /** Runs an import with standard output discarded (unless distill4j.imports.verbose is true). */
    static SameDiff quietly(Import body) {
        if (Boolean.getBoolean("distill4j.imports.verbose")) {
            return body.run();
        }
        synchronized (STDOUT_LOCK) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                return body.run();
            } finally {
                System.setOut(out);
            }
        }
    }

    private static long opset(Onnx.ModelProto m) {
        return m.getOpsetImportList().stream().filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(Onnx.OperatorSetIdProto::getVersion).findFirst().orElse(-1);
    }

    /** The class and first line of the deepest cause's message. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? "" : t.getMessage().strip();
        int nl = m.indexOf('\n');
        String first = nl < 0 ? m : m.substring(0, nl);
        String outer = e == t || e.getMessage() == null ? "" : " (" + e.getClass().getSimpleName() + ": "
                + e.getMessage().strip().lines().findFirst().orElse("") + ")";
        return t.getClass().getName() + ": " + first + outer;
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file
            }
        }
    }
}
