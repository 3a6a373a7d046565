package org.distill4j.core.graph;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.distill4j.core.data.ExampleSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model: its SameDiff graph and the adaptor that names its inputs and outputs.
 *
 * <p>Run a graph on one thread at a time: {@link #feeds} writes a batch's embedding rows into the graph's own
 * variables ({@link EmbeddingLookup}), so two threads running one graph at once would read each other's rows. (The
 * training loop's teacher thread runs the teacher while the loop's thread runs the student.)
 *
 * @param sd      the graph (its VARIABLE-type variables are the trainable parameters)
 * @param adaptor names of inputs and outputs
 */
public record ModelGraph(SameDiff sd, ModelAdaptor adaptor) {

    /**
     * Attaches {@link HostKernels}, {@link ArrayRecycling} and {@link BatchedMatmulThreads} (CPU backend only: the
     * first and the last) to the graph, once each, in that order (the session HostKernels puts in place is the one
     * ArrayRecycling points to its cache).
     */
    public ModelGraph {
        if (sd != null) {
            HostKernels.attach(sd);
            ArrayRecycling.attach(sd);
            BatchedMatmulThreads.attach(sd);
        }
    }

    /**
     * Builds a model from its definition into a new graph for this process: on ND4J's CPU backend its graph runs
     * through {@link HostKernels} (attached before the definition builds, so {@link ExactGelu} takes its fast form).
     * Such a graph is not for saving with SameDiff; {@link #createPortable} builds one that is.
     */
    public static ModelGraph create(ModelDefinition definition, long seed) {
        SameDiff sd = SameDiff.create();
        HostKernels.attach(sd);
        return new ModelGraph(sd, definition.build(sd, seed));
    }

    /**
     * Builds a model from its definition into a new graph made only of ND4J's own ops, with the same values as
     * {@link #create}'s: one that any SameDiff computes correctly once saved, on any backend (the models Distill4j
     * exports). It still runs through {@link HostKernels} here, only with more ops.
     */
    public static ModelGraph createPortable(ModelDefinition definition, long seed) {
        SameDiff sd = SameDiff.create();
        return new ModelGraph(sd, definition.build(sd, seed));
    }

    /**
     * This graph reading its batch fields under a prefix (same arrays, another adaptor): e.g. a teacher with its own
     * tokenizer reads "teacher.input_ids" while the student reads "input_ids" from the same batch.
     */
    public ModelGraph readingFieldsWithPrefix(String prefix) {
        return new ModelGraph(sd, adaptor.withFieldPrefix(prefix));
    }

