package com.clickhouse.analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.local.process.ChildProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The launcher's watch over a tier, with real child processes killed for real and a clock moved by hand. */
class TierTest {

    /** A tier's stand-in: a JVM that prints a line and waits to be stopped. */
    public static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("sleeper up");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @TempDir
    Path dir;
    private final List<String> reports = new ArrayList<>();
    private final List<ChildProcess> launched = new ArrayList<>();
    private Tier tier;

    private Tier tier() {
        tier = new Tier("sleeper", () -> {
            ChildProcess p = ChildProcess.startJvm("sleeper", List.of("-Xmx32m", "-XX:+UseSerialGC"), System.getProperty("java.class.path"),
                    Sleeper.class.getName(), List.of(), Map.of(), dir.resolve("sleeper-" + launched.size() + ".log"));
            launched.add(p);
            return p;
        }, reports::add);
        return tier;
    }

    @AfterEach
    void stopEverything() {
        if (tier != null) {
            tier.stop(Duration.ofSeconds(5));
        }
        launched.forEach(ChildProcess::close);
    }

    @Test
    void aKilledTierIsReportedWithItsLogAndStartedAgainAfterTheBackoff() throws Exception {
        Tier t = tier();
        t.start(0);
        ChildProcess first = t.process();
        awaitLog(first);
        first.kill();
        first.awaitExit(Duration.ofSeconds(10));

        assertTrue(t.check(10_000));
        assertNull(t.process(), "down until the backoff is over");
        assertEquals(1, reports.size());
        assertTrue(reports.getFirst().contains("the sleeper exited (status 137)"), reports.getFirst());
        assertTrue(reports.getFirst().contains("sleeper up"), "the end of its log: " + reports.getFirst());
        assertTrue(reports.getFirst().contains("again in 1 s"), reports.getFirst());

        assertFalse(t.check(10_500));
        assertTrue(t.check(11_000));
        assertNotEquals(first, t.process());
        assertTrue(t.process().isAlive());
        assertEquals(1, t.restarts());
        assertTrue(reports.get(1).contains("running again (restart 1)"), reports.get(1));

        // A second quick failure waits twice as long.
        t.process().kill();
        t.process().awaitExit(Duration.ofSeconds(10));
        assertTrue(t.check(12_000));
        assertTrue(reports.get(2).contains("again in 2 s"), reports.get(2));
        assertFalse(t.check(13_999));
        assertTrue(t.check(14_000));
        assertEquals(2, t.restarts());
    }

    @Test
    void aStoppedTierStaysStopped() {
        Tier t = tier();
        t.start(0);
        t.stop(Duration.ofSeconds(5));
        assertFalse(t.check(60_000));
        assertNull(t.process());
        assertEquals(List.of(), reports);
        assertEquals(1, launched.size());
    }

    @ParameterizedTest(name = "failure {0} in a row -> {1} s")
    @CsvSource({"1, 1", "2, 2", "3, 4", "4, 8", "5, 16", "6, 30", "7, 30", "40, 30"})
    void backoffDoublesFromOneSecondUpToThirty(int failures, long seconds) {
        assertEquals(Duration.ofSeconds(seconds), Tier.backoff(failures));
    }

    @Test
    void aTierThatRanAMinuteStartsItsBackoffOver() throws Exception {
        Tier t = tier();
        t.start(0);
        t.process().kill();
        t.process().awaitExit(Duration.ofSeconds(10));
        t.check(1_000);
        t.check(2_000); // restarted: one quick failure so far
        t.process().kill();
        t.process().awaitExit(Duration.ofSeconds(10));
        t.check(2_000 + Tier.STABLE_AFTER.toMillis());
        assertTrue(reports.getLast().contains("again in 1 s"), "a minute up resets the backoff: " + reports.getLast());
    }

    private static void awaitLog(ChildProcess process) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!process.logTail(5).contains("sleeper up") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }
}
