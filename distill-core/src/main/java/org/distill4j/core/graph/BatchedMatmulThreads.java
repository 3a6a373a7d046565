package org.distill4j.core.graph;

import java.util.List;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Makes BLAS single-threaded while a graph runs a batched matrix product ({@code matmul} or {@code matmul_bp} on
 * rank 3 or higher, e.g. the attention products [B, H, L, d] x [B, H, d, L]), and restores the thread count after it.
 *
 * <p>Why: ND4J's CPU backend splits a batched product over its OpenMP threads, and each thread calls OpenBLAS's sgemm
 * for its share of the matrices. OpenBLAS, multi-threaded itself, is then entered from two threads at once; its callers
 * and its worker wait for each other in {@code sched_yield} loops, and when anything else wants a core (the JIT
 * compiler does during the first minutes) a product that takes 1-5 ms stalls for up to 225 ms ({@code perf}: both
 * waiting threads in {@code sched_yield}, the OpenMP worker asleep, the compiler on the other core). With one BLAS
 * thread per call the batch split is the only parallelism: on the standard benchmark (2 cores) the runs of these
 * ops that stalled went from 8-11 per run to none, and the teacher's and student's rank-4 products from 180-234 to
 * 106-110 ms per step (README, Speed). Plain 2-D products (the dense layers) keep every BLAS thread: OpenBLAS
 * parallelises them itself, except while the training loop's teacher thread holds BLAS single-threaded for all
 * products ({@link #beginSingleThreaded()}: its forward pass overlapping the student's step).
 *
 * <p>ND4J's BLAS thread count is one setting for the whole process, so the listener counts the batched products in
 * flight on all threads, and the holds, and restores the count when the last one ends. If an op fails between the two callbacks, the
 * same thread's next op or graph run with this listener restores it. The listener is attached to every {@link ModelGraph}
 * on the CPU backend; {@code -Ddistill4j.singleThreadBatchedMatmul=false} leaves BLAS alone (for comparisons). It
 * changes no values: the products are split by matrix, never along their inner dimension.
 */
public final class BatchedMatmulThreads extends BaseListener {

    /** System property that turns the listener off when "false". */
    public static final String PROPERTY = "distill4j.singleThreadBatchedMatmul";

    private static final BatchedMatmulThreads INSTANCE = new BatchedMatmulThreads();
    private static final Object LOCK = new Object();
    private static int inFlight;    // holders of the single thread: batched products running now and overlaps, all threads
    private static int restoreTo;   // the BLAS thread count before the first of them

    private BatchedMatmulThreads() {
    }

    /** The shared listener. */
    public static BatchedMatmulThreads instance() {
        return INSTANCE;
    }

    /** Adds the listener to a graph unless it is there already, turned off, or ND4J's backend is not the CPU one. */
    public static void attach(SameDiff sd) {
        if (enabled() && !sd.getListeners().contains(INSTANCE)) {
            sd.addListeners(INSTANCE);
        }
    }

    /** True unless {@link #PROPERTY} is "false" or the backend is not ND4J's CPU backend. */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY)) && onCpuBackend();
    }

    /** True if ND4J runs on its CPU backend (not CUDA). */
    static boolean onCpuBackend() {
        return Nd4j.getBackend().getClass().getSimpleName().equals("CpuBackend");
    }

    /** True for the ops this listener makes single-threaded: a matmul or matmul_bp whose first input has rank > 2. */
    static boolean isBatchedMatmul(String opName, List<INDArray> inputs) {
        return (opName.equals("matmul") || opName.equals("matmul_bp"))
                && !inputs.isEmpty() && inputs.get(0) != null && inputs.get(0).rank() > 2;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void operationStart(SameDiff sd, Operation op) {
        endThisThreadsProduct();
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        endThisThreadsProduct();
        String name = op.getOp().opName();
        if (name.startsWith("matmul") && isBatchedMatmul(name, opContext.getInputArrays())) {
            hold(); // the listener is attached only where enabled()
            MARK.set(Boolean.TRUE);
        }
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        endThisThreadsProduct();
    }

    /**
     * Ends this thread's batched product if one is marked: after it ran, or, called before any other op or run, after
     * it failed.
     */
    private static void endThisThreadsProduct() {
        if (MARK.get() != Boolean.TRUE) {
            return;
        }
        MARK.remove();
        release();
    }

    /**
     * Makes BLAS single-threaded for every product on every thread until the matching {@link #endSingleThreaded()}
     * (calls nest, with the batched products' own). The training loop's teacher thread holds it while its forward
     * pass overlaps the student's step: two graphs each running OpenBLAS's two threads on two cores spend the
     * oversubscribed time waiting for each other; with one BLAS thread per graph each product has a core (README,
     * Speed). Takes no hold where the listener is turned off ({@link #enabled()}).
     *
     * @return true if it took a hold, which one {@link #endSingleThreaded()} must end
     */
    public static boolean beginSingleThreaded() {
        if (!enabled()) {
            return false;
        }
        hold();
        return true;
    }

    /**
     * Ends one hold that {@link #beginSingleThreaded()} took (call it only for those): the thread count comes back when
     * nothing else holds it.
     */
    public static void endSingleThreaded() {
        release();
    }

    /** True while anything holds BLAS single-threaded (a batched product running, or an overlapping teacher). */
    static boolean heldSingleThreaded() {
        synchronized (LOCK) {
            return inFlight > 0;
        }
    }

    private static void hold() {
        synchronized (LOCK) {
            if (inFlight++ == 0) {
                restoreTo = Nd4j.factory().blas().getMaxThreads();
                if (restoreTo > 1) {
                    Nd4j.factory().blas().setMaxThreads(1);
                }
            }
        }
    }

    private static void release() {
        synchronized (LOCK) {
            if (--inFlight == 0 && restoreTo > 1) {
                Nd4j.factory().blas().setMaxThreads(restoreTo);
            }
        }
    }

    /** Set on a thread between the start and the end of its batched product. */
    private static final ThreadLocal<Boolean> MARK = new ThreadLocal<>();
}