    /**
     * The placeholder feeds for a batch, as the adaptor maps fields to placeholders. Also copies the looked-up
     * table rows for this batch into the lookups' row variables (see {@link EmbeddingLookup}).
     */
    public Map<String, INDArray> feeds(Batch batch) {
        Map<String, INDArray> feeds = new LinkedHashMap<>();
        adaptor.inputs().forEach((placeholder, field) -> feeds.put(placeholder, batch.get(field)));
        for (EmbeddingLookup l : adaptor.lookups()) {
            copyLookupRows(l, batch.get(l.ids()));
        }
        boolean training = isTraining();
        for (RandomMask m : adaptor.randomMasks()) {
            long[] shape = m.shape(batch.get(m.like()).shape());
            DataType type = sd.getVariable(m.placeholder()).dataType();
            if (training) {
                INDArray mask = ArrayRecycling.borrow(type, shape); // the previous step's mask memory in training
                Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution(mask, m.keep()));
                feeds.put(m.placeholder(), mask.divi(m.keep()));
            } else {
                long[] ones = new long[shape.length];
                Arrays.fill(ones, 1);
                feeds.put(m.placeholder(), Nd4j.ones(type, ones));
            }
        }
        return feeds;
    }

    /**
     * Lets go of the sessions SameDiff keeps after a run of this graph and of its gradient function: each holds the
     * last run's intermediate arrays. The next run starts a fresh session; arrays a run returned stay valid, and the
     * arrays the runs released stay in the thread's cache for the next step ({@link ArrayRecycling}). The training
     * loop calls it after every update: on the standard benchmark the peak resident size fell from 4.8 to 3.5 GiB
     * (when each session still had its own cache), the step time stayed within the run-to-run spread.
     */
    public void releaseSessionMemory() {
        // arrays only the sessions reference are freed once collected (see NativeMemoryGuard)
        sd.getSessions().clear();
        SameDiff grad = sd.getFunction("grad");
        if (grad != null) {
            grad.getSessions().clear();
        }
    }

    /** True while the training flag is 1 (dropout masks are drawn). */
    public boolean isTraining() {
        return adaptor.trainingFlag() != null && sd.getArrForVarName(adaptor.trainingFlag()).getDouble(0) != 0;
    }

    /**
     * table[ids] into the lookup's rows variable: [B, L] ids -> [B, L, D] rows. Written into the variable's arrays (the
     * graph's and its gradient function's) when they have that shape already (every batch of a run but a short last
     * one), which leaves no garbage behind; else the variable gets a new array ({@code setArray}).
     */
    private void copyLookupRows(EmbeddingLookup l, INDArray ids) {
        INDArray table = sd.getArrForVarName(l.table());
        int[] flat = ids.castTo(DataType.INT32).dup().reshape(-1).toIntVector();
        long vocab = table.size(0);
        for (int i = 0; i < flat.length; i++) {
            if (flat[i] < 0 || flat[i] >= vocab) {
                throw new IllegalArgumentException("batch field '" + l.ids() + "' holds id " + flat[i] + " at position "
                        + i + ", outside the table " + l.table() + " of " + vocab + " rows");
            }
        }
        long[] shape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        shape[ids.rank()] = table.size(1);
        // setArray gives the gradient function its own copy, so both graphs' arrays are written
        List<INDArray> current = new ArrayList<>();
        for (SameDiff g : new SameDiff[]{sd, sd.getFunction("grad")}) {
            INDArray a = g == null ? null : g.getArrForVarName(l.rows());
            if (a != null && current.stream().noneMatch(c -> c == a)) {
                current.add(a);
            }
        }
        boolean inPlace = !current.isEmpty() && current.stream().allMatch(a -> Arrays.equals(a.shape(), shape)
                && a.dataType() == table.dataType() && contiguous(a));
        if (inPlace) {
            Nd4j.pullRows(table, current.get(0).reshape(flat.length, table.size(1)), 1, flat);
            for (INDArray other : current.subList(1, current.size())) {
                other.assign(current.get(0));
            }
        } else {
            sd.getVariable(l.rows()).setArray(Nd4j.pullRows(table, 1, flat).reshape(shape));
        }
    }

    /**
     * Turns the gradients of the lookups' row variables into gradients of their tables (scatter-add over the
     * batch's ids, so repeated ids add up), merged into {@code grads} under the table names. Row gradients are
     * removed from the map.
     */
    public void scatterLookupGradients(Map<String, INDArray> grads, Batch batch) {
        for (EmbeddingLookup l : adaptor.lookups()) {
            INDArray rowGrad = grads.remove(l.rows());
            if (rowGrad == null) {
                continue;
            }
            INDArray table = sd.getArrForVarName(l.table());
            int[] ids = batch.get(l.ids()).castTo(DataType.INT32).dup().reshape(-1).toIntVector();
            int width = (int) table.size(1);
            double[] rows = contiguous(rowGrad) ? rowGrad.data().asDouble()
                    : rowGrad.castTo(DataType.DOUBLE).dup().reshape(-1).toDoubleVector();
            // Summed in token order on one thread so runs repeat bit for bit (resume, same seed). With ND4J's
            // parallel scatter_add the BERT resume test failed intermittently: last-bit differences, which Adam's
            // division by sqrt(v) turns into visible ones. The summed rows then go into the table in one
            // scatter_add: its ids are distinct, so no two threads add into the same row.
            Map<Integer, Integer> slotOfId = new HashMap<>();
            double[] sums = new double[rows.length];
            for (int i = 0; i < ids.length; i++) {
                int slot = slotOfId.computeIfAbsent(ids[i], k -> slotOfId.size());
                int to = slot * width;
                int from = i * width;
                for (int d = 0; d < width; d++) {
                    sums[to + d] += rows[from + d];
                }
            }
            int distinct = slotOfId.size();
            int[] distinctIds = new int[distinct];
            slotOfId.forEach((id, slot) -> distinctIds[slot] = id);
            INDArray summed = summedRows(sums, distinct, width, table.dataType());
            // zeros, scatter-added in place: in a training step the previous step's memory (ArrayRecycling.borrow)
            INDArray tableGrad = ArrayRecycling.borrow(table.dataType(), table.shape()).assign(0);
            ScatterAdd scatter = new ScatterAdd(tableGrad, Nd4j.createFromArray(distinctIds), summed);
            scatter.addOutputArgument(tableGrad);
            ArrayRecycling.execReleasingArrays(scatter);
            grads.merge(l.table(), tableGrad, ArrayRecycling::addInPlace);
        }
    }

    /** True if the array's buffer holds exactly its elements in c order (no view, no offset). */
    private static boolean contiguous(INDArray a) {
        return !a.isView() && a.ordering() == 'c' && a.data().length() == a.length();
    }

    /** The first {@code distinct} rows of {@code sums} as a [distinct, width] array of the table's type. */
    private static INDArray summedRows(double[] sums, int distinct, int width, DataType type) {
        long[] shape = {distinct, width};
        if (type == DataType.FLOAT) { // the same rounding as castTo, without two native temporaries
            float[] f = new float[distinct * width];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) sums[i];
            }
            return Nd4j.create(f, shape, 'c');
        }
        return Nd4j.create(Arrays.copyOf(sums, distinct * width), shape, DataType.DOUBLE).castTo(type);
    }

    /**
     * Switches dropout on or off (no effect on models without a training flag). Graphs start in inference mode
     * unless their definition says otherwise; the training loop turns it on for updates and off for evaluation.
     */
    public void setTraining(boolean training) {
        if (adaptor.trainingFlag() != null) {
            sd.getArrForVarName(adaptor.trainingFlag()).assign(training ? 1 : 0);
        }
    }

    /** Names of the lookups' row variables: gradients are requested for them, but they are not parameters. */
    public List<String> lookupRowNames() {
        return adaptor.lookups().stream().map(EmbeddingLookup::rows).toList();
    }

    /**
     * Runs the graph on a batch and returns the named variables. The run's other arrays go back to the thread's array
     * cache ({@link ArrayRecycling#endRun}).
     */
    public Map<String, INDArray> output(Batch batch, List<String> names) {
        Map<String, INDArray> out = sd.output(feeds(batch), names);
        ArrayRecycling.endRun(sd, out.values());
        return out;
    }

    /**
     * One forward and backward pass (SameDiff's {@code calculateGradientsAndOutputs}): the named outputs and the
     * gradients of the named variables. The run's other arrays go back to the thread's array cache
     * ({@link ArrayRecycling#endRun}); hand the returned ones to {@link ArrayRecycling#giveBack} when done with them,
     * before the thread's next run, and that run reuses their memory.
     *
     * @param feeds placeholder arrays, e.g. from {@link #feeds(Batch)}
     */
    public OutAndGrad gradientsAndOutputs(Map<String, INDArray> feeds, List<String> outputs, List<String> gradients) {
        prepareGradients();
        OutAndGrad result = sd.calculateGradientsAndOutputs(feeds, outputs, gradients);
        List<INDArray> returned = new ArrayList<>();
        if (result.getGradients() != null) {
            returned.addAll(result.getGradients().values());
        }
        if (result.getOutputs() != null) {
            returned.addAll(result.getOutputs().values());
        }
        ArrayRecycling.endRun(sd, returned);
        return result;
    }

    /**
     * Builds the gradient function (the backward graph) unless it exists, with standard output muted (SameDiff M2.1's
     * {@code createGradFunction} prints a line per op, hundreds for a BERT), and gives its copies of the forward ops
     * the control dependencies the forward graph has: M2.1 drops them when it copies the graph (the copy goes through
     * FlatBuffers, which keeps variables' control dependencies but not ops'). BERT's bias rows wait for their layer's
     * product that way ({@code BertModel.onEveryRow}); without them a training step would compute every layer's bias
     * rows first and keep them. {@link #gradientsAndOutputs} calls it (a walk over the ops when all is in place: the
     * gradient function may be rebuilt, e.g. after the loss variables change); the training loop calls it before its
     * first step.
     */
    public void prepareGradients() {
        if (sd.getFunction("grad") == null) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction();
            } finally {
                System.setOut(out);
            }
        }
        SameDiff grad = sd.getFunction("grad");
        for (SameDiffOp op : sd.getOps().values()) {
            SameDiffOp copy = op.getControlDeps() == null ? null : grad.getOps().get(op.getName());
            if (copy == null) {
                continue;
            }
            for (String before : op.getControlDeps()) {
                SameDiffOp first = grad.getOps().get(before);
                if (first == null) {
                    continue;
                }
                if (copy.getControlDeps() == null) {
                    copy.setControlDeps(new ArrayList<>());
                }
                if (!copy.getControlDeps().contains(before)) {
                    copy.getControlDeps().add(before);
                }
                if (first.getControlDepFor() == null) {
                    first.setControlDepFor(new ArrayList<>());
                }
                if (!first.getControlDepFor().contains(op.getName())) {
                    first.getControlDepFor().add(op.getName());
                }
            }
        }
    }

    /** Names of the trainable parameters (VARIABLE-type, except lookup row holders), in graph order. */
    public List<String> parameterNames() {
        java.util.Set<String> rows = new java.util.HashSet<>(lookupRowNames());
        return sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                .map(SDVariable::name).filter(n -> !rows.contains(n)).toList();
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (String name : parameterNames()) {
            n += sd.getArrForVarName(name).length();
        }
        return n;
    }

    /**
     * The first logits output over a whole example set, in order: [N, C] (or [N, L, C]).
     *
     * @param batchSize examples per forward pass
     */
    public INDArray predictLogits(ExampleSet data, int batchSize) {
        String logits = adaptor.logits().get(0);
        List<INDArray> parts = new java.util.ArrayList<>();
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            int[] idx = java.util.stream.IntStream.range(from, to).toArray();
            parts.add(output(data.batch(idx), List.of(logits)).get(logits));
        }
        return Nd4j.concat(0, parts.toArray(INDArray[]::new));
    }
}
