package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.schema.migration.MigrationSource;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.Test;

/** The whole process on an empty database: MIGRATE_ON_START, drain, health/ready/metrics, clean SIGTERM. */
class WriterSmokeTest {

    @Test
    void migratesDrainsServesHealthAndMetricsAndStopsCleanly() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("smoke");
        KafkaBroker.createTopic(bootstrap, topic, 2);
        KafkaBroker.createTopic(bootstrap, topic + "_dlq", 1); // ready only once both of its topics exist
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "w")) {
            TestKafka.produceEvents(bootstrap, topic, 5_000, 200, 1);
            try (WriterProcess writer = WriterProcess.start("writer", bootstrap, endpoint, ch.database, topic, topic + "-g",
                    Map.of("MIGRATE_ON_START", "true"))) {
                Await.until(Duration.ofSeconds(60),
                        () -> ch.eventsFinal() >= 5_000 && TestKafka.groupLag(bootstrap, topic, topic + "-g") == 0, writer::logTail);
                assertEquals(5_000, ch.eventsFinal(), writer.logTail());
                assertEquals(MigrationSource.bundled().size(), ch.longValue("SELECT count() FROM {db}.schema_migrations"),
                        "every bundled migration, applied at start");
                assertEquals(200, writer.get("/health").statusCode());
                assertEquals(200, writer.get("/ready").statusCode(), writer.logTail());
                assertEquals(404, writer.get("/nope").statusCode());
                String metrics = writer.get("/metrics").body();
                assertTrue(metrics.contains("# TYPE cpa_writer_rows_inserted_total counter\ncpa_writer_rows_inserted_total 5000"), metrics);
                assertTrue(metrics.contains("cpa_writer_consumer_lag{topic=\"" + topic + "\",partition=\"0\"}"), metrics);
                assertTrue(metrics.contains("cpa_writer_batch_latency_seconds_count"), metrics);
                assertEquals(0, writer.stop(), "SIGTERM after a clean stop exits 0\n" + writer.logTail());
            }
        }
    }

    @Test
    void badConfigurationStopsStartUpNamingTheVariable() throws Exception {
        var endpoint = Infrastructure.shared().clickHouse();
        try (WriterProcess writer = WriterProcess.start("writer-badconfig", "127.0.0.1:1", endpoint, "db", "t", "g",
                Map.of("WRITER_BATCH_MAX_ROWS", "lots"))) {
            Await.until(Duration.ofSeconds(30), () -> !writer.isAlive(), writer::logTail);
            assertEquals(2, writer.stop());
            assertTrue(writer.logTail().contains(
                    "writer: configuration error: Invalid configuration: WRITER_BATCH_MAX_ROWS (writer.batch.max-rows) must be an integer, got 'lots'"),
                    writer.logTail());
        }
    }
}
