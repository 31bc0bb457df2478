package com.clickhouse.analytics.schema.record;

import java.nio.charset.StandardCharsets;

/**
 * The Kafka record key both tiers agree on: {@code project + ":" + distinct_id}, UTF-8 (the
 * project is the api key itself unless keys are named {@code project:key}, so a bare-key
 * configuration keys records exactly as before). One person's events of one project share a key,
 * hence a partition, hence an order, whichever of the project's keys sent them.
 */
public final class PartitionKey {

    private PartitionKey() {
    }

    public static byte[] of(String project, String distinctId) {
        return (project + ":" + distinctId).getBytes(StandardCharsets.UTF_8);
    }
}
