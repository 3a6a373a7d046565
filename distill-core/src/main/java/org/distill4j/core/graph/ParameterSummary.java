package org.distill4j.core.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tree of a model's parameters grouped by the "/"-separated parts of their names, with counts, share of the
 * total and memory, like TextBrewer's display_parameters.
 *
 * @param name       this node's name part ("" for the root)
 * @param parameters trainable scalars below this node
 * @param bytes      memory of those parameters
 * @param children   sub-groups, sorted by name (numbered parts such as layer_10 in numeric order)
 */
public record ParameterSummary(String name, long parameters, long bytes, List<ParameterSummary> children) {

    /** The summary of a model's trainable parameters (lookup row holders excluded). */
    public static ParameterSummary of(ModelGraph model) {
        Node root = new Node("");
        for (String p : model.parameterNames()) {
            INDArray a = model.sd().getArrForVarName(p);
            long bytes = a.length() * a.dataType().width();
            Node node = root;
            node.add(a.length(), bytes);
            for (String part : p.split("/")) {
                node = node.children.computeIfAbsent(part, Node::new);
                node.add(a.length(), bytes);
            }
        }
        return root.freeze();
    }

    /**
     * An indented table down to {@code maxDepth} levels: name, parameters, share of the total, memory.
     */
    public String format(int maxDepth) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-48s %14s %8s %10s%n", "parameters", "count",
                "share", "memory"));
        append(sb, this, 0, maxDepth, parameters);
        return sb.toString();
    }

    private static void append(StringBuilder sb, ParameterSummary node, int depth, int maxDepth, long total) {
        String label = depth == 0 ? "(all)" : "  ".repeat(depth - 1) + node.name;
        sb.append(String.format(Locale.ROOT, "%-48s %,14d %7.2f%% %10s%n", label, node.parameters,
                100.0 * node.parameters / Math.max(1, total), memory(node.bytes)));
        if (depth < maxDepth) {
            for (ParameterSummary c : node.children) {
                append(sb, c, depth + 1, maxDepth, total);
            }
        }
    }

    private static String memory(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    /** Mutable builder node. */
    private static final class Node {
        final String name;
        long parameters;
        long bytes;
        final Map<String, Node> children = new TreeMap<>(ParameterSummary::compareNatural);

        Node(String name) {
            this.name = name;
        }

        void add(long n, long b) {
            parameters += n;
            bytes += b;
        }

        ParameterSummary freeze() {
            List<ParameterSummary> kids = new ArrayList<>();
            children.values().forEach(c -> kids.add(c.freeze()));
            return new ParameterSummary(name, parameters, bytes, List.copyOf(kids));
        }
    }

    /** Orders layer_2 before layer_10. */
    private static int compareNatural(String a, String b) {
        String pa = a.replaceAll("\\d+$", "");
        String pb = b.replaceAll("\\d+$", "");
        if (pa.equals(pb) && !pa.equals(a) && !pb.equals(b)) {
            return Long.compare(Long.parseLong(a.substring(pa.length())), Long.parseLong(b.substring(pb.length())));
        }
        return a.compareTo(b);
    }
}
