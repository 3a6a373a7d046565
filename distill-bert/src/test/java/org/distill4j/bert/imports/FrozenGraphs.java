package org.distill4j.bert.imports;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;
import org.tensorflow.framework.AttrValue;
import org.tensorflow.framework.DataType;
import org.tensorflow.framework.GraphDef;
import org.tensorflow.framework.NodeDef;
import org.tensorflow.framework.TensorProto;
import org.tensorflow.framework.TensorShapeProto;

/**
 * A TensorFlow frozen graph written with TensorFlow's GraphDef protobuf (TensorFlow itself is not installed here):
 * a small text classifier with the node and attribute layout TensorFlow 1.x writes (Placeholder, Const, GatherV2,
 * Cast, ExpandDims, Mul, Sum, RealDiv, MatMul, BiasAdd, Tanh, Identity).
 *
 * <pre>
 *   emb    = GatherV2(embeddings [V, D], input_ids [B, L])                 [B, L, D]
 *   pooled = Sum(emb * mask[..., None], 1) / Sum(mask, 1, keep_dims)      [B, D]  (masked mean)
 *   hidden = Tanh(BiasAdd(MatMul(pooled, w1), b1))                          [B, H]
 *   logits = Identity(BiasAdd(MatMul(hidden, w2), b2))                     [B, C]
 * </pre>
 */
final class FrozenGraphs {

    /** The classifier's weights. */
    record Classifier(INDArray embeddings, INDArray w1, INDArray b1, INDArray w2, INDArray b2) {

