package org.distill4j.core.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.AbstractSession.VarId;
import org.nd4j.autodiff.samediff.internal.FrameIter;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;

/**
 * Runs the ops that ND4J M2.1's CPU library computes slowly in Java instead, on the thread running the graph, with
 * the values the native op gives (to float rounding; the tests compare both): {@code layer_norm} and
 * {@code layer_norm_bp} over the last axis ({@link LayerNormKernel}), {@code erf} of float arrays
 * ({@link ErfKernel}, within 4e-7 of the exact value: GELU's erf, 14-20 ms a call natively on a teacher layer's
 * [2048, 1536] in the benchmark's op profile, 6-8 ms here on one thread), and {@code add_bp} of a bias broadcast over
 * rows ({@link BiasGradientKernel}: its column sums, 17-24 ms natively on [2048, 1024], 1.5 ms here), and the
 * fast form of {@link ExactGelu} ({@link GeluKernel}: one op forward, two backward, in place of five and about a
 * dozen native ones).
 *
 * <p>Why: libnd4j computes a layer norm's statistics through its general summary-statistics reduction and its
 * backward pass as a chain of broadcast ops. On [2048, 256] (a student layer at the standard benchmark sizes) the
 * native {@code layer_norm_bp} takes 17-19 ms on two threads, the Java loop 3-4 ms on one; the forward 4-8 ms against
 * 2.7 ms. In the benchmark's op profile the seven {@code layer_norm_bp} of a student step were its most expensive op
 * type (18.5% of its op time). Writing the backward pass from other ops instead cost more in SameDiff's time between
 * ops than it saved (README, Speed), and SameDiff M2.1 has no way to add a custom op; but every op of a graph run goes
 * through its session's {@code doExec}, and SameDiff makes a run's session with whatever is in the graph's map of
 * sessions for the thread. This listener puts a {@link InferenceSession} there whose {@code doExec} computes these
 * ops itself when their arrays are a case its kernel handles (dense; each kernel's {@code handles} says which) and
 * otherwise leaves them, and everything else, to SameDiff.
 *
 * <p>The listener is attached to every {@link ModelGraph} (before {@link ArrayRecycling}, which reuses the session it
 * finds). {@code -Ddistill4j.hostKernels=false} leaves every op to ND4J (for comparisons). Not used on other
 * backends: the kernels read and write the arrays' host memory.
 */
public final class HostKernels extends BaseListener {

    /** System property that turns the kernels off when "false". */
    public static final String PROPERTY = "distill4j.hostKernels";

    private static final HostKernels INSTANCE = new HostKernels();
    /** Ops computed here, all threads (for tests: that a graph's runs took this path). */
    private static final LongAdder RUNS = new LongAdder();

    private HostKernels() {
    }

    /** Adds the listener to a graph unless it is there already, turned off, or ND4J's backend is not the CPU one. */
    public static void attach(SameDiff sd) {
        if (enabled() && !sd.getListeners().contains(INSTANCE)) {
            sd.addListeners(INSTANCE);
        }
    }

    /** True if the listener is attached to the graph (its runs go through the kernels). */
    public static boolean attachedTo(SameDiff sd) {
        return sd.getListeners().contains(INSTANCE);
    }

    /**
     * Removes the listener from a graph and drops its sessions: its runs leave every op to ND4J again.
     *
     * @throws IllegalStateException if the graph holds a fast-form {@link ExactGelu}, which ND4J alone computes as
     *                               the sigmoid approximation (build it with {@link ModelGraph#createPortable})
     */
    public static void detach(SameDiff sd) {
        if (!ExactGelu.fastFormOutputs(sd).isEmpty()) {
            throw new IllegalStateException("cannot run this graph without Distill4j's host kernels: its GELUs "
                    + ExactGelu.fastFormOutputs(sd) + " are ND4J gelu ops that only the kernels compute exactly (ND4J's own is "
                    + "the sigmoid approximation); build the model with ModelGraph.createPortable instead");
        }
        sd.getListeners().remove(INSTANCE);
        sd.getSessions().clear();
        SameDiff grad = sd.getFunction("grad");
        if (grad != null) {
            grad.getListeners().remove(INSTANCE);
            grad.getSessions().clear();
        }
    }

    /** How many ops the kernels have computed in this process, all threads. */
    static long runs() {
        return RUNS.sum();
    }

