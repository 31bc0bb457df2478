package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.clickhouse.analytics.local.Infrastructure;
import com.clickhouse.analytics.local.KafkaBroker;
import org.junit.jupiter.api.Test;

class WriterSmokeTest {

    @Test
    void drainsATopicIntoClickHouseAndServesHealthAndMetrics() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        var endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("smoke");
        KafkaBroker.createTopic(bootstrap, topic, 2);
        try (TestClickHouse ch = new TestClickHouse(endpoint, TestClickHouse.uniqueName("w")).migrate()) {
            TestKafka.produceEvents(bootstrap, topic, 5_000, 200, 1);
            try (WriterProcess writer = WriterProcess.start("writer", bootstrap, endpoint, ch.database, topic, topic + "-g", Map.of())) {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline && (ch.eventsFinal() < 5_000 || TestKafka.groupLag(bootstrap, topic, topic + "-g") > 0)) {
                    Thread.sleep(300);
                }
                assertEquals(5_000, ch.eventsFinal(), writer.logTail());
                assertEquals(200, writer.get("/ready").statusCode(), writer.logTail());
                String metrics = writer.get("/metrics").body();
                assertTrue(metrics.contains("cpa_writer_rows_inserted_total 5000"), metrics);
                assertEquals(0, writer.stop(), writer.logTail());
            }
        }
    }
}
