package org.distill4j.core.graph;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.custom.Invoke;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.BaseCompatOp;
import org.nd4j.linalg.api.ops.impl.shape.tensorops.BaseTensorOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Lets SameDiff reuse the arrays of a graph run in the same run and in the runs after it, on every graph a
 * {@link ModelGraph} holds. Defects of SameDiff M2.1 made a training step allocate each of its intermediate
 * arrays afresh (about 1.6 GiB per step on the standard benchmark, freed only when the JVM collects their objects):
 *
 * <ul>
 *   <li>{@code calculateGradients} turns array release off for the gradient function on every call
 *       ({@code setEnableCache(false)}), so none of a training step's forward or backward arrays is handed back for
 *       reuse, even after its last reader ran. The listener turns it back on at the start of a gradient run.</li>
 *   <li>Each run's session keeps its own array cache, and the training loop drops the sessions after every update
 *       ({@link ModelGraph#releaseSessionMemory()}: they also hold the last run's arrays), so the next step started
 *       with an empty cache. The listener gives every session on a thread that thread's one cache, which outlives
 *       the sessions: in steady state a step takes its arrays from what the previous one released.</li>
 *   <li>A placeholder fed with another data type than it was declared with is cast, and M2.1 then releases the
 *       caller's array, not the cast copy, into the cache at the end of the run, where a later op could take it as its
 *       output and overwrite the caller's data. The shared cache only takes back arrays it handed out in the
 *       same run; anything else a session releases is left alone.</li>
 *   <li>A reused array gets the id the next new array will get, and SameDiff keys its bookkeeping by id: it skipped
 *       the release of one of two arrays sharing an id (about 180 MiB of a standard step never came back) or refused
 *       it as released twice. Arrays taken from the cache get an id of their own ({@link ArrayIds}), and the cache
 *       tracks what it lent by identity.</li>
 *   <li>SameDiff's cache lends a released buffer only for the exact shape it was released as, so a step needed
 *       buffers of its own for each shape of one length ({@code [2048, 256]}, {@code [16, 128, 256]}, ...). The
 *       thread's cache ({@link ArrayCache}) finds buffers by length and lends them as any shape.</li>
 * </ul>
 *
 * <p>At the end of a run ({@link #endRun}, called by {@link ModelGraph}'s runs) the arrays SameDiff never released
 * go back too. What a run returns stays the caller's; a caller done with it can hand it back with {@link #giveBack}
 * before the thread's next run. The training loop does so with each update's gradients, and takes the arrays it makes
 * itself for an update (dropout masks, the optimizer's update arrays) from the cache too ({@link #openStep},
 * {@link #borrow}): in steady state a training step takes no new native memory on the loop's thread.
 *
 * <p>Graphs with control-flow ops (loops, branches, tensor arrays, invoked subgraphs; BERT has none) are left to
 * SameDiff: its cache handed out arrays that later loop iterations still needed (deeplearning4j PR 9706).
 * {@code -Ddistill4j.recycleArrays=false} leaves every graph to SameDiff (for comparisons). Values do not change
 * ({@code ArrayRecyclingTest}, {@code BertTrainingTest} compare gradients and outputs bit for bit over several runs).
 * The cache holds at most a quarter of JavaCPP's {@code maxBytes} per thread (SameDiff's own rule; least recently
 * released arrays are closed first), and {@link #releaseThisThread()} closes what it holds: the training loop calls it
 * when a run ends, on its own thread and on the teacher thread. On the standard benchmark (README, Speed) the resident
 * size during full steps fell from about 2.6 to about 1.7 GiB.
 */
public final class ArrayRecycling extends BaseListener {

    /** System property that turns the listener off when "false" (for comparisons). */
    public static final String PROPERTY = "distill4j.recycleArrays";

    private static final ArrayRecycling INSTANCE = new ArrayRecycling();
    private static final ThreadLocal<ThreadArrays> ARRAYS = ThreadLocal.withInitial(ThreadArrays::new);
    /** Every thread's cache until it is released (weakly: a dead thread's cache goes with its objects). */
    private static final Map<ThreadArrays, String> LIVE = Collections.synchronizedMap(new WeakHashMap<>());

    private ArrayRecycling() {
    }

    /** Adds the listener to a graph unless it is there already or {@link #PROPERTY} is "false". */
    public static void attach(SameDiff sd) {
        if (!"false".equalsIgnoreCase(System.getProperty(PROPERTY)) && !sd.getListeners().contains(INSTANCE)) {
            sd.addListeners(INSTANCE);
        }
    }

    /** Removes the listener from a graph: its runs use SameDiff's own array handling again. */
    public static void detach(SameDiff sd) {
        sd.getListeners().remove(INSTANCE);
        SameDiff grad = sd.getFunction("grad");
        if (grad != null) {
            grad.getListeners().remove(INSTANCE);
            grad.getSessions().clear();
        }
        sd.getSessions().clear();
    }

    /** True if this thread's cache holds the array (released by a run and not lent again since). */
    static boolean cachedByThisThread(INDArray array) {
        return ARRAYS.get().cache.holds(array);
    }

    /**
     * Closes the arrays this thread's cache holds (their native memory is freed now) and starts a new cache for the
     * thread's next run; sessions are pointed to it when they run.
     */
    public static void releaseThisThread() {
        ThreadArrays arrays = ARRAYS.get();
        arrays.close();
        ARRAYS.remove();
    }

    /**
     * Bytes held by each thread's cache that has not been released, by thread name (a diagnostic: other threads'
     * figures are read without synchronisation, so they may be a run behind).
     */
    public static Map<String, Long> cachedBytesByThread() {
        Map<String, Long> bytes = new TreeMap<>();
        synchronized (LIVE) {
            LIVE.forEach((arrays, thread) -> bytes.merge(thread, arrays.cache.bytes(), Long::sum));
        }
        return bytes;
    }

    /**
     * Bytes of the arrays this thread's runs were lent that its cache could not serve (new native memory), since the
     * thread's cache was made; scalars (a few bytes each, never cached) are not counted. From an empty cache, what one run adds is what the run needs at its peak: its arrays
     * alive at once plus the cached ones not reused yet, i.e. the cache's working set (MemoryEstimate uses it).
     */
    public static long freshBytesOfThisThread() {
        return ARRAYS.get().freshBytes;
    }

    /**
     * Closes the arrays this thread's cache holds, keeping the cache itself (sessions already pointed to it, e.g. by
     * this listener at the start of the current run, keep using it).
     */
    public static void emptyThisThreadsCache() {
        ARRAYS.get().empty();
    }

    /** True if runs of this graph recycle their arrays: the listener is attached and the graph has no control flow. */
    public static boolean recycles(SameDiff sd) {
        return sd.getListeners().contains(INSTANCE) && !hasControlFlow(sd);
    }

    /** Number of arrays this thread's cache holds. */
    public static int cachedArraysOfThisThread() {
        return ARRAYS.get().cache.size();
    }

    /** The listener (for tests that call it directly). */
    static ArrayRecycling instance() {
        return INSTANCE;
    }

    /** Bytes this thread's cache holds now (arrays released by runs and not yet reused). */
    public static long cachedBytesOfThisThread() {
        return ARRAYS.get().cache.bytes();
    }

    /** True if the graph has ops whose arrays live across loop iterations or branches (SameDiff's release is unsafe). */
    static boolean hasControlFlow(SameDiff sd) {
        for (SameDiffOp op : sd.getOps().values()) {
            Object o = op.getOp();
            if (o instanceof BaseCompatOp || o instanceof Invoke || o instanceof BaseTensorOp) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    /** Called by SameDiff before each run of a graph (the gradient function's included), on the running thread. */
    @Override
    public void operationStart(SameDiff sd, Operation op) {
        ThreadArrays arrays = ARRAYS.get();
        if (hasControlFlow(sd)) {
            arrays.runStarts(null); // SameDiff's own handling, whatever it is for such graphs
            return;
        }
        if (op == Operation.TRAINING && !sd.isEnableCache()) {
            sd.setEnableCache(true); // calculateGradients set it false just before this call
        }
        arrays.runStarts(sd);
        // A session may exist already: SameDiff makes one when a variable's array is set (EmbeddingLookup's rows).
        InferenceSession session = sd.getSessions().computeIfAbsent(Thread.currentThread().getId(),
                id -> new InferenceSession(sd));
        if (session.getMmgr() != arrays) {
            session.setMmgr(arrays);
        }
    }

    /**
     * Ends this thread's last graph run: the arrays it was lent and neither released nor returned go back to the cache.
     * SameDiff releases an array once every op that reads it has run, so an array that an op outside the run's part
     * of the graph also reads is never released: in a BERT gradient run, the partial gradients of inputs read twice
     * that need no gradient (the attention mask, the layer norms' column of ones), whose sum the run skips. Arrays that
     * share memory with any of {@code returned} stay out (the caller's; see {@link #giveBack}). A no-op unless the
     * thread's last run was a run of {@code sd} (or its gradient function) that took its arrays from this thread's
     * cache, and for a run ended already. The returned arrays stay referenced by the thread until its next run
     * starts, for {@link #giveBack}. {@link ModelGraph#output} and {@link ModelGraph#gradientsAndOutputs} call it.
     *
     * <p>After this, an activation read back from the run's session ({@code SameDiff.getArrForVarName} of an ARRAY
     * variable, or kept by a listener) may be overwritten by the thread's next run, as SameDiff's own cache already
     * does with the arrays it releases during a run: ask the run to return what you need.
     */
    public static void endRun(SameDiff sd, Collection<INDArray> returned) {
        ARRAYS.get().endRun(sd, returned);
    }

    /**
     * Takes back arrays the thread's last graph run returned, once the caller is done with them (the training loop
     * gives back a step's gradients after the update), so that the next run reuses their memory instead of taking
     * new memory: at the standard benchmark sizes the student's gradients, about 18 MiB per step. Only arrays this
     * cache lent in the thread's last run and that are still out are taken; anything else is left alone, and so is
     * everything once another run has started on the thread. Use no array after giving it back.
     */
    public static void giveBack(Collection<INDArray> arrays) {
        ARRAYS.get().giveBack(arrays);
    }

    /**
     * Opens a step on this thread: until it is closed, {@link #borrow} lends arrays from the thread's cache, and closing
     * it takes them all back. The training loop opens one around each update, so the arrays it makes itself for one
     * update (dropout masks, the optimizer's update arrays, lookup-table gradients, accumulated gradients) reuse the
     * previous update's memory instead of leaving native garbage for the JVM to collect: about 50 MiB per step at the
     * standard benchmark sizes. Steps do not nest (opening one while one is open is refused).
     */
    public static Step openStep() {
        ThreadArrays arrays = ARRAYS.get();
        if (arrays.borrowed != null) {
            throw new IllegalStateException("a step is open on this thread already");
        }
        arrays.borrowed = Collections.newSetFromMap(new IdentityHashMap<>());
        return new Step(arrays);
    }

    /**
     * An uninitialised array for the current step: from the thread's cache while a step is open on this thread (and
     * the listener is not turned off by {@link #PROPERTY}), otherwise a new one. Use it only until the step closes.
     */
    public static INDArray borrow(DataType dataType, long... shape) {
        ThreadArrays arrays = ARRAYS.get();
        if (arrays.borrowed == null || "false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return Nd4j.createUninitialized(dataType, shape);
        }
        return arrays.borrow(dataType, shape);
    }

    /**
     * Runs a custom op and lets go of its arrays. {@code Nd4j.exec} runs a custom op in a native context that keeps a
     * reference to each input and output buffer until the JVM collects the context (M2.1's
     * {@code CpuOpContext.close()} does nothing; {@code purge()} drops them). A buffer with such a reference has a use
     * count of 2, and SameDiff's array cache then refuses it: it closes the array instead of reusing it. Run custom ops
     * on arrays that go back to the cache (borrowed ones, a run's gradients) through this.
     *
     * @return the op's output arrays
     */
    public static INDArray[] execReleasingArrays(CustomOp op) {
        OpContext context = Nd4j.getExecutioner().buildContext();
        try {
            context.setInputArrays(op.inputArguments());
            context.setOutputArrays(op.outputArguments());
            context.setTArguments(op.tArgs());
            context.setIArguments(op.iArgs());
            context.setBArguments(op.bArgs());
            return Nd4j.getExecutioner().exec(op, context);
        } finally {
            context.purge();
        }
    }

    /**
     * {@code a += b} (same shapes), leaving no native reference to either array ({@code addi} does: see
     * {@link #execReleasingArrays}).
     *
     * @return a
     */
    public static INDArray addInPlace(INDArray a, INDArray b) {
        execReleasingArrays(new AddOp(a, b, a));
        return a;
    }

    /** A step opened by {@link #openStep()}; closing it gives the step's borrowed arrays back to the thread's cache. */
    public static final class Step implements AutoCloseable {
        private final ThreadArrays arrays;
        private boolean closed;

        private Step(ThreadArrays arrays) {
            this.arrays = arrays;
        }

        /** Takes back every array borrowed during the step (on the thread that opened it). */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                arrays.closeStep();
            }
        }
    }

    /**
     * One thread's array cache, shared by the sessions of every graph that thread runs. It takes back only the arrays
     * it lent in the current run (or the last one, given back by its caller): an array lent in an earlier run and still
     * out belongs to a caller.
     */
    private static final class ThreadArrays extends AbstractMemoryMgr implements SessionMemMgr {

        private ArrayCache cache = new ArrayCache();
        // by identity: M2.1's array ids are not unique (see ArrayIds)
        /** Arrays lent in the current run and not released. */
        private final Set<INDArray> lent = Collections.newSetFromMap(new IdentityHashMap<>());
        private long freshBytes; // lent arrays the cache could not serve: new native memory
        /** The graph of the thread's last run if that run took its arrays from this cache and has not ended. */
        private WeakReference<SameDiff> lastRun;
        /** Arrays borrowed in the open step (null: no step open). */
        private Set<INDArray> borrowed;

        ThreadArrays() {
            LIVE.put(this, Thread.currentThread().getName());
        }

        void runStarts(SameDiff recycled) {
            lastRun = recycled == null ? null : new WeakReference<>(recycled);
            lent.clear();
        }

        INDArray borrow(DataType dataType, long... shape) {
            INDArray array = fromCacheOrNew(dataType, shape, 'c');
            borrowed.add(array);
            return array;
        }

        void closeStep() {
            Set<INDArray> step = borrowed;
            borrowed = null;
            for (INDArray array : step) {
                cache.put(array); // or closes it, if it could not be lent again
            }
        }

        void endRun(SameDiff sd, Collection<INDArray> returned) {
            SameDiff last = lastRun == null ? null : lastRun.get();
            if (last == null || (last != sd && last != sd.getFunction("grad"))) {
                return;
            }
            lastRun = null;
            List<long[]> kept = new ArrayList<>(); // [start, end) of the memory the caller holds
            for (INDArray out : returned) {
                if (out != null && !out.isEmpty()) {
                    kept.add(range(out.data()));
                    if (out.data().originalDataBuffer() != null) { // a view's whole buffer
                        kept.add(range(out.data().originalDataBuffer()));
                    }
                }
            }
            for (INDArray array : List.copyOf(lent)) {
                if (array.isEmpty() || !overlapsAny(range(array.data()), kept)) {
                    release(array);
                }
            }
        }

        private static long[] range(DataBuffer buffer) {
            long start = buffer.address();
            return new long[]{start, start + buffer.length() * buffer.getElementSize()};
        }

        private static boolean overlapsAny(long[] range, List<long[]> ranges) {
            for (long[] r : ranges) {
                if (range[0] < r[1] && r[0] < range[1]) {
                    return true;
                }
            }
            return false;
        }

        void giveBack(Collection<INDArray> arrays) {
            for (INDArray array : arrays) {
                if (array != null) {
                    release(array);
                }
            }
        }

        @Override
        public INDArray allocate(boolean detached, DataType dataType, long... shape) {
            return lend(fromCacheOrNew(dataType, shape, 'c'));
        }

        @Override
        public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
            if (descriptor.isEmpty()) {
                return lend(Nd4j.create(descriptor)); // no buffer: nothing to reuse (SameDiff's cache does the same)
            }
            return lend(fromCacheOrNew(descriptor.dataType(), descriptor.getShape(), descriptor.getOrder()));
        }

        private INDArray lend(INDArray array) {
            lent.add(array);
            return array;
        }

        /** An uninitialised array: a cached buffer of the same length if there is one, else new native memory. */
        private INDArray fromCacheOrNew(DataType dataType, long[] shape, char order) {
            boolean cacheable = shape.length > 0 && Arrays.stream(shape).allMatch(d -> d > 0); // not scalars, empties
            INDArray array = cacheable ? cache.take(dataType, shape, order) : null;
            if (array == null) {
                array = Nd4j.createUninitializedDetached(dataType, order, shape);
                if (cacheable) {
                    freshBytes += array.length() * dataType.width();
                }
            }
            return array;
        }

        /** Closes the cached arrays; the object stays, so sessions that point to it keep using it. */
        void empty() {
            cache.close();
        }

        @Override
        public void release(INDArray array) {
            if (lent.remove(array)) {
                cache.put(array); // or closes it, if it could not be lent again
            }
        }

        @Override
        public void close() {
            LIVE.remove(this);
            cache.close();
            lent.clear();
        }
    }
}
