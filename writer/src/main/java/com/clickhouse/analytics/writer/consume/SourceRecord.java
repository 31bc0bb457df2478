package com.clickhouse.analytics.writer.consume;

import java.util.Objects;

import org.apache.kafka.common.TopicPartition;

/**
 * One Kafka record as the writer keeps it until its batch is written: where it came from and its
 * bytes, undecoded (decoding happens once per write attempt, so a batch costs its raw bytes while
 * it waits, and the original bytes are at hand for the dead-letter topic).
 */
public record SourceRecord(TopicPartition partition, long offset, byte[] key, byte[] value, long timestampMs) {

    public SourceRecord {
        Objects.requireNonNull(partition, "partition");
    }

    /** What the record counts toward the batch byte bound. */
    public int size() {
        return (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    }

    @Override
    public String toString() {
        return partition + "@" + offset;
    }
}
