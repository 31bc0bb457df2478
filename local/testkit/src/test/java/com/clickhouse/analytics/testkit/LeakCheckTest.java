package com.clickhouse.analytics.testkit;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * {@link LeakCheck} run the way every module runs it (auto-detected) on classes that leak on purpose.
 * The leaking classes are nested, so Surefire does not run them by themselves; each test here
 * cleans up what its leaking class left behind, so this class itself leaks nothing.
 */
class LeakCheckTest {

    static volatile CountDownLatch release;
    static volatile Thread leakedThread;
    static volatile Process leakedProcess;
    static volatile String leakedDatabase;

    @BeforeEach
    void freshLatch() {
        release = new CountDownLatch(1);
        leakedThread = null;
        leakedProcess = null;
        leakedDatabase = null;
    }

    @AfterEach
    void cleanUp() throws Exception {
        release.countDown();
        if (leakedThread != null) {
            leakedThread.join(5_000);
        }
        if (leakedProcess != null) {
            leakedProcess.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (leakedDatabase != null) {
            LeakCheck.query(Infrastructure.shared().clickHouse(), "DROP DATABASE IF EXISTS " + leakedDatabase);
        }
    }

    @Test
    void aThreadStillRunningAfterTheClassFailsIt() {
        String failure = classFailure(LeaksAThread.class);
        assertTrue(failure.contains("leaked") && failure.contains("thread \"leaky-worker\""), failure);
    }

    @Test
    void aDaemonThreadOfAnUnclosedClientFailsItToo() {
        String failure = classFailure(LeaksADaemonThread.class);
        assertTrue(failure.contains("thread \"leaky-daemon\" (daemon)"), failure);
    }

    @Test
    void aChildProcessStillRunningAfterTheClassFailsIt() {
        String failure = classFailure(LeaksAProcess.class);
        assertTrue(failure.contains("process " + leakedProcess.pid()), failure);
    }

    @Test
    void aDatabaseNotDroppedFailsIt() {
        String failure = classFailure(LeaksADatabase.class);
        assertTrue(failure.contains("database " + leakedDatabase), failure);
    }

    @Test
    void aClassThatCleansUpPasses() {
        EngineExecutionResults results = run(CleansUp.class);
        assertEquals(0, results.containerEvents().failed().count(), () -> describe(results.containerEvents().failed().list()));
        assertEquals(1, results.testEvents().succeeded().count());
    }

    /** The class-level failure LeakCheck reported for {@code testClass} (its tests themselves pass). */
    private static String classFailure(Class<?> testClass) {
        EngineExecutionResults results = run(testClass);
        assertEquals(1, results.testEvents().succeeded().count(), "the leaking test itself passes");
        List<Event> failed = results.containerEvents().failed().list();
        assertEquals(1, failed.size(), () -> "one failed container, the class: " + describe(failed));
        return describe(failed);
    }

    private static EngineExecutionResults run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(testClass))
                .execute();
    }

    private static String describe(List<Event> events) {
        StringBuilder out = new StringBuilder();
        for (Event e : events) {
            e.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable)
                    .ifPresent(t -> out.append(e.getTestDescriptor().getDisplayName()).append(": ").append(t.getMessage()).append('\n'));
        }
        return out.toString();
    }

    private static void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static class LeaksAThread {
        @Test
        void startsAWorkerAndForgetsIt() {
            leakedThread = Thread.ofPlatform().name("leaky-worker").start(LeakCheckTest::awaitRelease);
        }
    }

    static class LeaksADaemonThread {
        @Test
        void startsADaemonAndForgetsIt() {
            leakedThread = Thread.ofPlatform().name("leaky-daemon").daemon(true).start(LeakCheckTest::awaitRelease);
        }
    }

    static class LeaksAProcess {
        @Test
        void startsAChildAndForgetsIt() throws Exception {
            leakedProcess = new ProcessBuilder("sleep", "300").start();
        }
    }

    static class LeaksADatabase {
        @Test
        void createsADatabaseAndForgetsIt() {
            leakedDatabase = "leakcheck_" + Long.toString(System.nanoTime(), 36);
            LeakCheck.query(Infrastructure.shared().clickHouse(), "CREATE DATABASE " + leakedDatabase);
        }
    }

    static class CleansUp {
        @Test
        void stopsWhatItStarts() throws Exception {
            Thread t = Thread.ofPlatform().name("tidy-worker").start(() -> { });
            t.join();
            Process p = new ProcessBuilder("true").start();
            p.waitFor();
            String db = "leakcheck_tidy_" + Long.toString(System.nanoTime(), 36);
            LeakCheck.query(Infrastructure.shared().clickHouse(), "CREATE DATABASE " + db);
            LeakCheck.query(Infrastructure.shared().clickHouse(), "DROP DATABASE " + db);
        }
    }
}
