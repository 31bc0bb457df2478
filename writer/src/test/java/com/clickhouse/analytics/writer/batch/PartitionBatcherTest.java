package com.clickhouse.analytics.writer.batch;

import java.time.Duration;

import com.clickhouse.analytics.writer.ManualClock;
import com.clickhouse.analytics.writer.commit.ReplayFence;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionBatcherTest {

    private static final TopicPartition TP = new TopicPartition("events", 3);
    private static final String TOPIC_ID = "yG3Zk1mTRbWq2i0vFh7c6A";

    private final ManualClock clock = new ManualClock();

    private PartitionBatcher batcher(int rows, long bytes) {
        return new PartitionBatcher(TP, TOPIC_ID, rows, bytes, Duration.ofSeconds(1), clock);
    }

    private static SourceRecord record(long offset, int size) {
        return new SourceRecord(TP, offset, null, new byte[size], 0);
    }

    @Test
    void closesOnRowCount() {
        PartitionBatcher b = batcher(3, 1_000_000);
        b.add(record(10, 1));
        b.add(record(11, 1));
        assertNull(b.ready());
        b.add(record(12, 1));
        Batch batch = b.ready();
        assertEquals(10, batch.firstOffset());
        assertEquals(12, batch.lastOffset());
        assertEquals(Batch.CloseReason.ROWS, batch.reason());
        assertEquals(TOPIC_ID + "-3-10-12", batch.deduplicationToken());
    }

    @Test
    void closesOnBytes() {
        PartitionBatcher b = batcher(1000, 100);
        b.add(record(0, 60));
        assertNull(b.ready());
        b.add(record(1, 60));
        assertEquals(Batch.CloseReason.BYTES, b.ready().reason());
        assertEquals(120, b.ready().bytes());
    }

    @Test
    void closesOnAgeSoAQuietPartitionIsNeverHeldLongerThanTheBound() {
        PartitionBatcher b = batcher(1000, 1_000_000);
        b.add(record(0, 1));
        clock.advance(Duration.ofMillis(999));
        assertNull(b.ready());
        assertEquals(clock.millis() + 1, b.deadlineMillis());
        clock.advance(Duration.ofMillis(1));
        assertEquals(Batch.CloseReason.AGE, b.ready().reason());
    }

    @Test
    void aClosedBatchIsHandedOutUntilCompletedAndThePartitionPausesWhenTheNextIsFull() {
        PartitionBatcher b = batcher(2, 1_000_000);
        b.add(record(0, 1));
        b.add(record(1, 1));
        Batch first = b.ready();
        b.add(record(2, 1));
        b.add(record(3, 1));
        assertSame(first, b.ready(), "a failed write is retried with the same boundaries");
        assertTrue(b.needsPause());
        b.completed();
        assertFalse(b.needsPause());
        Batch second = b.ready();
        assertEquals(2, second.firstOffset());
        assertEquals(3, second.lastOffset());
    }

    @Test
    void aFenceReproducesThePreviousOwnersBatchWhateverTheBounds() {
        PartitionBatcher b = batcher(2, 10);
        b.fence(new ReplayFence.Fence(TOPIC_ID, 104));
        for (long offset = 100; offset < 104; offset++) {
            b.add(record(offset, 50));
            clock.advance(Duration.ofSeconds(2));
            assertNull(b.ready(), "rows, bytes and age do not close a fenced batch");
        }
        b.add(record(104, 50));
        Batch fenced = b.ready();
        assertEquals(100, fenced.firstOffset());
        assertEquals(104, fenced.lastOffset());
        assertEquals(Batch.CloseReason.FENCE, fenced.reason());
        assertEquals(TOPIC_ID + "-3-100-104", fenced.deduplicationToken());
        b.completed();
        b.add(record(105, 1));
        b.add(record(106, 1));
        assertEquals(Batch.CloseReason.ROWS, b.ready().reason(), "normal bounds after the fence");
    }

    @Test
    void aFenceOfTheOlderFormatKeepsTheOlderTokenForTheFencedBatchOnly() {
        PartitionBatcher b = batcher(2, 1_000_000);
        b.fence(ReplayFence.parse("cpa1:last=101", TP.topic()).orElseThrow());
        b.add(record(100, 1));
        b.add(record(101, 1));
        assertEquals("events-3-100-101", b.ready().deduplicationToken(), "what the previous writer may have inserted");
        b.completed();
        b.add(record(102, 1));
        b.add(record(103, 1));
        assertEquals(TOPIC_ID + "-3-102-103", b.ready().deduplicationToken());
    }

    @Test
    void tokensNameTheLogSoANewLogFromOffsetZeroNeverRepeatsThem() {
        PartitionBatcher old = batcher(2, 1_000_000);
        old.add(record(0, 1));
        old.add(record(1, 1));
        PartitionBatcher recreated = new PartitionBatcher(TP, "Qm9yYXRoZXJ0b3BpY2lkAA", 2, 1_000_000, Duration.ofSeconds(1), clock);
        recreated.add(record(0, 1));
        recreated.add(record(1, 1));
        assertEquals(old.ready().firstOffset(), recreated.ready().firstOffset());
        assertFalse(old.ready().deduplicationToken().equals(recreated.ready().deduplicationToken()));
    }

    @Test
    void aPositionThatGoesBackIsSeen() {
        PartitionBatcher b = batcher(100, 1_000_000);
        assertFalse(b.isRewoundTo(0), "nothing added yet: any start is fine");
        b.add(record(40, 1));
        b.add(record(41, 1));
        assertFalse(b.isRewoundTo(42));
        assertFalse(b.isRewoundTo(50), "gaps (compaction, transaction markers) are not a rewind");
        assertTrue(b.isRewoundTo(41));
        assertTrue(b.isRewoundTo(0));
    }

    @Test
    void aFenceWhoseLastRecordIsGoneClosesAtTheFirstLaterOffset() {
        PartitionBatcher b = batcher(100, 1_000_000);
        b.fence(new ReplayFence.Fence(TOPIC_ID, 7));
        b.add(record(5, 1));
        b.add(record(9, 1)); // 6..8 compacted away
        Batch fenced = b.ready();
        assertEquals(5, fenced.lastOffset());
        b.completed();
        clock.advance(Duration.ofSeconds(1));
        assertEquals(9, b.ready().firstOffset());
    }

    @Test
    void closeNowForRevocationAndShutdown() {
        PartitionBatcher b = batcher(100, 1_000_000);
        assertNull(b.closeNow(Batch.CloseReason.SHUTDOWN));
        b.add(record(0, 1));
        assertEquals(Batch.CloseReason.SHUTDOWN, b.closeNow(Batch.CloseReason.SHUTDOWN).reason());
    }

    @Test
    void replayFenceMetadataRoundTrips() {
        assertEquals(new ReplayFence.Fence(TOPIC_ID, 12345),
                ReplayFence.parse(ReplayFence.metadata(TOPIC_ID, 12345), "events").orElseThrow());
        assertEquals(new ReplayFence.Fence("events", 7), ReplayFence.parse("cpa1:last=7", "events").orElseThrow(),
                "the older format names the log by the topic's name, as its tokens did");
        assertTrue(ReplayFence.parse("", "events").isEmpty());
        assertTrue(ReplayFence.parse(null, "events").isEmpty());
        assertTrue(ReplayFence.parse("cpa1:last=x", "events").isEmpty());
        assertTrue(ReplayFence.parse("cpa2:" + TOPIC_ID + ":last=-1", "events").isEmpty());
        assertTrue(ReplayFence.parse("cpa2::last=5", "events").isEmpty());
        assertTrue(ReplayFence.parse("cpa2:" + TOPIC_ID, "events").isEmpty());
    }
}
