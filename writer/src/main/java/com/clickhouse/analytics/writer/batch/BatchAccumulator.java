package com.clickhouse.analytics.writer.batch;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.clickhouse.analytics.writer.commit.ReplayFence;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@link PartitionBatcher}s of the partitions this writer owns. Records of a partition that is
 * not assigned (a late record after revocation) are ignored. Not thread-safe: owned by the consumer thread.
 */
public final class BatchAccumulator {

    private final int maxRows;
    private final long maxBytes;
    private final Duration maxAge;
    private final Clock clock;
    private final Map<TopicPartition, PartitionBatcher> batchers = new HashMap<>();

    public BatchAccumulator(int maxRows, long maxBytes, Duration maxAge, Clock clock) {
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /**
     * A partition was assigned: its log is the topic with id {@code logId}; {@code fence} is the
     * previous owner's fenced batch, if it left one.
     */
    public void assign(TopicPartition partition, String logId, Optional<ReplayFence.Fence> fence) {
        PartitionBatcher batcher = new PartitionBatcher(partition, logId, maxRows, maxBytes, maxAge, clock);
        fence.ifPresent(batcher::fence);
        batchers.put(partition, batcher);
    }

    /** Whether the record goes back before records of its partition already added (see {@link PartitionBatcher#isRewoundTo}). */
    public boolean isRewound(SourceRecord record) {
        PartitionBatcher batcher = batchers.get(record.partition());
        return batcher != null && batcher.isRewoundTo(record.offset());
    }

    /** Forgets everything buffered for these partitions (revoked or lost: the next owner replays it). */
    public void drop(Collection<TopicPartition> partitions) {
        partitions.forEach(batchers::remove);
    }

    public void add(SourceRecord record) {
        PartitionBatcher batcher = batchers.get(record.partition());
        if (batcher != null) {
            batcher.add(record);
        }
    }

    /** At most one batch per partition, ready to write now. */
    public List<Batch> ready() {
        List<Batch> ready = new ArrayList<>();
        for (PartitionBatcher batcher : batchers.values()) {
            Batch batch = batcher.ready();
            if (batch != null) {
                ready.add(batch);
            }
        }
        return ready;
    }

    /** Closes open batches of {@code partitions} now and returns what is waiting to be written for them. */
    public List<Batch> closeNow(Collection<TopicPartition> partitions, Batch.CloseReason reason) {
        List<Batch> batches = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            PartitionBatcher batcher = batchers.get(tp);
            Batch batch = batcher == null ? null : batcher.closeNow(reason);
            if (batch != null) {
                batches.add(batch);
            }
        }
        return batches;
    }

    public void completed(Batch batch) {
        PartitionBatcher batcher = batchers.get(batch.partition());
        if (batcher != null) {
            batcher.completed();
        }
    }

    /** Whether some partition has a batch closed by rows, bytes or a fence, waiting to be written. */
    public boolean hasClosedBatch() {
        for (PartitionBatcher batcher : batchers.values()) {
            if (batcher.hasClosedBatch()) {
                return true;
            }
        }
        return false;
    }

    public Set<TopicPartition> partitionsToPause() {
        return batchers.entrySet().stream().filter(e -> e.getValue().needsPause()).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    public Set<TopicPartition> partitions() {
        return Set.copyOf(batchers.keySet());
    }

    /** Milliseconds until the earliest open batch reaches its age bound. */
    public long millisUntilNextDeadline() {
        long earliest = Long.MAX_VALUE;
        for (PartitionBatcher batcher : batchers.values()) {
            earliest = Math.min(earliest, batcher.deadlineMillis());
        }
        return earliest == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, earliest - clock.millis());
    }

    public int bufferedRecords(TopicPartition partition) {
        PartitionBatcher batcher = batchers.get(partition);
        return batcher == null ? 0 : batcher.bufferedRecords();
    }

    public int bufferedRecords() {
        int total = 0;
        for (PartitionBatcher batcher : batchers.values()) {
            total += batcher.bufferedRecords();
        }
        return total;
    }
}
