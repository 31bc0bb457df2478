package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.Test;

/**
 * A writer whose topics are missing (managed Kafka creates none on first use) says so at start,
 * stays not ready naming the topic, and turns ready once the topics exist; with fewer partitions
 * than writers it may scale to, it warns.
 */
class MissingTopicTest {

    @Test
    void notReadyNamingTheMissingTopicThenReadyOnceItExists() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("missing");
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "w");
             WriterProcess writer = WriterProcess.start("writer-missing-topic", bootstrap, endpoint, ch.database, topic, topic + "-g",
                     Map.of("MIGRATE_ON_START", "true", "WRITER_MAX_REPLICAS", "5"))) {
            HttpResponse<String> ready = await(writer, 503, "does not exist");
            assertTrue(ready.body().contains("does not exist") && ready.body().contains(topic), ready.body());
            Await.until(Duration.ofSeconds(20), () -> writer.logTail().contains("not ready until it exists"), writer::logTail);

            KafkaBroker.createTopic(bootstrap, topic, 2);
            KafkaBroker.createTopic(bootstrap, topic + "_dlq", 1);
            assertEquals(200, await(writer, 200, "ready").statusCode());
            assertEquals(0, writer.stop(), writer.logTail());
        }
    }

    @Test
    void warnsWhenTheTopicHasFewerPartitionsThanWritersMayRun() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("few");
        KafkaBroker.createTopic(bootstrap, topic, 2);
        KafkaBroker.createTopic(bootstrap, topic + "_dlq", 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "w");
             WriterProcess writer = WriterProcess.start("writer-few-partitions", bootstrap, endpoint, ch.database, topic, topic + "-g",
                     Map.of("MIGRATE_ON_START", "true", "WRITER_MAX_REPLICAS", "5"))) {
            await(writer, 200, "ready");
            assertTrue(writer.logTail().contains("has 2 partition(s) but up to 5 writers may run (WRITER_MAX_REPLICAS): 3 would idle"),
                    writer.logTail());
            assertEquals(0, writer.stop(), writer.logTail());
        }
    }

    /** Until /ready answers {@code status} with {@code text} in its body (ClickHouse may be the first thing it lacks). */
    private static HttpResponse<String> await(WriterProcess writer, int status, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> response = null;
        while (System.nanoTime() < deadline) {
            try {
                response = writer.get("/ready");
                if (response.statusCode() == status && response.body().contains(text)) {
                    return response;
                }
            } catch (java.io.IOException notListeningYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("/ready never answered " + status + ": " + (response == null ? "no answer" : response.body())
                + "\n" + writer.logTail());
    }
}