        static Classifier random(int vocab, int dim, int hidden, int classes, long seed) {
            Nd4j.getRandom().setSeed(seed);
            return new Classifier(Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, vocab, dim),
                    Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, dim, hidden).muli(0.5),
                    Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, hidden).muli(0.1),
                    Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, hidden, classes).muli(0.5),
                    Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, classes).muli(0.1));
        }

        /** The same computation with ND4J ops: {pooled, hidden, logits}. */
        List<INDArray> forward(INDArray ids, INDArray mask) {
            long b = ids.size(0);
            long l = ids.size(1);
            int[] flat = ids.castTo(org.nd4j.linalg.api.buffer.DataType.INT32).dup().reshape(-1).toIntVector();
            INDArray emb = Nd4j.pullRows(embeddings, 1, flat).reshape(b, l, embeddings.size(1));
            INDArray m = mask.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
            INDArray summed = emb.mul(m.reshape(b, l, 1).broadcast(b, l, embeddings.size(1))).sum(1);
            INDArray pooled = summed.divColumnVector(m.sum(1).reshape(b, 1));
            INDArray hidden = org.nd4j.linalg.ops.transforms.Transforms.tanh(pooled.mmul(w1).addRowVector(b1));
            INDArray logits = hidden.mmul(w2).addRowVector(b2);
            return List.of(pooled, hidden, logits);
        }

        /** Writes the frozen graph; node names are those of the class comment (pooled, hidden, logits). */
        void write(Path file) throws IOException {
            GraphDef.Builder g = GraphDef.newBuilder();
            g.addNode(placeholder("input_ids"));
            g.addNode(placeholder("attention_mask"));
            g.addNode(constant("embeddings", embeddings));
            g.addNode(constant("w1", w1));
            g.addNode(constant("b1", b1));
            g.addNode(constant("w2", w2));
            g.addNode(constant("b2", b2));
            g.addNode(intConstant("gather_axis", new long[0], 0));
            g.addNode(intConstant("expand_axis", new long[0], -1));
            g.addNode(intConstant("sequence_axis", new long[] {1}, 1));
            g.addNode(node("emb", "GatherV2", "embeddings", "input_ids", "gather_axis").putAttr("Tparams", type(DataType.DT_FLOAT))
                    .putAttr("Tindices", type(DataType.DT_INT32)).putAttr("Taxis", type(DataType.DT_INT32))
                    .putAttr("batch_dims", AttrValue.newBuilder().setI(0).build()));
            g.addNode(node("mask", "Cast", "attention_mask").putAttr("SrcT", type(DataType.DT_INT32))
                    .putAttr("DstT", type(DataType.DT_FLOAT)).putAttr("Truncate", AttrValue.newBuilder().setB(false).build()));
            g.addNode(node("mask_3d", "ExpandDims", "mask", "expand_axis").putAttr("T", type(DataType.DT_FLOAT))
                    .putAttr("Tdim", type(DataType.DT_INT32)));
            g.addNode(node("masked", "Mul", "emb", "mask_3d").putAttr("T", type(DataType.DT_FLOAT)));
            g.addNode(sum("summed", "masked", false));
            g.addNode(sum("count", "mask", true));
            g.addNode(node("pooled", "RealDiv", "summed", "count").putAttr("T", type(DataType.DT_FLOAT)));
            g.addNode(matMul("hidden_matmul", "pooled", "w1"));
            g.addNode(biasAdd("hidden_pre", "hidden_matmul", "b1"));
            g.addNode(node("hidden", "Tanh", "hidden_pre").putAttr("T", type(DataType.DT_FLOAT)));
            g.addNode(matMul("logits_matmul", "hidden", "w2"));
            g.addNode(biasAdd("logits_pre", "logits_matmul", "b2"));
            g.addNode(node("logits", "Identity", "logits_pre").putAttr("T", type(DataType.DT_FLOAT)));
            Files.write(file, g.build().toByteArray());
        }
    }

    private FrozenGraphs() {
    }

    private static AttrValue type(DataType t) {
        return AttrValue.newBuilder().setType(t).build();
    }

    private static NodeDef.Builder node(String name, String op, String... inputs) {
        NodeDef.Builder n = NodeDef.newBuilder().setName(name).setOp(op);
        for (String in : inputs) {
            n.addInput(in);
        }
        return n;
    }

    private static NodeDef.Builder placeholder(String name) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDimBuilder().setSize(-1);
        shape.addDimBuilder().setSize(-1);
        return node(name, "Placeholder").putAttr("dtype", type(DataType.DT_INT32))
                .putAttr("shape", AttrValue.newBuilder().setShape(shape).build());
    }

    private static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDimBuilder().setSize(d);
        }
        return s.build();
    }

    private static NodeDef.Builder constant(String name, INDArray value) {
        float[] data = value.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup().data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            b.putFloat(f);
        }
        TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(value.shape()))
                .setTensorContent(ByteString.copyFrom(b.array())).build();
        return node(name, "Const").putAttr("dtype", type(DataType.DT_FLOAT)).putAttr("value", AttrValue.newBuilder().setTensor(t).build());
    }

    private static NodeDef.Builder intConstant(String name, long[] dims, int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(shape(dims))
                .setTensorContent(ByteString.copyFrom(b.array())).build();
        return node(name, "Const").putAttr("dtype", type(DataType.DT_INT32)).putAttr("value", AttrValue.newBuilder().setTensor(t).build());
    }

    private static NodeDef.Builder sum(String name, String input, boolean keepDims) {
        return node(name, "Sum", input, "sequence_axis").putAttr("T", type(DataType.DT_FLOAT)).putAttr("Tidx", type(DataType.DT_INT32))
                .putAttr("keep_dims", AttrValue.newBuilder().setB(keepDims).build());
    }

    private static NodeDef.Builder matMul(String name, String a, String b) {
        return node(name, "MatMul", a, b).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("transpose_a", AttrValue.newBuilder().setB(false).build())
                .putAttr("transpose_b", AttrValue.newBuilder().setB(false).build());
    }

    private static NodeDef.Builder biasAdd(String name, String x, String bias) {
        return node(name, "BiasAdd", x, bias).putAttr("T", type(DataType.DT_FLOAT))
                .putAttr("data_format", AttrValue.newBuilder().setS(ByteString.copyFromUtf8("NHWC")).build());
    }
}
