package com.clickhouse.analytics.schema.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TopicsConfigTest {

    @Test
    void defaultsAreTheEventsAndDeadLetterTopics() {
        TopicsConfig config = TopicsConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092", "KAFKA_SECURITY_PROTOCOL", "SASL_SSL"));
        assertEquals("k:9092", config.bootstrapServers());
        assertEquals(Map.of("security.protocol", "SASL_SSL"), config.kafkaClientProperties());
        assertEquals(new TopicSpec("events", 12, (short) -1, Map.of("retention.ms", "604800000")), config.topics().get(0));
        assertEquals(new TopicSpec("events_dlq", 1, (short) -1, Map.of("retention.ms", "2592000000")), config.topics().get(1));
        assertEquals(new TopicSpec("events_historical", 4, (short) -1, Map.of("retention.ms", "604800000")), config.topics().get(2),
                "the historical lane's topic");
        assertEquals(3, config.topics().size());
    }

    @Test
    void anEmptyHistoricalTopicIsNotCreated() {
        TopicsConfig config = TopicsConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092", "HISTORICAL_TOPIC", ""));
        assertEquals(java.util.List.of("events", "events_dlq"), Topics.names(config));
        TopicsConfig renamed = TopicsConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092", "HISTORICAL_TOPIC", "backfill",
                "HISTORICAL_TOPIC_PARTITIONS", "2"));
        assertEquals(new TopicSpec("backfill", 2, (short) -1, Map.of("retention.ms", "604800000")), renamed.topics().get(2));
    }

    @Test
    void replicationAndMinInsyncApplyToEveryTopic() {
        TopicsConfig config = TopicsConfig.from(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092", "TOPIC_REPLICATION_FACTOR", "3",
                "TOPIC_MIN_INSYNC_REPLICAS", "2", "EVENTS_TOPIC", "e", "DLQ_TOPIC", "d"));
        for (TopicSpec spec : config.topics()) {
            assertEquals(3, spec.replicationFactor());
            assertEquals("2", spec.configs().get("min.insync.replicas"));
        }
    }

    @ParameterizedTest
    @CsvSource({"EVENTS_TOPIC_PARTITIONS, 0", "EVENTS_TOPIC_PARTITIONS, many", "TOPIC_REPLICATION_FACTOR, 0",
            "TOPIC_REPLICATION_FACTOR, -2", "DLQ_RETENTION_MS, soon", "HISTORICAL_TOPIC_PARTITIONS, 0", "KAFKA_BOOTSTRAP_SERVERS, ''"})
    void aBadValueNamesItsVariable(String variable, String value) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092"));
        env.put(variable, value);
        var error = assertThrows(IllegalArgumentException.class, () -> TopicsConfig.from(env));
        assertTrue(error.getMessage().contains(variable), error.getMessage());
    }
}
