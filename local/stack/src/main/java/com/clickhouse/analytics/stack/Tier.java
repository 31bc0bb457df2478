package com.clickhouse.analytics.stack;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.clickhouse.analytics.local.process.ChildProcess;
import com.clickhouse.analytics.writer.Backoff;

/**
 * One service tier of the local stack (the writer or the gateway) as a process that is watched: an
 * exit nobody asked for is reported with the end of the tier's log, and the tier is started again
 * after a backoff that doubles with each quick failure (1 s up to 30 s) and starts over once the
 * tier has stayed up for a minute. What Kubernetes does for a pod, for a developer's terminal.
 *
 * <p>{@link #check(long)} is the whole policy; the stack calls it periodically from one thread.
 * All methods are synchronized, so a stop never races a restart.
 */
final class Tier {

    /** The writer's retry backoff without its jitter (one developer's terminal, no fleet to spread): 1 s, 2 s, 4 s … 30 s. */
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), () -> 1.0);
    static final Duration STABLE_AFTER = Duration.ofMinutes(1);
    static final int LOG_LINES = 20;

    private final String name;
    private final Supplier<ChildProcess> launcher;
    private final Consumer<String> report;

    private ChildProcess process;
    private long startedAtMillis;
    private long restartAtMillis = -1;
    private int quickFailures;
    private int restarts;

    /**
     * @param launcher starts the tier's process and returns once it is ready (throws if it is not)
     * @param report   where exits and restarts are told (the launcher's terminal)
     */
    Tier(String name, Supplier<ChildProcess> launcher, Consumer<String> report) {
        this.name = Objects.requireNonNull(name, "name");
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.report = Objects.requireNonNull(report, "report");
    }

    /** Starts the tier; an exception means it did not become ready. */
    synchronized void start(long nowMillis) {
        process = launcher.get();
        startedAtMillis = nowMillis;
        restartAtMillis = -1;
    }

    /** Stops the tier on purpose (SIGTERM, then SIGKILL after {@code grace}); it is not restarted. */
    synchronized void stop(Duration grace) {
        restartAtMillis = -1;
        if (process != null) {
            process.stop(grace);
            process = null;
        }
    }

    /** Notices an exit and restarts when its backoff is over. Returns whether it acted. */
    synchronized boolean check(long nowMillis) {
        if (process != null && !process.isAlive()) {
            int exit = process.awaitExit(Duration.ZERO);
            String tail = process.logTail(LOG_LINES);
            process = null;
            quickFailures = nowMillis - startedAtMillis >= STABLE_AFTER.toMillis() ? 1 : quickFailures + 1;
            Duration delay = backoff(quickFailures);
            restartAtMillis = nowMillis + delay.toMillis();
            report.accept("cpa: the " + name + " exited (status " + exit + "); the end of its log:\n" + tail
                    + "\ncpa: starting the " + name + " again in " + delay.toSeconds() + " s");
            return true;
        }
        if (process == null && restartAtMillis >= 0 && nowMillis >= restartAtMillis) {
            try {
                start(nowMillis);
                restarts++;
                report.accept("cpa: the " + name + " is running again (restart " + restarts + ")");
            } catch (RuntimeException e) {
                quickFailures++;
                Duration delay = backoff(quickFailures);
                restartAtMillis = nowMillis + delay.toMillis();
                report.accept("cpa: the " + name + " did not start: " + e.getMessage() + "\ncpa: trying again in "
                        + delay.toSeconds() + " s");
            }
            return true;
        }
        return false;
    }

    /** After the {@code failures}-th quick failure in a row (1 or more). */
    static Duration backoff(int failures) {
        return BACKOFF.delay(failures);
    }

    synchronized ChildProcess process() {
        return process;
    }

    synchronized int restarts() {
        return restarts;
    }

    @Override
    public String toString() {
        return "Tier[" + name + ", " + process + ", restarts " + restarts + "]";
    }
}
