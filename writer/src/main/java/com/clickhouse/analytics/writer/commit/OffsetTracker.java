package com.clickhouse.analytics.writer.commit;

import java.util.HashMap;
import java.util.Map;

import com.clickhouse.analytics.writer.batch.Batch;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What may be committed per partition: the offset after the last batch that is durably in
 * ClickHouse (or the dead-letter topic), and the fence of the batch about to be written (see
 * {@link ReplayFence}). Only offsets of inserted batches ever move forward; a revoked partition's
 * pending commit is dropped with it. Not thread-safe: owned by the consumer thread.
 */
public final class OffsetTracker {

    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /** The partition's committed position when it was assigned (or -1 when it has none). */
    public void assigned(TopicPartition partition, long committedOffset) {
        committed.put(partition, committedOffset);
        pending.remove(partition);
    }

    public void revoked(TopicPartition partition) {
        committed.remove(partition);
        pending.remove(partition);
    }

    /** The batch is durably written: its end may be committed, with no fence. */
    public void inserted(Batch batch) {
        pending.put(batch.partition(), new OffsetAndMetadata(batch.lastOffset() + 1, ""));
    }

    /**
     * Commits to make before writing {@code batches}: each batch's first offset with its fence,
     * plus whatever inserted offsets are still uncommitted for other partitions.
     */
    public Map<TopicPartition, OffsetAndMetadata> fencesFor(Iterable<Batch> batches) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(pending);
        for (Batch batch : batches) {
            commit.put(batch.partition(), new OffsetAndMetadata(batch.firstOffset(), ReplayFence.metadata(batch.logId(), batch.lastOffset())));
        }
        return commit;
    }

    /** Inserted offsets not yet committed. */
    public Map<TopicPartition, OffsetAndMetadata> pending() {
        return Map.copyOf(pending);
    }

    /** These commits succeeded. */
    public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> {
            if (committed.containsKey(tp)) {
                committed.put(tp, om.offset());
            }
            if (om.equals(pending.get(tp))) {
                pending.remove(tp);
            }
        });
    }

    /** The last committed position of an owned partition, or -1. */
    public long committedOffset(TopicPartition partition) {
        return committed.getOrDefault(partition, -1L);
    }
}
