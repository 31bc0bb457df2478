package com.clickhouse.analytics.gateway.encode;

/**
 * One Kafka record ready to produce: the partition key and the event's record bytes
 * ({@code EventCodec}'s {@code "v":1} JSON). What the sink sees of an event; the arrays are not
 * copied and must not be changed.
 *
 * @param key   {@code PartitionKey} of the event (api key and distinct id)
 * @param value the record, UTF-8 JSON
 */
public record PreparedRecord(byte[] key, byte[] value) {

    /** Bytes this record takes in the producer's buffer, as the sink counts them in flight. */
    public int size() {
        return key.length + value.length;
    }
}
