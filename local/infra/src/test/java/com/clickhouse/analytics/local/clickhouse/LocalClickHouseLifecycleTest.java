package com.clickhouse.analytics.local.clickhouse;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.clickhouse.analytics.local.LocalInfrastructure;
import com.clickhouse.analytics.local.process.FreePorts;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starting, stopping and loading a LocalClickHouse of the test's own (never the shared one). */
class LocalClickHouseLifecycleTest {

    /** A drop of a few small tables takes milliseconds; the bound only turns a hang into a failure. */
    private static final Duration DROP_BOUND = Duration.ofSeconds(30);

    @Test
    void keepsItsDataAcrossARestartOnTheSamePort(@TempDir Path dir) {
        int port = FreePorts.pick();
        try (LocalClickHouse clickHouse = LocalClickHouse.start(dir, port, "app", "s3cret")) {
            try (Client client = client(clickHouse.endpoint())) {
                client.execute("CREATE TABLE kept (id UInt64) ENGINE = MergeTree ORDER BY id").join();
                client.execute("INSERT INTO kept SELECT number FROM numbers(1234)").join();
            }
            clickHouse.stop();
            assertFalse(clickHouse.isRunning());
            assertFalse(FreePorts.inUse(port), "port released");

            clickHouse.start();
            assertEquals("http://127.0.0.1:" + port, clickHouse.endpoint().url());
            try (Client client = client(clickHouse.endpoint())) {
                assertEquals(1234, client.queryAll("SELECT count() FROM kept").getFirst().getLong(1));
            }
        }
    }

    /**
     * chDB started on a new data directory never scheduled the cleanup that {@code DROP … SYNC} waits
     * for, so a test's clean-up blocked for good; a server's drop returns once the data is gone. Only a
     * fresh directory shows it, hence a server of this test's own. The rows go in through the streamed
     * insert path (client-v2's {@code insert}), and the query reads them first, as in a real test.
     */
    @Test
    void dropSyncCompletesOnAFreshDataDirectory(@TempDir Path dir) throws Exception {
        try (LocalClickHouse clickHouse = LocalClickHouse.start(dir, FreePorts.pick(), "app", "pw");
             Client client = client(clickHouse.endpoint())) {
            client.execute("CREATE DATABASE dropped").get(30, TimeUnit.SECONDS).close();
            client.execute("CREATE TABLE dropped.events (id UInt64, event String) ENGINE = ReplacingMergeTree ORDER BY id")
                    .get(30, TimeUnit.SECONDS).close();
            client.execute("CREATE TABLE default.kept (id UInt64) ENGINE = MergeTree ORDER BY id").get(30, TimeUnit.SECONDS).close();
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 1_000; i++) {
                rows.append("{\"id\":").append(i).append(",\"event\":\"e").append(i % 3).append("\"}\n");
            }
            try (InsertResponse inserted = client.insert("dropped.events",
                    new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)), ClickHouseFormat.JSONEachRow)
                    .get(30, TimeUnit.SECONDS)) {
                assertEquals(1_000, inserted.getWrittenRows());
            }
            assertEquals(1_000, client.queryAll("SELECT count() FROM dropped.events").getFirst().getLong(1));

            client.execute("DROP TABLE default.kept SYNC").get(DROP_BOUND.toSeconds(), TimeUnit.SECONDS).close();
            client.execute("DROP DATABASE dropped SYNC").get(DROP_BOUND.toSeconds(), TimeUnit.SECONDS).close();

            assertEquals(0, client.queryAll("SELECT count() FROM system.databases WHERE name = 'dropped'").getFirst().getLong(1));
            assertEquals(0, client.queryAll("SELECT count() FROM system.tables WHERE name = 'kept'").getFirst().getLong(1));
            client.execute("CREATE DATABASE dropped").get(30, TimeUnit.SECONDS).close(); // the name is free again
        }
    }

    @Test
    void refusesAPortInUse(@TempDir Path dir) {
        ClickHouseEndpoint shared = LocalInfrastructure.clickHouse();
        int port = Integer.parseInt(shared.url().substring(shared.url().lastIndexOf(':') + 1));
        var error = assertThrows(IllegalStateException.class, () -> LocalClickHouse.start(dir, port, "app", "pw"));
        assertTrue(error.getMessage().contains("already in use"), error.getMessage());
    }

    /**
     * The engine shares its JVM with HotSpot, and both use SIGSEGV: without signal chaining that JVM
     * hangs or dies under GC pressure. Here the child serves queries and 1 MiB-compressed responses
     * (heap churn in the child) from several connections for a bounded time, while this JVM allocates
     * too; every request must succeed promptly and the child must still answer afterwards.
     */
    @Test
    void survivesSustainedQueriesUnderGarbageCollection(@TempDir Path dir) throws Exception {
        try (LocalClickHouse clickHouse = LocalClickHouse.start(dir, FreePorts.pick(), "load", "pw")) {
            long pid = childPid(clickHouse);
            AtomicLong queries = new AtomicLong();
            AtomicLong slowest = new AtomicLong();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int worker = w;
                workers.add(Thread.ofPlatform().start(() -> {
                    try (Client client = client(clickHouse.endpoint())) {
                        client.execute("CREATE TABLE IF NOT EXISTS load_" + worker + " (id UInt64, s String) "
                                + "ENGINE = MergeTree ORDER BY id").join();
                        while (System.nanoTime() < until) {
                            long started = System.nanoTime();
                            if (queries.get() % 3 == 0) {
                                client.execute("INSERT INTO load_" + worker + " SELECT number, toString(number) FROM numbers(2000)").join();
                            } else {
                                long rows = client.queryAll("SELECT number, toString(number) AS s FROM numbers(20000)").size();
                                assertEquals(20000, rows);
                            }
                            slowest.accumulateAndGet(System.nanoTime() - started, Math::max);
                            queries.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            List<byte[]> garbage = new ArrayList<>();
            while (System.nanoTime() < until) {
                garbage.add(new byte[64 * 1024]);
                if (garbage.size() > 512) {
                    garbage.clear();
                }
                Thread.onSpinWait();
            }
            for (Thread worker : workers) {
                worker.join(Duration.ofSeconds(60));
                assertFalse(worker.isAlive(), "a worker hung");
            }
            System.out.println("sustained load: " + queries.get() + " requests in 15 s, slowest "
                    + slowest.get() / 1_000_000 + " ms");
            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            // A liveness floor, not a speed target: a loaded CI machine serves far fewer than a quiet one.
            assertTrue(queries.get() >= 20, "only " + queries.get() + " queries in 15 s");
            assertTrue(slowest.get() < Duration.ofSeconds(10).toNanos(), "a query took " + slowest.get() / 1_000_000 + " ms");
            assertTrue(clickHouse.isRunning());
            assertEquals(pid, childPid(clickHouse), "the child was not restarted behind our back");
            try (Client client = client(clickHouse.endpoint())) {
                assertTrue(client.ping(5_000));
            }
            String log = Files.readString(clickHouse.logFile().orElseThrow());
            assertFalse(log.contains("SIGSEGV") || log.contains("hs_err"), log);
        }
    }

    private static long childPid(LocalClickHouse clickHouse) {
        return clickHouse.pid().orElseThrow();
    }

    private static Client client(ClickHouseEndpoint endpoint) {
        return new Client.Builder().addEndpoint(endpoint.url()).setUsername(endpoint.user()).setPassword(endpoint.password())
                .setSocketTimeout(30, ChronoUnit.SECONDS).build();
    }
}
