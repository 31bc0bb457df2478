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
 *
 * @param logId what names the log the offsets count in: the topic's id (see
 *              {@link com.clickhouse.analytics.writer.consume.TopicIds}), so a topic deleted and
 *              created again, whose offsets start at 0 again, never repeats a token
 */
public record Batch(TopicPartition partition, String logId, long firstOffset, long lastOffset, List<SourceRecord> records,
                    long bytes, CloseReason reason) {

    /** Why a batch closed; a metric label. */
    public enum CloseReason { ROWS, BYTES, AGE, FENCE, REVOKE, SHUTDOWN }

    public Batch {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(logId, "logId");
        records = List.copyOf(records);
        if (records.isEmpty()) {
            throw new IllegalArgumentException("a batch has at least one record");
        }
        if (firstOffset > lastOffset) {
            throw new IllegalArgumentException("firstOffset " + firstOffset + " > lastOffset " + lastOffset);
        }
    }

    /**
     * {@code logId-partition-first-last}: the same range of the same log always gives the same
     * token, and no range of another log (another topic, or the same name created again) does.
     */
    public String deduplicationToken() {
        return logId + "-" + partition.partition() + "-" + firstOffset + "-" + lastOffset;
    }

    public int rows() {
        return records.size();
    }

    @Override
    public String toString() {
        return "Batch[" + deduplicationToken() + ", " + records.size() + " records, " + bytes + " B, " + reason + "]";
    }
}
