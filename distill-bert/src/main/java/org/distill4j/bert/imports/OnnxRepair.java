package org.distill4j.bert.imports;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Rewrites an ONNX model so that DL4J/SameDiff 1.0.0-M2.1's importer imports it correctly. The network computes the
 * same function; only the ops that write it down change. Each step avoids a failure seen with PyTorch exports of
 * BERT (tools/onnx/README.md has the importer's errors):
 *
 * <ol>
 *   <li>':' in tensor and node names becomes '_' (SameDiff reads {@code a:1} as output 1 of {@code a}; torch names
 *       initializers {@code onnx::Add_274}); nodes named like another node's output are renamed (the importer
 *       then leaves nodes unprocessed);</li>
 *   <li>Constant nodes become initializers (the importer evaluates ops while importing them and has no value for
 *       a Constant node's output then);</li>
 *   <li>attributes left at their ONNX default are written out (the importer does not know the defaults: a
 *       ReduceMean without keepdims is imported with keepdims off);</li>
 *   <li>Pow with a constant exponent 2 becomes Mul(x, x), 0.5 Sqrt(x), 1 Identity(x) (ONNX Pow is imported as an
 *       op with two outputs and the import fails);</li>
 *   <li>Gather with a constant scalar index becomes Gather with a one-element index then Squeeze (the importer
 *       keeps the gathered axis);</li>
 *   <li>reductions with keepdims=1 become keepdims=0 then Unsqueeze (the kept-dims reduction computes the right
 *       numbers into a wrongly laid out array);</li>
 *   <li>Gemm (nn.Linear on [batch, features]) becomes MatMul, then Add of C, with Transpose / Mul nodes for
 *       transA, transB, alpha and beta (the importer passes C to nd4j's matmul, which ignores it, and sets beta=1,
 *       so the bias is lost and the output buffer's old content added);</li>
 *   <li>MatMul of an activation of rank 3 or more by a rank-2 initializer (every nn.Linear) becomes Reshape to
 *       [-1, K], a rank-2 MatMul, and Reshape back (nd4j's matmul needs equal ranks).</li>
 * </ol>
 */
public final class OnnxRepair {

    /** Prefix of the tensors and nodes the repair adds. */
    static final String PREFIX = "distill4j_repair/";

    /**
     * The repaired model.
     *
     * @param model   the rewritten model
     * @param repairs one line per kind of rewrite, with how many nodes it touched (empty: nothing to do)
     * @param renamed original name -> new name, for every name step 1 changed
     */
    public record Result(Onnx.ModelProto model, List<String> repairs, Map<String, String> renamed) {
        public Result {
            repairs = List.copyOf(repairs);
            renamed = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(renamed));
        }
    }

    private final Onnx.GraphProto.Builder g;
    private final int opset;
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private final Map<String, String> renamed = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private int fresh;

    private OnnxRepair(Onnx.GraphProto.Builder g, int opset) {
        this.g = g;
        this.opset = opset;
    }

    /** Applies every step to a copy of {@code model}. */
    public static Result repair(Onnx.ModelProto model) {
        int opset = 0;
        for (Onnx.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) o.getVersion();
            }
        }
        Onnx.ModelProto.Builder m = model.toBuilder();
        OnnxRepair r = new OnnxRepair(m.getGraphBuilder(), opset);
        r.sanitizeNames();
        r.collectNames();
        r.renameClashingNodes();
        r.constantsToInitializers();
        r.explicitDefaults();
        r.rewritePow();
        r.rewriteScalarGather();
        r.rewriteKeepDimsReductions();
        r.rewriteGemm();
        r.rewriteMatMul();
        List<String> repairs = new ArrayList<>();
        r.counts.forEach((k, v) -> repairs.add(k + ": " + v));
        return new Result(m.build(), repairs, r.renamed);
    }

    private void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }

    // ---- step 1 ----

    private String safe(String name) {
        if (name.indexOf(':') < 0) {
            return name;
        }
        String s = name.replace(':', '_');
        renamed.put(name, s);
        return s;
    }

    private void sanitizeNames() {
        int before = renamed.size();
        for (Onnx.NodeProto.Builder n : g.getNodeBuilderList()) {
            for (int i = 0; i < n.getInputCount(); i++) {
                n.setInput(i, safe(n.getInput(i)));
            }
            for (int i = 0; i < n.getOutputCount(); i++) {
                n.setOutput(i, safe(n.getOutput(i)));
            }
            n.setName(safe(n.getName()));
        }
        for (Onnx.TensorProto.Builder t : g.getInitializerBuilderList()) {
            t.setName(safe(t.getName()));
        }
        for (Onnx.ValueInfoProto.Builder v : g.getInputBuilderList()) {
            v.setName(safe(v.getName()));
        }
        for (Onnx.ValueInfoProto.Builder v : g.getOutputBuilderList()) {
            v.setName(safe(v.getName()));
        }
        for (Onnx.ValueInfoProto.Builder v : g.getValueInfoBuilderList()) {
            v.setName(safe(v.getName()));
        }
        if (renamed.size() > before) {
            counts.put("names without ':'", renamed.size() - before);
        }
    }

    private void collectNames() {
        g.getInitializerList().forEach(t -> names.add(t.getName()));
        g.getInputList().forEach(v -> names.add(v.getName()));
        for (Onnx.NodeProto n : g.getNodeList()) {
            names.addAll(n.getOutputList());
            names.add(n.getName());
        }
    }

    /**
     * Nodes named like a tensor that another node produces (or an input or initializer) get a fresh name: the importer
     * confuses the two and leaves the graph unfinished ("IllegalStateException: 1 Unprocessed nodes: [...]").
     */
    private void renameClashingNodes() {
        Set<String> tensors = new HashSet<>();
        g.getInitializerList().forEach(t -> tensors.add(t.getName()));
        g.getInputList().forEach(v -> tensors.add(v.getName()));
        g.getNodeList().forEach(n -> tensors.addAll(n.getOutputList()));
        for (Onnx.NodeProto.Builder n : g.getNodeBuilderList()) {
            if (tensors.contains(n.getName()) && !n.getOutputList().contains(n.getName())) {
                n.setName(fresh(n.getName() + "/node"));
                count("node names that were another tensor's name");
            }
        }
    }

    /** A name not used in the graph yet, starting with {@link #PREFIX}. */
    private String fresh(String hint) {
        String base = (hint.startsWith(PREFIX) ? "" : PREFIX) + hint.replace(':', '_');
        String name = base;
        while (names.contains(name)) {
            name = base + "_" + (++fresh);
        }
        names.add(name);
        return name;
    }

    // ---- step 2 ----

    private void constantsToInitializers() {
        List<Onnx.NodeProto> keep = new ArrayList<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            Onnx.TensorProto value = n.getOpType().equals("Constant") && isDefaultDomain(n) && n.getAttributeCount() == 1
                    ? constantValue(n.getAttribute(0)) : null;
            if (value == null) {
                keep.add(n);
                continue;
            }
            g.addInitializer(value.toBuilder().setName(n.getOutput(0)));
            count("Constant nodes -> initializers");
        }
        g.clearNode().addAllNode(keep);
    }

    private static Onnx.TensorProto constantValue(Onnx.AttributeProto a) {
        return switch (a.getName()) {
            case "value" -> a.getT();
            case "value_float" -> floats(new long[0], a.getF());
            case "value_floats" -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield floats(new long[] {f.length}, f);
            }
            case "value_int" -> int64s(new long[0], a.getI());
            case "value_ints" -> int64s(new long[] {a.getIntsCount()}, a.getIntsList().stream().mapToLong(Long::longValue).toArray());
            default -> null; // sparse or string constants: left to the importer
        };
    }

    // ---- step 3 ----

    private static final Set<String> REDUCTIONS = Set.of("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
            "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");

    /** Attribute defaults of the ONNX operator specification (those the importer needs spelled out). */
    private Map<String, Object> defaults(String op) {
        if (REDUCTIONS.contains(op)) {
            return Map.of("keepdims", 1L);
        }
        return switch (op) {
            case "Gather", "Split" -> Map.of("axis", 0L);
            case "Softmax", "LogSoftmax", "Hardmax" -> Map.of("axis", opset >= 13 ? -1L : 1L);
            case "Flatten" -> Map.of("axis", 1L);
            case "ArgMax", "ArgMin" -> Map.of("axis", 0L, "keepdims", 1L);
            case "Gemm" -> Map.of("alpha", 1.0f, "beta", 1.0f, "transA", 0L, "transB", 0L);
            case "LeakyRelu" -> Map.of("alpha", 0.01f);
            case "Elu" -> Map.of("alpha", 1.0f);
            case "CumSum" -> Map.of("exclusive", 0L, "reverse", 0L);
            case "LayerNormalization" -> Map.of("axis", -1L, "epsilon", 1e-5f);
            default -> Map.of();
        };
    }

    private void explicitDefaults() {
        for (Onnx.NodeProto.Builder n : g.getNodeBuilderList()) {
            if (!isDefaultDomain(n)) {
                continue;
            }
            Set<String> present = new HashSet<>();
            n.getAttributeList().forEach(a -> present.add(a.getName()));
            for (Map.Entry<String, Object> d : new java.util.TreeMap<>(defaults(n.getOpType())).entrySet()) {
                if (!present.contains(d.getKey())) {
                    n.addAttribute(attribute(d.getKey(), d.getValue()));
                    count("default attributes written out (" + n.getOpType() + "." + d.getKey() + ")");
                }
            }
        }
    }

    // ---- step 4 ----

    private void rewritePow() {
        Map<String, Onnx.TensorProto> constants = initializers();
        for (Onnx.NodeProto.Builder n : g.getNodeBuilderList()) {
            if (!n.getOpType().equals("Pow") || n.getInputCount() != 2) {
                continue;
            }
            double[] e = values(constants.get(n.getInput(1)));
            if (e == null || e.length != 1) {
                count("Pow nodes left as they are (exponent not a constant scalar; the import may fail)");
                continue;
            }
            if (e[0] == 2.0) {
                n.setOpType("Mul").setInput(1, n.getInput(0));
                count("Pow(x, 2) -> Mul(x, x)");
            } else if (e[0] == 0.5) {
                keepFirstInput(n.setOpType("Sqrt"));
                count("Pow(x, 0.5) -> Sqrt(x)");
            } else if (e[0] == 1.0) {
                keepFirstInput(n.setOpType("Identity"));
                count("Pow(x, 1) -> Identity(x)");
            } else {
                count("Pow nodes left as they are (exponent " + e[0] + "; the import may fail)");
            }
        }
    }

    private static void keepFirstInput(Onnx.NodeProto.Builder n) {
        String first = n.getInput(0);
        n.clearInput().addInput(first);
    }

    // ---- step 5 ----

    private void rewriteScalarGather() {
        Map<String, Onnx.TensorProto> constants = initializers();
        List<Onnx.NodeProto> out = new ArrayList<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            Onnx.TensorProto index = n.getOpType().equals("Gather") && isDefaultDomain(n) ? constants.get(n.getInput(1)) : null;
            if (index == null || index.getDimsCount() != 0) {
                out.add(n);
                continue;
            }
            long axis = intAttribute(n, "axis", 0);
            String vector = fresh(n.getOutput(0) + "/index");
            g.addInitializer(index.toBuilder().setName(vector).addDims(1));
            String gathered = fresh(n.getOutput(0) + "/gathered");
            out.add(n.toBuilder().setInput(1, vector).setOutput(0, gathered).setName(fresh(n.getOutput(0) + "/Gather")).build());
            out.add(squeeze(gathered, n.getOutput(0), new long[] {axis}));
            count("Gather with a scalar index -> Gather + Squeeze");
        }
        g.clearNode().addAllNode(out);
    }

    // ---- step 6 ----

    private void rewriteKeepDimsReductions() {
        List<Onnx.NodeProto> out = new ArrayList<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            Onnx.AttributeProto axes = attribute(n, "axes");
            boolean candidate = REDUCTIONS.contains(n.getOpType()) && isDefaultDomain(n) && n.getInputCount() == 1
                    && axes != null && intAttribute(n, "keepdims", 1) == 1;
            long[] ax = candidate ? axes.getIntsList().stream().mapToLong(Long::longValue).toArray() : null;
            if (ax == null || !insertableInOrder(ax)) {
                out.add(n);
                continue;
            }
            Onnx.NodeProto.Builder reduced = n.toBuilder();
            for (int i = 0; i < reduced.getAttributeCount(); i++) {
                if (reduced.getAttribute(i).getName().equals("keepdims")) {
                    reduced.setAttribute(i, attribute("keepdims", 0L));
                }
            }
            String dropped = fresh(n.getOutput(0) + "/reduced");
            // The rewritten node gets a new name too: the importer confuses a node whose name is also a variable
            // name (a hand-written graph's "mean" node with output "mean") once that output moves to another node.
            out.add(reduced.setOutput(0, dropped).setName(fresh(n.getOutput(0) + "/" + n.getOpType())).build());
            out.add(unsqueeze(dropped, n.getOutput(0), ax));
            count(n.getOpType() + " keepdims=1 -> keepdims=0 + Unsqueeze");
        }
        g.clearNode().addAllNode(out);
    }

    /**
     * True if inserting size-1 axes one at a time, in ascending order, puts each where ONNX's Unsqueeze would (the
     * importer does so): a single axis, or several non-negative ones.
     */
    private static boolean insertableInOrder(long[] axes) {
        if (axes.length == 1) {
            return true;
        }
        for (long a : axes) {
            if (a < 0) {
                return false;
            }
        }
        return true;
    }

    // ---- step 7 ----

    private void rewriteGemm() {
        List<Onnx.NodeProto> out = new ArrayList<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            if (!n.getOpType().equals("Gemm") || !isDefaultDomain(n)) {
                out.add(n);
                continue;
            }
            String y = n.getOutput(0);
            String a = n.getInput(0);
            String b = n.getInput(1);
            if (intAttribute(n, "transA", 0) != 0) {
                String t = fresh(y + "/a_transposed");
                out.add(node("Transpose", List.of(a), t).toBuilder().addAttribute(ints("perm", new long[] {1, 0})).build());
                a = t;
            }
            if (intAttribute(n, "transB", 0) != 0) {
                String t = fresh(y + "/b_transposed");
                out.add(node("Transpose", List.of(b), t).toBuilder().addAttribute(ints("perm", new long[] {1, 0})).build());
                b = t;
            }
            boolean hasC = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
            float alpha = floatAttribute(n, "alpha", 1f);
            float beta = floatAttribute(n, "beta", 1f);
            String product = alpha == 1f && !hasC ? y : fresh(y + "/product");
            out.add(node("MatMul", List.of(a, b), product));
            String scaled = product;
            if (alpha != 1f) {
                scaled = hasC ? fresh(y + "/scaled") : y;
                out.add(node("Mul", List.of(product, constant(y + "/alpha", floats(new long[0], alpha))), scaled));
            }
            if (hasC) {
                String c = n.getInput(2);
                if (beta != 1f) {
                    String sc = fresh(y + "/c_scaled");
                    out.add(node("Mul", List.of(c, constant(y + "/beta", floats(new long[0], beta))), sc));
                    c = sc;
                }
                out.add(node("Add", List.of(scaled, c), y));
            }
            count("Gemm -> MatMul + Add");
        }
        g.clearNode().addAllNode(out);
    }

    // ---- step 8 ----

    private void rewriteMatMul() {
        Map<String, Onnx.TensorProto> constants = initializers();
        Map<String, Integer> ranks = new HashMap<>();
        for (Onnx.ValueInfoProto v : concat(g.getInputList(), g.getValueInfoList(), g.getOutputList())) {
            if (v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
                ranks.put(v.getName(), v.getType().getTensorType().getShape().getDimCount());
            }
        }
        List<Onnx.NodeProto> out = new ArrayList<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            Onnx.TensorProto w = n.getOpType().equals("MatMul") && isDefaultDomain(n) ? constants.get(n.getInput(1)) : null;
            Integer rank = ranks.get(n.getInput(0));
            if (w == null || w.getDimsCount() != 2 || (rank != null && rank <= 2) || constants.containsKey(n.getInput(0))) {
                out.add(n);
                continue;
            }
            long k = w.getDims(0);
            long cols = w.getDims(1);
            String x = n.getInput(0);
            String y = n.getOutput(0);
            String flat = constant(y + "/flat_shape", int64s(new long[] {2}, -1, k));
            String flatIn = fresh(y + "/flat_in");
            String product = fresh(y + "/flat_product");
            String shape = fresh(y + "/input_shape");
            String leading = fresh(y + "/leading_shape");
            String outShape = fresh(y + "/output_shape");
            out.add(node("Reshape", List.of(x, flat), flatIn));
            out.add(n.toBuilder().setInput(0, flatIn).setOutput(0, product).setName(fresh(y + "/MatMul")).build());
            out.add(node("Shape", List.of(x), shape));
            out.add(node("Slice", List.of(shape, constant(y + "/zero", int64s(new long[] {1}, 0)),
                    constant(y + "/minus_one", int64s(new long[] {1}, -1)), constant(y + "/axis", int64s(new long[] {1}, 0))), leading));
            out.add(node("Concat", List.of(leading, constant(y + "/columns", int64s(new long[] {1}, cols))), outShape)
                    .toBuilder().addAttribute(attribute("axis", 0L)).build());
            out.add(node("Reshape", List.of(product, outShape), y));
            count("MatMul [.., K] x [K, N] -> Reshape + rank-2 MatMul + Reshape");
        }
        g.clearNode().addAllNode(out);
    }

    // ---- helpers ----

    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        List<T> out = new ArrayList<>();
        for (List<T> l : lists) {
            out.addAll(l);
        }
        return out;
    }

    private static boolean isDefaultDomain(Onnx.NodeProtoOrBuilder n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }

    private Map<String, Onnx.TensorProto> initializers() {
        Map<String, Onnx.TensorProto> out = new HashMap<>();
        g.getInitializerList().forEach(t -> out.put(t.getName(), t));
        return out;
    }

    private String constant(String hint, Onnx.TensorProto t) {
        String name = fresh(hint);
        g.addInitializer(t.toBuilder().setName(name));
        return name;
    }

    private Onnx.NodeProto node(String op, List<String> inputs, String output) {
        return Onnx.NodeProto.newBuilder().setOpType(op).addAllInput(inputs).addOutput(output).setName(fresh(output + "/" + op)).build();
    }

    private Onnx.NodeProto squeeze(String in, String out, long[] axes) {
        if (opset >= 13) {
            return node("Squeeze", List.of(in, constant(out + "/axes", int64s(new long[] {axes.length}, axes))), out);
        }
        return node("Squeeze", List.of(in), out).toBuilder().addAttribute(ints("axes", axes)).build();
    }

    private Onnx.NodeProto unsqueeze(String in, String out, long[] axes) {
        if (opset >= 13) {
            return node("Unsqueeze", List.of(in, constant(out + "/axes", int64s(new long[] {axes.length}, axes))), out);
        }
        return node("Unsqueeze", List.of(in), out).toBuilder().addAttribute(ints("axes", axes)).build();
    }

    private static Onnx.AttributeProto attribute(Onnx.NodeProtoOrBuilder n, String name) {
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static long intAttribute(Onnx.NodeProtoOrBuilder n, String name, long otherwise) {
        Onnx.AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getI();
    }

    private static float floatAttribute(Onnx.NodeProtoOrBuilder n, String name, float otherwise) {
        Onnx.AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getF();
    }

    private static Onnx.AttributeProto attribute(String name, Object value) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name);
        if (value instanceof Long l) {
            return a.setType(Onnx.AttributeProto.AttributeType.INT).setI(l).build();
        }
        if (value instanceof Float f) {
            return a.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(f).build();
        }
        throw new IllegalArgumentException("attribute value " + value);
    }

    private static Onnx.AttributeProto ints(String name, long[] values) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static Onnx.TensorProto int64s(long[] dims, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setDataType(Onnx.TensorProto.DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static Onnx.TensorProto floats(long[] dims, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** The values of a small numeric tensor (float, double, int32, int64), or null. */
    static double[] values(Onnx.TensorProto t) {
        if (t == null) {
            return null;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = raw.hasRemaining();
        return switch (t.getDataType()) {
            case Onnx.TensorProto.DataType.FLOAT_VALUE -> {
                int n = hasRaw ? raw.remaining() / 4 : t.getFloatDataCount();
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getFloat() : t.getFloatData(i);
                }
                yield v;
            }
            case Onnx.TensorProto.DataType.DOUBLE_VALUE -> {
                int n = hasRaw ? raw.remaining() / 8 : t.getDoubleDataCount();
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getDouble() : t.getDoubleData(i);
                }
                yield v;
            }
            case Onnx.TensorProto.DataType.INT32_VALUE -> {
                int n = hasRaw ? raw.remaining() / 4 : t.getInt32DataCount();
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getInt() : t.getInt32Data(i);
                }
                yield v;
            }
            case Onnx.TensorProto.DataType.INT64_VALUE -> {
                int n = hasRaw ? raw.remaining() / 8 : t.getInt64DataCount();
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getLong() : t.getInt64Data(i);
                }
                yield v;
            }
            default -> null;
        };
    }
}