    /** True unless {@link #PROPERTY} is "false" or the backend is not ND4J's CPU backend. */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY))
                && BatchedMatmulThreads.onCpuBackend();
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    /** Before each run of a graph (the gradient function's included), on the running thread: installs the session. */
    @Override
    public void operationStart(SameDiff sd, Operation op) {
        Map<Long, InferenceSession> sessions = sd.getSessions();
        long thread = Thread.currentThread().getId();
        InferenceSession current = sessions.get(thread);
        if (!(current instanceof KernelSession)) {
            // a plain session holds no run's state here: SameDiff makes one when a variable's array is set, and the
            // graphs' runs drop theirs after each update (ModelGraph.releaseSessionMemory)
            KernelSession session = new KernelSession(sd);
            if (current != null) {
                session.setMmgr(current.getMmgr());
            }
            sessions.put(thread, session);
        }
    }

    /** A session that runs the kernels' ops itself. */
    static final class KernelSession extends InferenceSession {

        KernelSession(SameDiff sd) {
            super(sd);
        }

        @Override
        public ExecutionResult doExec(DifferentialFunction op, OpContext context, FrameIter outputFrameIter,
                                      Set<VarId> opInputs, Set<VarId> allIterInputs, Set<String> constAndPhInputs,
                                      Map<String, SDValue> otherPlaceHolders) {
            if (context == null && (ExactGelu.isMarkedGelu(op) || ExactGelu.isMarkedDerivative(op))) {
                throw new IllegalStateException("SameDiff gave the exact GELU " + op.getOwnName()
                        + " no op context, so its kernel cannot run it (ND4J's gelu is the sigmoid approximation)");
            }
            if (context != null && runHere(op, context)) {
                return ExecutionResult.createFrom(op, context);
            }
            return super.doExec(op, context, outputFrameIter, opInputs, allIterInputs, constAndPhInputs,
                    otherPlaceHolders);
        }
    }

    /**
     * Computes the op into the context's outputs if it is one of the kernels' cases; always for a fast-form
     * {@link ExactGelu} and its derivative, which ND4J would compute as something else.
     *
     * @return false, having done nothing, for anything else
     */
    static boolean runHere(DifferentialFunction op, OpContext context) {
        boolean ran;
        if (ExactGelu.isMarkedGelu(op)) {
            ran = exactGelu(op, context, false);
        } else if (ExactGelu.isMarkedDerivative(op)) {
            ran = exactGelu(op, context, true);
        } else {
            ran = runHere(op.opName(), context);
        }
        if (ran) {
            RUNS.increment();
        }
        return ran;
    }

    /** The kernels' ops that go by name alone. */
    static boolean runHere(String opName, OpContext context) {
        return switch (opName) {
            case "layer_norm" -> layerNorm(context, false);
            case "layer_norm_bp" -> layerNorm(context, true);
            case "erf" -> compute(context, ErfKernel::handles, ErfKernel::apply);
            case "add_bp" -> compute(context, BiasGradientKernel::handles, BiasGradientKernel::apply);
            default -> false;
        };
    }

    /**
     * A fast-form GELU or its derivative, whatever the arrays' layout (a strided input is copied first; the session
     * allocates outputs dense).
     */
    private static boolean exactGelu(DifferentialFunction op, OpContext context, boolean derivative) {
        List<INDArray> inputs = context.getInputArrays();
        List<INDArray> outputs = context.getOutputArrays();
        if (inputs.size() != 1 || outputs.size() != 1 || outputs.get(0).dataType() != DataType.FLOAT) {
            throw new IllegalStateException("the exact GELU " + String.join(", ", op.outputVariablesNames())
                    + " has inputs " + inputs.size() + " and outputs " + outputs.size() + " of type "
                    + (outputs.isEmpty() ? "none" : outputs.get(0).dataType()) + "; its kernel takes one float input "
                    + "and output (ExactGelu builds this form for float inputs only)");
        }
        INDArray x = inputs.get(0);
        INDArray y = outputs.get(0);
        if (!GeluKernel.handles(inputs, outputs)) {
            x = x.castTo(DataType.FLOAT).dup('c');
            if (!GeluKernel.handles(List.of(x), outputs)) {
                throw new IllegalStateException("the exact GELU " + String.join(", ", op.outputVariablesNames())
                        + " got an output of shape " + Arrays.toString(y.shape()) + " and strides "
                        + Arrays.toString(y.stride()) + " for an input of shape " + Arrays.toString(x.shape())
                        + "; its kernel needs a dense output of the input's shape");
            }
        }
        if (derivative) {
            GeluKernel.derivative(x, y);
        } else {
            GeluKernel.forward(x, y);
        }
        return true;
    }

    private static boolean layerNorm(OpContext context, boolean backward) {
        var inputs = context.getInputArrays();
        var outputs = context.getOutputArrays();
        if (!LayerNormKernel.handles(inputs, outputs, context.getIArguments(), context.getBArguments(), backward)) {
            return false;
        }
        INDArray x = inputs.get(0);
        INDArray gamma = inputs.get(1);
        if (backward) {
            boolean bias = inputs.size() == 4;
            LayerNormKernel.backward(x, gamma, inputs.get(inputs.size() - 1), outputs.get(0), outputs.get(1),
                    bias ? outputs.get(2) : null);
        } else {
            LayerNormKernel.forward(x, gamma, inputs.size() == 3 ? inputs.get(2) : null, outputs.get(0));
        }
        return true;
    }

    /** Runs a kernel of the op's input and output arrays if it handles them. */
    private static boolean compute(OpContext context, BiPredicate<List<INDArray>, List<INDArray>> handles,
                                   BiConsumer<List<INDArray>, List<INDArray>> kernel) {
        List<INDArray> inputs = context.getInputArrays();
        List<INDArray> outputs = context.getOutputArrays();
        if (!handles.test(inputs, outputs)) {
            return false;
        }
        kernel.accept(inputs, outputs);
        return true;
    }
}
