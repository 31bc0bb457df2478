package com.clickhouse.analytics.writer.batch;

import java.util.List;
import java.util.Objects;

import com.clickhouse.analytics.writer.commit.ReplayFence;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A closed, immutable run of consecutive records of one partition: {@code firstOffset} to
 * {@code lastOffset} inclusive. Once closed its boundaries never change, and before it is written
 * they are fenced in Kafka (see {@link ReplayFence}) so a replay after a crash rebuilds the very same
 * batch and ClickHouse drops it by its {@link #deduplicationToken()}.
 */
public record Batch(TopicPartition partition, long firstOffset, long lastOffset, List<SourceRecord> records, long bytes,
                    CloseReason reason) {

    /** Why a batch closed; a metric label. */
    public enum CloseReason { ROWS, BYTES, AGE, FENCE, REVOKE, SHUTDOWN }

    public Batch {
        Objects.requireNonNull(partition, "partition");
        records = List.copyOf(records);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a batch has at least one record");
        }
        if (firstOffset > lastOffset) {
            throw new IllegalArgumentException("firstOffset " + firstOffset + " > lastOffset " + lastOffset);
        }
    }

    /** {@code topic-partition-first-last}: the same range of the log always gives the same token. */
    public String deduplicationToken() {
        return token(partition, firstOffset, lastOffset);
    }

    public static String token(TopicPartition tp, long first, long last) {
        return tp.topic() + "-" + tp.partition() + "-" + first + "-" + last;
    }

    public int rows() {
        return records.size();
    }

    @Override
    public String toString() {
        return "Batch[" + deduplicationToken() + ", " + records.size() + " records, " + bytes + " B, " + reason + "]";
    }
}
