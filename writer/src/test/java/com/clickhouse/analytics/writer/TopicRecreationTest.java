package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * A topic deleted and created again (or a Kafka cluster replaced) counts its offsets from 0 again.
 * Deduplication tokens named after the topic and the offsets alone then repeat, and ClickHouse drops
 * the new log's inserts as duplicates of the old one's — silently. Every event of both logs must land.
 */
class TopicRecreationTest {

    private static final int ROUND = 100;
    /** One batch per round, closed on rows: the new log's first batch covers exactly the old one's offsets. */
    private static final Map<String, String> ONE_BATCH_PER_ROUND = Map.of("WRITER_BATCH_MAX_ROWS", Integer.toString(ROUND),
            "WRITER_BATCH_MAX_AGE_MS", "30000", "MIGRATE_ON_START", "true");

    @Test
    void aRecreatedTopicsEventsAllLandWhenTheWriterRestartsInBetween() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("recreated");
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "w")) {
            KafkaBroker.createTopic(bootstrap, topic, 1);
            TestKafka.produceEvents(bootstrap, topic, ROUND, 20, 1);
            drain(bootstrap, endpoint, ch, topic, ROUND);

            recreate(bootstrap, topic);
            TestKafka.produceEvents(bootstrap, topic, ROUND, 20, 2); // other uuids: nothing for ReplacingMergeTree to collapse
            drain(bootstrap, endpoint, ch, topic, 2 * ROUND);
        }
    }

    @Test
    void aRecreatedTopicsEventsAllLandWhileTheWriterKeepsRunning() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("recreated-live");
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "w")) {
            KafkaBroker.createTopic(bootstrap, topic, 1);
            try (WriterProcess writer = WriterProcess.start("writer-recreated-live", bootstrap, endpoint, ch.database, topic,
                    topic + "-g", Map.of("MIGRATE_ON_START", "true", "WRITER_BATCH_MAX_AGE_MS", "200"))) {
                TestKafka.produceEvents(bootstrap, topic, ROUND, 20, 3);
                Await.until(Duration.ofSeconds(60), () -> ch.eventsFinal() >= ROUND
                        && TestKafka.groupLag(bootstrap, topic, topic + "-g") == 0, writer::logTail);

                recreate(bootstrap, topic);
                TestKafka.produceEvents(bootstrap, topic, ROUND, 20, 4);
                Await.until(Duration.ofSeconds(90), () -> ch.eventsFinal() >= 2 * ROUND, writer::logTail);
                Thread.sleep(1_000); // nothing more may arrive: exactly the two rounds
                assertEquals(2 * ROUND, ch.eventsFinal(), writer.logTail());
                assertEquals(0, writer.stop(), writer.logTail());
            }
        }
    }

    /** Starts a writer that drains the topic into {@code ch} until it holds {@code expected} events, then stops it. */
    private static void drain(String bootstrap, com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint endpoint,
                              TestClickHouse ch, String topic, long expected) throws Exception {
        try (WriterProcess writer = WriterProcess.start("writer-recreated", bootstrap, endpoint, ch.database, topic, topic + "-g",
                ONE_BATCH_PER_ROUND)) {
            Await.until(Duration.ofSeconds(60), () -> TestKafka.groupLag(bootstrap, topic, topic + "-g") == 0, writer::logTail);
            Await.until(Duration.ofSeconds(10), () -> ch.eventsFinal() >= expected, writer::logTail);
            assertEquals(expected, ch.eventsFinal(), writer.logTail());
            assertEquals(0, writer.stop(), writer.logTail());
        }
    }

    private static void recreate(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("topic " + topic + " still listed 30 s after its deletion");
                }
                Thread.sleep(100);
            }
        }
        // The broker may still be finishing the deletion for a moment after the name is gone.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                KafkaBroker.createTopic(bootstrap, topic, 1);
                return;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}
