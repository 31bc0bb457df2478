package com.clickhouse.analytics.schema.topics;

import java.util.Map;
import java.util.Objects;

/**
 * One topic as the pipeline needs it.
 *
 * @param replicationFactor -1 for the broker's default ({@code default.replication.factor})
 * @param configs           topic settings, e.g. {@code retention.ms}; set on creation and kept set
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a topic needs a name");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + " needs at least one partition, not " + partitions);
        }
        if (replicationFactor < 1 && replicationFactor != -1) {
            throw new IllegalArgumentException("topic " + name + ": replication factor " + replicationFactor + " (use -1 for the broker's default)");
        }
        configs = Map.copyOf(configs);
    }
}
