package com.clickhouse.analytics.gateway.encode;

/**
 * One Kafka record ready to produce: the partition key and the event's record bytes
 * ({@code EventCodec}'s {@code "v":1} JSON). What the sink sees of an event; the arrays are not
 * copied and must not be changed.
 *
 * @param key        {@code PartitionKey} of the event (api key and distinct id), or a key made unique
 *                   to spread a hot distinct id's records ({@code gateway.limit.HotKeys})
 * @param value      the record, UTF-8 JSON
 * @param historical whether it goes to the historical topic instead of the events topic
 */
public record PreparedRecord(byte[] key, byte[] value, boolean historical) {

    /** A record of the events topic. */
    public PreparedRecord(byte[] key, byte[] value) {
        this(key, value, false);
    }

    /** Bytes this record takes in the producer's buffer, as the sink counts them in flight. */
    public int size() {
        return key.length + value.length;
    }
}
