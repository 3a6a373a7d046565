package org.distill4j.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.distill4j.core.data.Batch;
import org.distill4j.core.support.BagOfEmbeddings;
import org.distill4j.core.support.TokenMlp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Why {@link ArrayRecycling} exists (three SameDiff M2.1 behaviours, each shown on a graph without it) and that it
 * changes no value.
 */
class ArrayRecyclingTest {

    @AfterEach
    void freeThisThreadsCache() {
        ArrayRecycling.releaseThisThread();
    }

    private static Batch batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new Batch(Map.of(
                "features", Nd4j.rand(DataType.FLOAT, 4, 6, 5),
                "mask", Nd4j.ones(DataType.FLOAT, 4, 6),
                "label", Nd4j.createFromArray(0, 1, 2, 1)));
    }

    /** The graph as {@link ModelGraph#create} makes it, or without the listener. */
    private static ModelGraph mlp(boolean recycling) {
        ModelGraph g = ModelGraph.create(new TokenMlp(5, 8, 2, 3), 1);
        if (!recycling) {
            ArrayRecycling.detach(g.sd());
        }
        g.sd().setLossVariables("ce");
        return g;
    }

    private static long sessionCacheBytes(SameDiff sd) {
        long bytes = 0;
        for (InferenceSession s : sd.getSessions().values()) {
            bytes += ((ArrayCacheMemoryMgr) s.getMmgr()).getCurrentCacheSize();
        }
        return bytes;
    }

    @Test
    void withoutItAGradientRunReleasesOnlyArraysNoOpReads() {
        ModelGraph plain = mlp(false);
        plain.sd().calculateGradients(plain.feeds(batch(1)), plain.parameterNames());
        SameDiff grad = plain.sd().getFunction("grad");
        assertFalse(grad.isEnableCache(), "M2.1's calculateGradients turns release off for the gradient function");
        assertEquals(1, grad.getSessions().size());
        // what still reaches the session's cache: outputs no op reads (released whatever the setting)
        long plainBytes = sessionCacheBytes(grad);

        ModelGraph recycled = mlp(true);
        recycled.sd().calculateGradients(recycled.feeds(batch(1)), recycled.parameterNames());
        assertTrue(recycled.sd().getFunction("grad").isEnableCache());
        long recycledBytes = ArrayRecycling.cachedBytesOfThisThread();
        assertTrue(recycledBytes > 5 * plainBytes, "with the listener every array is given back after its last "
                + "reader: " + recycledBytes + " bytes in the cache after the run, against " + plainBytes + " without");
    }

    @Test
    void theCacheOutlivesTheSessionsAndIsSharedByTheThreadsGraphs() {
        ModelGraph g = mlp(true);
        List<Integer> cached = new ArrayList<>();
        for (int run = 0; run < 12; run++) {
            g.sd().calculateGradients(g.feeds(batch(run)), g.parameterNames());
            g.releaseSessionMemory(); // what the training loop does after every update
            cached.add(ArrayRecycling.cachedArraysOfThisThread());
        }
        // Each run takes its arrays from what the runs before it gave back, so the cache stops growing after the
        // first runs (which of a run's arrays are back by its end varies by a few from run to run). Arrays the cache
        // would take back but never lend again (scalars) would pile up here by the dozen per run.
        int settled = Math.max(cached.get(1), cached.get(2));
        assertTrue(cached.get(11) <= settled + 4, "arrays in the cache after each run: " + cached);
        ModelGraph other = mlp(true);
        other.output(batch(3), List.of("logits"));
        g.sd().calculateGradients(g.feeds(batch(2)), g.parameterNames());
        SameDiff grad = g.sd().getFunction("grad");
        assertSame(other.sd().getSessions().values().iterator().next().getMmgr(),
                grad.getSessions().values().iterator().next().getMmgr(), "one cache per thread");

        ArrayRecycling.releaseThisThread();
        assertEquals(0, ArrayRecycling.cachedBytesOfThisThread());
        g.sd().calculateGradients(g.feeds(batch(2)), g.parameterNames()); // runs on with the thread's new cache
        assertTrue(ArrayRecycling.cachedBytesOfThisThread() > 0);
    }

    @Test
    void gradientsAndOutputsAreTheSameBitForBitRunAfterRun() {
        ModelGraph plain = mlp(false);
        ModelGraph recycled = mlp(true);
        List<String> params = plain.parameterNames();
        List<String> outputs = List.of("logits", "hidden1", "hidden2", "ce");
        for (int run = 0; run < 4; run++) {
            Batch b = batch(10 + run);
            var expected = plain.sd().calculateGradientsAndOutputs(plain.feeds(b), outputs, params);
            var actual = recycled.sd().calculateGradientsAndOutputs(recycled.feeds(b), outputs, params);
            INDArray inference = recycled.output(b, List.of("logits")).get("logits");
            for (String p : params) {
                assertEquals(expected.getGradients().get(p), actual.getGradients().get(p), "run " + run + ": " + p);
            }
            for (String o : outputs) {
                assertEquals(expected.getOutputs().get(o), actual.getOutputs().get(o), "run " + run + ": " + o);
            }
            assertEquals(expected.getOutputs().get("logits"), inference, "run " + run + ": inference logits");
            if (run % 2 == 1) {
                recycled.releaseSessionMemory();
            }
        }
    }

    @Test
    void outputsARunReturnedStayIntactWhileLaterRunsReuseArrays() {
        ModelGraph g = mlp(true);
        List<INDArray> kept = new ArrayList<>();
        List<INDArray> copies = new ArrayList<>();
        for (int run = 0; run < 5; run++) {
            var out = g.sd().calculateGradientsAndOutputs(g.feeds(batch(20 + run)), List.of("hidden1", "logits"),
                    g.parameterNames());
            for (INDArray a : List.of(out.getOutputs().get("hidden1"), out.getGradients().get("cls/W"))) {
                kept.add(a);
                copies.add(a.dup());
            }
            g.releaseSessionMemory();
        }
        for (int i = 0; i < kept.size(); i++) {
            assertEquals(copies.get(i), kept.get(i), "returned array " + i);
        }
    }

    @Test
    void m21GivesAReusedArrayTheIdOfTheNextNewArrayAndArrayIdsMakesItUnique() {
        ArrayCacheMemoryMgr cache = new ArrayCacheMemoryMgr();
        INDArray first = cache.allocate(false, DataType.FLOAT, 2, 3);
        cache.release(first);
        INDArray reused = cache.allocate(false, DataType.FLOAT, 2, 3);
        assertSame(first, reused, "lent again from the cache");
        INDArray created = Nd4j.create(DataType.FLOAT, 4);
        assertEquals(reused.getId(), created.getId(), "M2.1: two live arrays with one id (assignNewId takes "
                + "incrementAndGet, a new array getAndIncrement)");
        cache.release(reused);
        // What SameDiff's id-keyed bookkeeping then does: the cache refuses the other array as released twice.
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> cache.release(created));
        assertTrue(refused.getMessage().contains("released multiple times"), refused.getMessage());

        INDArray again = cache.allocate(false, DataType.FLOAT, 2, 3);
        ArrayIds.makeUnique(again);
        INDArray next = Nd4j.create(DataType.FLOAT, 4);
        assertTrue(again.getId() != next.getId() && again.getId() != created.getId(),
                "ids " + again.getId() + ", " + next.getId() + ", " + created.getId());
        cache.release(again);
        cache.release(next); // distinct ids: both taken
        assertEquals(2, cache.getLruCache().size());
        cache.close();
    }

    @Test
    void inSteadyStateARunTakesNoNewMemoryWhenItsCallerGivesBackWhatItReturned() {
        ModelGraph g = mlp(true);
        List<String> params = g.parameterNames();
        List<Long> fresh = new ArrayList<>();
        for (int run = 0; run < 10; run++) {
            var out = g.sd().calculateGradientsAndOutputs(g.feeds(batch(40 + run)), List.of("ce", "logits"), params);
            ArrayRecycling.giveBack(out.getGradients().values());
            ArrayRecycling.giveBack(out.getOutputs().values());
            g.releaseSessionMemory();
            fresh.add(ArrayRecycling.freshBytesOfThisThread());
        }
        // Every array of a run, returned ones included, comes from what the runs before it gave back. Without
        // ArrayIds, SameDiff skipped releases of arrays whose id a freed array had had, and each run took new memory.
        assertEquals(fresh.get(3), fresh.get(9), "new bytes lent by the thread's cache, run after run: " + fresh);

        var kept = g.sd().calculateGradientsAndOutputs(g.feeds(batch(50)), List.of("logits"), params);
        INDArray logits = kept.getOutputs().get("logits");
        INDArray copy = logits.dup();
        g.output(batch(51), List.of("logits")); // another run started: giving back now must take nothing
        ArrayRecycling.giveBack(List.of(logits, copy));
        assertFalse(ArrayRecycling.cachedByThisThread(logits));
        assertFalse(ArrayRecycling.cachedByThisThread(copy), "never lent by the cache");
        for (int run = 0; run < 3; run++) {
            g.sd().calculateGradientsAndOutputs(g.feeds(batch(60 + run)), List.of("logits"), params);
        }
        assertEquals(copy, logits, "a returned array is the caller's unless given back after its own run");
    }

    /**
     * loss = sum(x * w) + sum(x * w * w): the placeholder x is read twice, so its gradient is the sum of two partial
     * gradients, which the multiply ops' backward passes compute along with w's. A run for w's gradient does not
     * need that sum, so SameDiff never releases the partial gradients (its add would be their last reader): in a BERT
     * gradient run, the gradients of the attention mask and of the layer norms' ones column.
     */
    private static SameDiff xReadTwice() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3);
        SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 1, 3));
        x.mul(w).sum().add("loss", x.mul(w).mul(w).sum());
        sd.setLossVariables("loss");
        ArrayRecycling.attach(sd);
        return sd;
    }

    @Test
    void endingARunGivesBackWhatSameDiffNeverReleasedButNotWhatItReturned() {
        SameDiff sd = xReadTwice();
        Map<String, INDArray> feeds = Map.of("x", Nd4j.rand(DataType.FLOAT, 4, 3));
        Map<String, INDArray> grads = sd.calculateGradients(feeds, "w");
        int cached = ArrayRecycling.cachedArraysOfThisThread();
        ArrayRecycling.endRun(sd, grads.values());
        assertTrue(ArrayRecycling.cachedArraysOfThisThread() >= cached + 2,
                "x's partial gradients back in the cache once the run ended: " + cached + " -> "
                        + ArrayRecycling.cachedArraysOfThisThread());
        INDArray gw = grads.get("w");
        assertFalse(ArrayRecycling.cachedByThisThread(gw), "the returned gradient stays the caller's");
        INDArray copy = gw.dup();
        sd.calculateGradients(feeds, "w"); // takes the partial gradients' memory again
        assertEquals(copy, gw);

        // Ending a run that is not the thread's last recycled run (another graph, here one left to SameDiff, ran
        // since) takes nothing back; a run ends once.
        SameDiff first = xReadTwice();
        Map<String, INDArray> firstGrads = first.calculateGradients(feeds, "w");
        SameDiff other = xReadTwice();
        ArrayRecycling.detach(other);
        Map<String, INDArray> otherGrads = other.calculateGradients(feeds, "w");
        cached = ArrayRecycling.cachedArraysOfThisThread();
        ArrayRecycling.endRun(other, otherGrads.values());
        assertEquals(cached, ArrayRecycling.cachedArraysOfThisThread(), "not the last recycled run's graph");
        ArrayRecycling.endRun(first, firstGrads.values());
        int afterEnd = ArrayRecycling.cachedArraysOfThisThread();
        assertTrue(afterEnd > cached, "still the last recycled run: its graph's gradient function ran it");
        ArrayRecycling.endRun(first, List.of());
        assertEquals(afterEnd, ArrayRecycling.cachedArraysOfThisThread(), "a run ends once");
        assertFalse(ArrayRecycling.cachedByThisThread(firstGrads.get("w")));
    }

    @Test
    void aStepLendsBorrowedArraysFromTheCacheAndTakesThemBackWhenItCloses() {
        INDArray outside = ArrayRecycling.borrow(DataType.FLOAT, 3, 4);
        INDArray first;
        try (ArrayRecycling.Step step = ArrayRecycling.openStep()) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, ArrayRecycling::openStep,
                    "steps do not nest");
            first = ArrayRecycling.borrow(DataType.FLOAT, 3, 4);
            assertFalse(ArrayRecycling.cachedByThisThread(first), "out while the step is open");
        }
        assertTrue(ArrayRecycling.cachedByThisThread(first), "back once the step closed");
        assertFalse(ArrayRecycling.cachedByThisThread(outside), "borrowed outside a step: an array of its own");
        try (ArrayRecycling.Step step = ArrayRecycling.openStep()) {
            INDArray second = ArrayRecycling.borrow(DataType.FLOAT, 3, 4);
            assertSame(first, second, "the next step reuses it");
            assertEquals('c', second.ordering());
            // ops that go through execReleasingArrays leave it reusable (use count 1)
            INDArray sum = ArrayRecycling.addInPlace(second.assign(1), Nd4j.ones(DataType.FLOAT, 3, 4));
            assertSame(second, sum);
            assertEquals(Nd4j.valueArrayOf(new long[]{3, 4}, 2f), second);
            assertEquals(1, Nd4j.getExecutioner().useCount(second.data()));
        }
        assertTrue(ArrayRecycling.cachedByThisThread(first));

        System.setProperty(ArrayRecycling.PROPERTY, "false");
        try (ArrayRecycling.Step step = ArrayRecycling.openStep()) {
            INDArray off = ArrayRecycling.borrow(DataType.FLOAT, 3, 4);
            assertFalse(off == first, "recycling off: a new array, not the cached one");
        } finally {
            System.clearProperty(ArrayRecycling.PROPERTY);
        }
        assertTrue(ArrayRecycling.cachedByThisThread(first));
    }

    @Test
    void aCallersArrayThatACastPlaceholderReleasesIsNeverReused() {
        // A double-precision graph fed a float mask: M2.1 casts it and registers the caller's array, not the cast,
        // for release at the end of the run.
        Batch floatMask = new Batch(Map.of(
                "ids", Nd4j.createFromArray(new int[][]{{1, 2, 3}, {4, 5, 0}}),
                "mask", Nd4j.ones(DataType.FLOAT, 2, 3),
                "label", Nd4j.createFromArray(0, 2)));
        INDArray mask = floatMask.get("mask");

        ModelGraph plain = ModelGraph.create(new BagOfEmbeddings(10, 4, 3, true, DataType.DOUBLE), 5);
        ArrayRecycling.detach(plain.sd());
        plain.output(floatMask, List.of("logits"));
        ArrayCacheMemoryMgr sessionCache = (ArrayCacheMemoryMgr) plain.sd().getSessions().values().iterator().next().getMmgr();
        assertTrue(sessionCache.getLruCache().contains(mask.getId()),
                "without the listener the caller's mask sits in the session's cache, free for any later op output");

        ModelGraph g = ModelGraph.create(new BagOfEmbeddings(10, 4, 3, true, DataType.DOUBLE), 5);
        INDArray before = g.output(floatMask, List.of("logits")).get("logits");
        assertFalse(ArrayRecycling.cachedByThisThread(mask));
        ModelGraph second = ModelGraph.create(new BagOfEmbeddings(10, 4, 3, true, DataType.DOUBLE), 5);
        second.output(floatMask, List.of("logits")); // two graphs releasing it into one cache: M2.1 would throw
        assertFalse(ArrayRecycling.cachedByThisThread(mask));
        assertEquals(Nd4j.ones(DataType.FLOAT, 2, 3), mask);
        assertEquals(before, g.output(floatMask, List.of("logits")).get("logits"));
    }

    @Test
    void graphsWithControlFlowKeepSameDiffsSetting() {
        SameDiff loop = SameDiff.create();
        SDVariable x = loop.var("x", Nd4j.scalar(1.0f));
        loop.whileLoop(new SDVariable[]{x}, (s, v) -> v[0].lt(10.0), (s, v) -> new SDVariable[]{v[0].mul(2.0)});
        assertTrue(ArrayRecycling.hasControlFlow(loop));
        loop.setEnableCache(false);
        ArrayRecycling.instance().operationStart(loop, Operation.TRAINING);
        assertFalse(loop.isEnableCache(), "release stays off where loop iterations share arrays");

        ModelGraph g = mlp(true);
        assertFalse(ArrayRecycling.hasControlFlow(g.sd()));
    }
}
