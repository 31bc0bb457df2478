package com.clickhouse.analytics.writer.clickhouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.clickhouse.analytics.writer.WriterException;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BisectingInserterTest {

    private static final TopicPartition TP = new TopicPartition("events", 0);

    /** A table that refuses any insert containing a bad offset, and records what it accepted. */
    static final class PickyTable implements BatchWriter {
        final Set<Long> bad;
        final List<Long> accepted = new ArrayList<>();
        final List<String> tokens = new ArrayList<>();

        PickyTable(Set<Long> bad) {
            this.bad = bad;
        }

        @Override
        public void insert(List<EventRow> rows, String token) {
            tokens.add(token);
            if (rows.stream().anyMatch(r -> bad.contains(r.source().offset()))) {
                throw new WriterException.RecordRejected(469, "violated", null);
            }
            rows.forEach(r -> accepted.add(r.source().offset()));
        }
    }

    private static List<EventRow> rows(int n) {
        List<EventRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new EventRow(new SourceRecord(TP, 100 + i, null, new byte[0], 0), null, null));
        }
        return rows;
    }

    @Test
    void aCleanBatchIsOneInsertWithTheBatchToken() {
        PickyTable table = new PickyTable(Set.of());
        assertEquals(List.of(), new BisectingInserter(table).insert(rows(10), "events-0-100-109"));
        assertEquals(List.of("events-0-100-109"), table.tokens);
    }

    @Test
    void badRowsAreIsolatedAndEveryGoodRowIsInsertedOnce() {
        PickyTable table = new PickyTable(Set.of(103L, 117L));
        List<BisectingInserter.Rejected> rejected = new BisectingInserter(table).insert(rows(20), "t");
        assertEquals(Set.of(103L, 117L), rejected.stream().map(r -> r.row().source().offset()).collect(Collectors.toSet()));
        assertEquals(18, table.accepted.size());
        assertEquals(18, Set.copyOf(table.accepted).size());
    }

    @Test
    void bisectionIsDeterministicSoAReplayReusesTheSameTokens() {
        PickyTable first = new PickyTable(Set.of(105L));
        PickyTable replay = new PickyTable(Set.of(105L));
        new BisectingInserter(first).insert(rows(16), "t");
        new BisectingInserter(replay).insert(rows(16), "t");
        assertEquals(first.tokens, replay.tokens);
    }

    @Test
    void subBatchTokensCarryTheBatchTokenSoAnotherLogNeverRepeatsThem() {
        PickyTable table = new PickyTable(Set.of(100L));
        new BisectingInserter(table).insert(rows(4), "topicid-0-100-103");
        assertEquals(List.of("topicid-0-100-103", "topicid-0-100-103/part-100-101", "topicid-0-100-103/part-100-100",
                "topicid-0-100-103/part-101-101", "topicid-0-100-103/part-102-103"), table.tokens);
    }

    @Test
    void retryableErrorsPropagateForARetryOfTheWholeBatch() {
        BatchWriter down = (rows, token) -> {
            throw new WriterException.Unavailable("clickhouse_unavailable", "down", null);
        };
        assertThrows(WriterException.Unavailable.class, () -> new BisectingInserter(down).insert(rows(4), "t"));
    }
}
