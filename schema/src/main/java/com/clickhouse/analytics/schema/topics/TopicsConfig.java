package com.clickhouse.analytics.schema.topics;

import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.ops.config.Settings;

/**
 * What the {@code topics} entry point creates, read once from {@code topics.conf} and the
 * environment (docs/conventions.md): the events topic ({@code EVENTS_TOPIC},
 * {@code EVENTS_TOPIC_PARTITIONS}, {@code EVENTS_RETENTION_MS}) and the dead-letter topic
 * ({@code DLQ_TOPIC}, {@code DLQ_TOPIC_PARTITIONS}, {@code DLQ_RETENTION_MS}) and the historical lane's topic
 * ({@code HISTORICAL_TOPIC}, empty for none, {@code HISTORICAL_TOPIC_PARTITIONS}, {@code HISTORICAL_RETENTION_MS}), all with
 * {@code TOPIC_REPLICATION_FACTOR} (-1: the broker's default) and {@code TOPIC_MIN_INSYNC_REPLICAS}
 * (0: the broker's default), on {@code KAFKA_BOOTSTRAP_SERVERS} with the {@code KAFKA_*} client settings.
 */
public record TopicsConfig(String bootstrapServers, Map<String, String> kafkaClientProperties, List<TopicSpec> topics) {

    static final Map<String, String> ENVIRONMENT = Map.ofEntries(
            Map.entry("KAFKA_BOOTSTRAP_SERVERS", "topics.kafka.bootstrap-servers"),
            Map.entry("EVENTS_TOPIC", "topics.events.name"),
            Map.entry("EVENTS_TOPIC_PARTITIONS", "topics.events.partitions"),
            Map.entry("EVENTS_RETENTION_MS", "topics.events.retention-ms"),
            Map.entry("DLQ_TOPIC", "topics.dlq.name"),
            Map.entry("DLQ_TOPIC_PARTITIONS", "topics.dlq.partitions"),
            Map.entry("DLQ_RETENTION_MS", "topics.dlq.retention-ms"),
            Map.entry("HISTORICAL_TOPIC", "topics.historical.name"),
            Map.entry("HISTORICAL_TOPIC_PARTITIONS", "topics.historical.partitions"),
            Map.entry("HISTORICAL_RETENTION_MS", "topics.historical.retention-ms"),
            Map.entry("TOPIC_REPLICATION_FACTOR", "topics.replication-factor"),
            Map.entry("TOPIC_MIN_INSYNC_REPLICAS", "topics.min-insync-replicas"));

    public TopicsConfig {
        kafkaClientProperties = Map.copyOf(kafkaClientProperties);
        topics = List.copyOf(topics);
    }

    /** @throws IllegalArgumentException naming the variable at fault */
    public static TopicsConfig from(Map<String, String> env) {
        Settings s = Settings.load(TopicsConfig.class, "topics.conf", ENVIRONMENT, env, Map.of());
        short replication = (short) s.intIn("topics.replication-factor", -1, Short.MAX_VALUE);
        if (replication == 0) {
            throw s.invalid("topics.replication-factor", "must be -1 (the broker's default) or at least 1");
        }
        int minInsync = s.intIn("topics.min-insync-replicas", 0, Short.MAX_VALUE);
        List<TopicSpec> topics = new java.util.ArrayList<>(List.of(
                topic(s, "events", replication, minInsync),
                topic(s, "dlq", replication, minInsync)));
        if (!s.string("topics.historical.name").isBlank()) {
            topics.add(topic(s, "historical", replication, minInsync));
        }
        return new TopicsConfig(s.required("topics.kafka.bootstrap-servers"), s.kafkaPassThrough(), topics);
    }

    private static TopicSpec topic(Settings s, String lane, short replication, int minInsync) {
        String path = "topics." + lane;
        Map<String, String> configs = new java.util.TreeMap<>();
        configs.put("retention.ms", Long.toString(s.longIn(path + ".retention-ms", -1, Long.MAX_VALUE)));
        if (minInsync > 0) {
            configs.put("min.insync.replicas", Integer.toString(minInsync));
        }
        return new TopicSpec(s.required(path + ".name"), s.intIn(path + ".partitions", 1, 10_000), replication, configs);
    }

    @Override
    public String toString() {
        return "TopicsConfig[" + bootstrapServers + ", " + topics + "]"; // never the client properties: they may hold secrets
    }
}
