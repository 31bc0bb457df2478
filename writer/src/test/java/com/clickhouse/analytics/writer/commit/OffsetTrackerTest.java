package com.clickhouse.analytics.writer.commit;

import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.writer.batch.Batch;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only inserted batches move a partition's commit; the fence precedes the write; revocation forgets. */
class OffsetTrackerTest {

    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);
    private static final String TOPIC_ID = "yG3Zk1mTRbWq2i0vFh7c6A";

    private static Batch batch(TopicPartition tp, long first, long last) {
        return new Batch(tp, TOPIC_ID, first, last, List.of(new SourceRecord(tp, first, null, new byte[1], 0)), 1, Batch.CloseReason.ROWS);
    }

    @Test
    void theFenceIsTheFirstOffsetWithTheLastInItsMetadataAndCarriesOtherPartitionsPendingEnds() {
        OffsetTracker offsets = new OffsetTracker();
        offsets.assigned(P0, 100);
        offsets.assigned(P1, 7);
        offsets.inserted(batch(P1, 7, 9));
        assertEquals(Map.of(P0, new OffsetAndMetadata(100, "cpa2:" + TOPIC_ID + ":last=149"), P1, new OffsetAndMetadata(10, "")),
                offsets.fencesFor(List.of(batch(P0, 100, 149))));
    }

    @Test
    void anInsertedBatchIsPendingUntilThatVeryCommitSucceeds() {
        OffsetTracker offsets = new OffsetTracker();
        offsets.assigned(P0, 100);
        offsets.inserted(batch(P0, 100, 149));
        assertEquals(Map.of(P0, new OffsetAndMetadata(150, "")), offsets.pending());

        offsets.committed(Map.of(P0, new OffsetAndMetadata(100, "cpa2:" + TOPIC_ID + ":last=149"))); // the fence, not the end
        assertEquals(Map.of(P0, new OffsetAndMetadata(150, "")), offsets.pending());
        assertEquals(100, offsets.committedOffset(P0));

        offsets.committed(offsets.pending());
        assertTrue(offsets.pending().isEmpty());
        assertEquals(150, offsets.committedOffset(P0));
    }

    @Test
    void revocationForgetsThePendingCommitAndThePosition() {
        OffsetTracker offsets = new OffsetTracker();
        offsets.assigned(P0, 100);
        offsets.inserted(batch(P0, 100, 149));
        offsets.revoked(P0);
        assertTrue(offsets.pending().isEmpty());
        assertEquals(-1, offsets.committedOffset(P0));
        offsets.committed(Map.of(P0, new OffsetAndMetadata(150, ""))); // a late commit of a partition we no longer own
        assertEquals(-1, offsets.committedOffset(P0));
    }
}
