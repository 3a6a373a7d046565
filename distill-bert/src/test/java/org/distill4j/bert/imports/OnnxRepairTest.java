package org.distill4j.bert.imports;

import static org.distill4j.bert.imports.ImportFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Repairs that the PyTorch BERT fixture does not reach, on a small ONNX graph written here and compared with ND4J:
 * the Gemm of an unfolded nn.Linear (transB=1) with alpha and beta, Pow(x, 0.5), and a node named like another
 * node's output (the Sub node "square"; without the rename the importer drops it: "Requested output variable out
 * does not exist in SameDiff instance").
 */
class OnnxRepairTest {

    @TempDir
    Path dir;

    private static Onnx.TensorProto floats(String name, INDArray a) {
        float[] v = a.castTo(DataType.FLOAT).dup().data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : a.shape()) {
            t.addDims(d);
        }
        return t.build();
    }

    private static Onnx.ValueInfoProto value(String name, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDimBuilder().setDimValue(d);
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static Onnx.AttributeProto attr(String name, float f) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(f).build();
    }

    private static Onnx.AttributeProto attr(String name, long i) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(i).build();
    }

    @Test
    void gemmWithTransposedWeightAlphaBetaAndSquareRootPowImportCorrectly() throws Exception {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3);
        INDArray w = Nd4j.randn(DataType.FLOAT, 4, 3);   // [out, in], as nn.Linear stores it
        INDArray c = Nd4j.randn(DataType.FLOAT, 4);
        Onnx.GraphProto graph = Onnx.GraphProto.newBuilder().setName("g")
                .addInput(value("x", 2, 3))
                .addInitializer(floats("w", w)).addInitializer(floats("c", c))
                .addInitializer(floats("half", Nd4j.scalar(0.5f)))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Gemm").setName("gemm").addInput("x").addInput("w").addInput("c")
                        .addOutput("gemm").addAttribute(attr("transB", 1L)).addAttribute(attr("alpha", 0.5f)).addAttribute(attr("beta", 2f)))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Mul").setName("square").addInput("gemm").addInput("gemm").addOutput("square"))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Pow").setName("abs").addInput("square").addInput("half").addOutput("abs"))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("ReduceMean").setName("mean").addInput("abs").addOutput("mean")
                        .addAttribute(Onnx.AttributeProto.newBuilder().setName("axes").setType(Onnx.AttributeProto.AttributeType.INTS).addInts(1)))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Sub").setName("square").addInput("abs").addInput("mean").addOutput("out"))
                .addOutput(value("gemm", 2, 4)).addOutput(value("out", 2, 4))
                .build();
        Onnx.ModelProto model = Onnx.ModelProto.newBuilder().setIrVersion(7).setGraph(graph)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
        Path file = dir.resolve("small.onnx");
        Files.write(file, model.toByteArray());

        ImportedModel imported = ModelImports.onnx(file);
        String repairs = String.join("\n", imported.repairs());
        for (String r : List.of("Gemm -> MatMul + Add", "Pow(x, 0.5) -> Sqrt(x)", "ReduceMean keepdims=1 -> keepdims=0 + Unsqueeze",
                "node names that were another tensor's name: 1")) {
            assertTrue(repairs.contains(r), "missing '" + r + "' in " + repairs);
        }
        Map<String, INDArray> out = imported.sd().output(Map.of("x", x), List.of("gemm", "out"));
        INDArray gemm = x.mmul(w.transpose()).mul(0.5).addRowVector(c.mul(2));
        INDArray abs = Transforms.abs(gemm, true);
        INDArray expected = abs.subColumnVector(abs.mean(1).reshape(2, 1));
        assertClose(gemm, out.get("gemm"), 1e-5, "gemm");
        assertClose(expected, out.get("out"), 1e-5, "out");
    }
}
