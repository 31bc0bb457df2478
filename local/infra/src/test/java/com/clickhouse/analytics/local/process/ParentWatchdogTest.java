package com.clickhouse.analytics.local.process;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM must not outlive the JVM that started it, even when that one is SIGKILLed and
 * gets no chance to run shutdown hooks: no orphaned brokers or engines after a crashed test run.
 */
class ParentWatchdogTest {

    @Test
    void grandchildExitsWhenItsParentIsKilled(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("leaf.pid");
        ChildProcess middle = ChildProcess.startJvm("middle", List.of("-Xmx64m"), System.getProperty("java.class.path"),
                Middle.class.getName(), List.of(pidFile.toString()), Map.of(), dir.resolve("middle.log"));
        long leafPid = awaitPid(pidFile, middle);
        ProcessHandle leaf = ProcessHandle.of(leafPid).orElseThrow(() -> new AssertionError("leaf not running"));
        assertTrue(leaf.isAlive());

        middle.kill(); // SIGKILL: no shutdown hook runs in the middle JVM

        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (leaf.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(leaf.isAlive(), "the grandchild outlived its killed parent");
    }

    private static long awaitPid(Path pidFile, ChildProcess middle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(pidFile)) {
                String text = Files.readString(pidFile).strip();
                if (text.endsWith(";")) {
                    return Long.parseLong(text.substring(0, text.length() - 1));
                }
            }
            assertTrue(middle.isAlive(), () -> "middle JVM died: " + middle.logTail(20));
            Thread.sleep(50);
        }
        throw new AssertionError("no leaf pid: " + middle.logTail(20));
    }

    /** Starts a leaf JVM, records its pid, then waits to be killed. */
    public static final class Middle {
        public static void main(String[] args) throws Exception {
            Path pidFile = Path.of(args[0]);
            ChildProcess leaf = ChildProcess.startJvm("leaf", List.of("-Xmx32m"), System.getProperty("java.class.path"),
                    Leaf.class.getName(), List.of(), Map.of(), pidFile.resolveSibling("leaf.log"));
            Files.writeString(pidFile, leaf.pid() + ";");
            Thread.sleep(Duration.ofMinutes(5));
        }
    }

    /** Sleeps; only its watchdog ends it. */
    public static final class Leaf {
        public static void main(String[] args) throws Exception {
            Thread.sleep(Duration.ofMinutes(5));
        }
    }
}
