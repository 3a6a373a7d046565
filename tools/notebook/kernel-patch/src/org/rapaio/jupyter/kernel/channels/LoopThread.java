package org.rapaio.jupyter.kernel.channels;

/**
 * Drop-in replacement for rapaio-jupyter-kernel's (2.3.0, 3.0.1) LoopThread, put ahead of the kernel jar on the
 * class path. It fixes two start-up races of the original that leave a kernel that never answers:
 * (1) the original sets its running flag only after Thread.start(), so a loop that is scheduled at once sees
 * false and ends silently; here the flag is true from construction;
 * (2) one exception from the loop body (a request that arrives before the kernel registered its message handlers:
 * NullPointerException, "this.handlers" is null) ended the loop for good; here it is logged and the loop goes on, so
 * the client's next kernel_info_request is answered.
 */
public final class LoopThread extends Thread {

    private volatile boolean running = true;
    private final long sleep;
    private final Runnable loopBody;

    public LoopThread(String name, long sleep, Runnable loopBody) {
        super(name);
        this.sleep = sleep;
        this.loopBody = loopBody;
    }

    @Override
    public void run() {
        while (running) {
            try {
                loopBody.run();
            } catch (RuntimeException e) {
                System.err.println("[" + getName() + "] loop body failed, going on: " + e);
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                running = false;
                return;
            }
        }
    }

    public void shutdown() {
        running = false;
    }
}
