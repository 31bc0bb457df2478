package com.clickhouse.analytics.writer.batch;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.clickhouse.analytics.writer.commit.ReplayFence;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Collects one partition's records into batches that close on row count, bytes or age, whichever
 * comes first, and holds at most one closed batch waiting to be written plus one open batch.
 *
 * <p>Invariants: records are added in offset order; a closed batch is handed out by {@link #ready}
 * until {@link #completed()} is called, so a failed write is retried with the same boundaries; when
 * a fence is set (see {@link ReplayFence}) the first batch closes exactly at the fenced offset and
 * ignores the other bounds. {@link #needsPause()} says when the consumer must stop fetching this
 * partition so memory stays bounded (a full open batch behind an unwritten closed one). Not
 * thread-safe: owned by the consumer thread.
 */
public final class PartitionBatcher {

    /** A fenced batch whose records never show up (retention deleted them) is closed after this long anyway. */
    static final Duration FENCE_PATIENCE = Duration.ofSeconds(30);

    private final TopicPartition partition;
    private final String logId;
    private final int maxRows;
    private final long maxBytes;
    private final long maxAgeMillis;
    private final Clock clock;

    private List<SourceRecord> open = new ArrayList<>();
    private long openBytes;
    private long openedAtMillis;
    private long fenceLastOffset = -1;
    /** The fence's log id, for the first batch only (an older writer's token format); else null. */
    private String firstBatchLogId;
    /** The offset the next record must have; -1 before the first. */
    private long nextOffset = -1;
    private Batch closed;

    /** @param logId the topic's id, which every batch's token carries (see {@link Batch#logId()}) */
    public PartitionBatcher(TopicPartition partition, String logId, int maxRows, long maxBytes, Duration maxAge, Clock clock) {
        if (maxRows < 1 || maxBytes < 1 || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("batch bounds must be positive: " + maxRows + " rows, " + maxBytes + " B, " + maxAge);
        }
        this.partition = partition;
        this.logId = logId;
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
        this.maxAgeMillis = maxAge.toMillis();
        this.clock = clock;
    }

    /**
     * The first batch must end at the fence's last offset, with the fence's log id in its token: a
     * previous owner may have written exactly that batch.
     */
    public void fence(ReplayFence.Fence fence) {
        if (!open.isEmpty() || closed != null) {
            throw new IllegalStateException("fence only before the first record of an assignment");
        }
        this.fenceLastOffset = fence.lastOffset();
        this.firstBatchLogId = fence.logId();
    }

    /**
     * Whether a record at {@code offset} would go back before records already added: the consumer
     * reset its position because the log was replaced (the topic deleted and created again).
     */
    public boolean isRewoundTo(long offset) {
        return nextOffset >= 0 && offset < nextOffset;
    }

    public void add(SourceRecord record) {
        nextOffset = record.offset() + 1;
        if (fenced() && record.offset() > fenceLastOffset) {
            // The fenced range is complete (its last records may be gone): close what we have first.
            fenceLastOffset = -1;
            if (!open.isEmpty()) {
                tryClose(Batch.CloseReason.FENCE);
            }
        }
        if (open.isEmpty()) {
            openedAtMillis = clock.millis();
        }
        open.add(record);
        openBytes += record.size();
        if (fenced()) {
            if (record.offset() >= fenceLastOffset) {
                fenceLastOffset = -1;
                tryClose(Batch.CloseReason.FENCE);
            }
            return;
        }
        if (open.size() >= maxRows) {
            tryClose(Batch.CloseReason.ROWS);
        } else if (openBytes >= maxBytes) {
            tryClose(Batch.CloseReason.BYTES);
        }
    }

    /** The batch to write now, if any: a closed one, or the open one once its age is up. */
    public Batch ready() {
        if (closed == null && !open.isEmpty()) {
            long age = clock.millis() - openedAtMillis;
            if (fenced() ? age >= Math.max(FENCE_PATIENCE.toMillis(), maxAgeMillis) : age >= maxAgeMillis) {
                fenceLastOffset = -1;
                tryClose(Batch.CloseReason.AGE);
            } else if (!fenced() && isFull()) {
                tryClose(open.size() >= maxRows ? Batch.CloseReason.ROWS : Batch.CloseReason.BYTES);
            }
        }
        return closed;
    }

    /** Closes the open batch regardless of bounds (revocation, shutdown) if nothing else is waiting. */
    public Batch closeNow(Batch.CloseReason reason) {
        if (closed == null && !open.isEmpty()) {
            fenceLastOffset = -1;
            tryClose(reason);
        }
        return closed;
    }

    /** The batch from {@link #ready} is written and committed; it is forgotten. */
    public void completed() {
        if (closed == null) {
            throw new IllegalStateException("no batch in flight for " + partition);
        }
        closed = null;
        if (!fenced() && isFull()) {
            tryClose(open.size() >= maxRows ? Batch.CloseReason.ROWS : Batch.CloseReason.BYTES);
        }
    }

    public boolean hasClosedBatch() {
        return closed != null;
    }

    public boolean needsPause() {
        return closed != null && isFull();
    }

    /** When the open batch's age bound expires, for the poll timeout; {@code Long.MAX_VALUE} if never. */
    public long deadlineMillis() {
        if (open.isEmpty() || closed != null) {
            return Long.MAX_VALUE;
        }
        return openedAtMillis + (fenced() ? Math.max(FENCE_PATIENCE.toMillis(), maxAgeMillis) : maxAgeMillis);
    }

    public int bufferedRecords() {
        return open.size() + (closed == null ? 0 : closed.rows());
    }

    private boolean fenced() {
        return fenceLastOffset >= 0;
    }

    private boolean isFull() {
        return open.size() >= maxRows || openBytes >= maxBytes;
    }

    private void tryClose(Batch.CloseReason reason) {
        if (closed != null || open.isEmpty()) {
            return; // one batch in flight at a time; the open one keeps growing until then (and the partition pauses)
        }
        closed = new Batch(partition, firstBatchLogId != null ? firstBatchLogId : logId, open.getFirst().offset(),
                open.getLast().offset(), open, openBytes, reason);
        firstBatchLogId = null;
        open = new ArrayList<>();
        openBytes = 0;
    }

    @Override
    public String toString() {
        return "PartitionBatcher[" + partition + ", open " + open.size() + ", in flight " + (closed == null ? "-" : closed) + "]";
    }
}
