package com.clickhouse.analytics.schema.record;

import java.nio.charset.StandardCharsets;

/**
 * The Kafka record key both tiers agree on: {@code api_key + ":" + distinct_id}, UTF-8. One
 * person's events of one project share a key, hence a partition, hence an order.
 */
public final class PartitionKey {

    private PartitionKey() {
    }

    public static byte[] of(String apiKey, String distinctId) {
        return (apiKey + ":" + distinctId).getBytes(StandardCharsets.UTF_8);
    }
}
