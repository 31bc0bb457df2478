package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The writer's central promise, with real processes and real faults: whatever happens to writers
 * and ClickHouse during a drain, every event ends up in ClickHouse exactly once under FINAL.
 */
class ExactlyOnceTest {

    private static final Map<String, String> FAST_GROUP = Map.of(
            // Pass-through settings so a killed member's partitions move within seconds, not 45 s.
            "KAFKA_SESSION_TIMEOUT_MS", "6000", "KAFKA_HEARTBEAT_INTERVAL_MS", "1000",
            "WRITER_BATCH_MAX_ROWS", "10000");

    private final List<WriterProcess> writers = new ArrayList<>();

    @AfterEach
    void noWriterLeftRunning() {
        writers.forEach(WriterProcess::close);
        for (WriterProcess w : writers) {
            assertTrue(!w.isAlive(), "writer " + w.pid() + " still running");
        }
    }

    @Test
    void threeSigkillsDuringADrainOf200kEvents() throws Exception {
        int total = 200_000;
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("eo_kill");
        KafkaBroker.createTopic(bootstrap, topic, 4);
        TestKafka.produceEvents(bootstrap, topic, total, 20_000, 42);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "eo_kill").migrate(SchemaMigrator::migrate)) {
            Random random = new Random(TestSeed.random()); // where the kills land: new every run, named on failure
            WriterProcess writer = start(bootstrap, endpoint, ch.database, topic);
            for (int k = 0; k < 3; k++) {
                int kill = k;
                long threshold = (long) (total * (0.15 + 0.25 * kill + random.nextDouble() * 0.15));
                WriterProcess current = writer;
                Await.until(Duration.ofSeconds(90), () -> ch.longValue("SELECT count() FROM {db}.events") >= threshold,
                        () -> "rows before kill " + (kill + 1) + ": " + ch.longValue("SELECT count() FROM {db}.events") + "\n" + current.logTail());
                Thread.sleep(random.nextInt(400)); // somewhere between an insert and its commit, or in the next batch
                writer.kill();
                writer = start(bootstrap, endpoint, ch.database, topic);
            }
            awaitDrained(ch, bootstrap, topic, total, writer);
            assertExactlyOnce(ch, total);
        }
    }

    @Test
    void clickHouseStoppedFor20SecondsInTheMiddle() throws Exception {
        int total = 100_000; // half the kill test: the 20 s outage dominates this test's time anyway
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        String topic = TestClickHouse.uniqueName("eo_down");
        KafkaBroker.createTopic(bootstrap, topic, 4);
        TestKafka.produceEvents(bootstrap, topic, total, 10_000, 7);
        try (LocalClickHouse own = LocalClickHouse.startTemporary();
             TestClickHouse ch = TestClickHouse.create(own.endpoint(), "eo_down").migrate(SchemaMigrator::migrate)) {
            Map<String, String> settings = Map.of("WRITER_BATCH_MAX_ROWS", "5000");
            WriterProcess writer = WriterProcess.start("writer-down", bootstrap, own.endpoint(), ch.database, topic, topic, settings);
            writers.add(writer);
            Await.until(Duration.ofSeconds(90), () -> ch.longValue("SELECT count() FROM {db}.events") >= total / 4,
                    () -> "no progress before the outage\n" + writer.logTail());
            own.stop();
            Thread.sleep(20_000);
            assertTrue(writer.isAlive(), "the writer must wait out the outage\n" + writer.logTail());
            String during = writer.get("/metrics").body();
            assertTrue(metric(during, "cpa_writer_insert_retries_total") >= 1, during);
            assertEquals(1, metric(during, "cpa_writer_backing_off"), during);
            assertEquals(503, writer.get("/ready").statusCode());
            own.start();
            awaitDrained(ch, bootstrap, topic, total, writer);
            assertExactlyOnce(ch, total);
            assertEquals(0, metric(writer.get("/metrics").body(), "cpa_writer_backing_off"));
        }
    }

    @Test
    void twoWritersShareTheGroupWhileOneIsKilled() throws Exception {
        int total = 100_000;
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("eo_two");
        KafkaBroker.createTopic(bootstrap, topic, 4);
        TestKafka.produceEvents(bootstrap, topic, total, 10_000, 9);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "eo_two").migrate(SchemaMigrator::migrate)) {
            WriterProcess first = start(bootstrap, endpoint, ch.database, topic);
            WriterProcess second = start(bootstrap, endpoint, ch.database, topic);
            Await.until(Duration.ofSeconds(90), () -> ch.longValue("SELECT count() FROM {db}.events") >= total * 2 / 5,
                    () -> "no progress\n" + first.logTail());
            first.kill();
            awaitDrained(ch, bootstrap, topic, total, second);
            assertExactlyOnce(ch, total);
        }
    }

    private WriterProcess start(String bootstrap, ClickHouseEndpoint endpoint, String database, String topic) {
        WriterProcess writer = WriterProcess.start("writer", bootstrap, endpoint, database, topic, topic, FAST_GROUP);
        writers.add(writer);
        return writer;
    }

    private static void awaitDrained(TestClickHouse ch, String bootstrap, String topic, long total, WriterProcess writer) throws Exception {
        Await.until(Duration.ofSeconds(180),
                () -> TestKafka.groupLag(bootstrap, topic, topic) == 0 && ch.eventsFinal() >= total,
                () -> "final rows " + ch.eventsFinal() + ", lag " + lag(bootstrap, topic) + "\n" + writer.logTail());
    }

    private static void assertExactlyOnce(TestClickHouse ch, long total) {
        assertEquals(total, ch.eventsFinal(), "count() FINAL");
        assertEquals(total, ch.longValue("SELECT uniqExact(uuid) FROM {db}.events"), "uniqExact(uuid)");
        // Replays of fenced batches were dropped by their deduplication token, not merely collapsed later.
        assertEquals(total, ch.longValue("SELECT count() FROM {db}.events"), "count() without FINAL");
    }

    private static String lag(String bootstrap, String topic) {
        try {
            return Long.toString(TestKafka.groupLag(bootstrap, topic, topic));
        } catch (Exception e) {
            return e.toString();
        }
    }

    static double metric(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        return Double.NaN;
    }
}
