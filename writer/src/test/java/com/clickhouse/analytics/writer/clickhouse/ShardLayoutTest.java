package com.clickhouse.analytics.writer.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Parsing {@code CLICKHOUSE_SHARDS}, Distributed's weight rule, the split of a batch and the per-shard tokens. */
class ShardLayoutTest {

    @Test
    void parsesUrlsInOrderWithOptionalWeights() {
        ShardLayout layout = ShardLayout.parse(" http://ch-0:8123 , https://ch-1.example.com:8443*3,http://ch-2:8123*0");
        assertEquals(List.of(new ShardLayout.Shard(0, "http://ch-0:8123", 1), new ShardLayout.Shard(1, "https://ch-1.example.com:8443", 3),
                new ShardLayout.Shard(2, "http://ch-2:8123", 0)), layout.shards());
        assertTrue(ShardLayout.parse("").isEmpty());
        assertTrue(ShardLayout.parse("   ").isEmpty());
        assertTrue(ShardLayout.NONE.isEmpty());
    }

    @Test
    void refusesWhatCannotBeAShardListSayingWhy() {
        assertRefused("http://a:8123,,http://b:8123", "empty entry");
        assertRefused("http://a:8123,", "empty entry");
        assertRefused("a:8123", "http:// or https://");
        assertRefused("http://user:pw@a:8123", "credentials");
        assertRefused("http://a:8123*two", "weight 'two'");
        assertRefused("http://a:8123*-1", "weight '-1'");
        assertRefused("http://a:8123*4294967296", "weight '4294967296'");
        assertRefused("http://a:8123,http://a:8123/", "twice");
        assertRefused("http://a:8123*0,http://b:8123*0", "weight 0");
        assertRefused("http://a b:8123", "not a URL");
    }

    @Test
    void weightsFollowDistributedsRule() {
        // Weights 1, 3, 0, 2 (total 6): key % 6 = 0 → shard 0; 1..3 → shard 1; 4..5 → shard 3; shard 2 never.
        ShardLayout layout = ShardLayout.parse("http://a:1*1,http://b:1*3,http://c:1*0,http://d:1*2");
        int[] expected = {0, 1, 1, 1, 3, 3};
        for (long key = 0; key < 60; key++) {
            assertEquals(expected[(int) (key % 6)], layout.shardOfKey(key), "key " + key);
        }
        // The key is a UInt64: -1L is 2^64 - 1, and (2^64 - 1) % 6 = 3.
        assertEquals(1, layout.shardOfKey(-1L));
        assertEquals(expected[(int) Long.remainderUnsigned(0x9ae16a3b2f90404fL, 6)], layout.shardOfKey(0x9ae16a3b2f90404fL));
        ShardLayout two = ShardLayout.parse("http://a:1,http://b:1");
        assertEquals(Long.remainderUnsigned(CityHash64.hash("user-7".getBytes(java.nio.charset.StandardCharsets.UTF_8)), 2), two.shardOf("user-7"));
    }

    @Test
    void splitKeepsEveryRowOnceInItsShardInBatchOrder() {
        ShardLayout layout = ShardLayout.parse("http://a:1,http://b:1*2,http://c:1");
        List<EventRow> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            rows.add(row(i, "person-" + (i % 97)));
        }
        List<List<EventRow>> parts = layout.split(rows);
        assertEquals(3, parts.size());
        assertEquals(rows.size(), parts.stream().mapToInt(List::size).sum());
        for (int shard = 0; shard < 3; shard++) {
            long previous = -1;
            for (EventRow row : parts.get(shard)) {
                assertEquals(shard, layout.shardOf(row.event().distinctId()));
                assertTrue(row.source().offset() > previous, "batch order kept");
                previous = row.source().offset();
            }
            assertTrue(!parts.get(shard).isEmpty(), "97 distinct ids reach every shard");
        }
        assertEquals(parts, layout.split(rows), "a replay splits the same way");
    }

    @Test
    void tokensNameTheShardAndTheLayout() {
        ShardLayout layout = ShardLayout.parse("http://a:1,http://b:1");
        assertEquals("t-0-10-20/shard-0-of-1.1", layout.token("t-0-10-20", 0));
        assertEquals("t-0-10-20/shard-1-of-1.1", layout.token("t-0-10-20", 1));
        assertNotEquals(layout.token("t-0-10-20", 1), ShardLayout.parse("http://a:1,http://b:1,http://c:1").token("t-0-10-20", 1),
                "a shard added: new tokens, so no shard drops a different part as a duplicate");
        assertNotEquals(layout.token("t-0-10-20", 0), ShardLayout.parse("http://a:1*2,http://b:1").token("t-0-10-20", 0));
    }

    private static void assertRefused(String value, String says) {
        var e = assertThrows(IllegalArgumentException.class, () -> ShardLayout.parse(value));
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    private static EventRow row(long offset, String distinctId) {
        Instant t = Instant.parse("2026-03-01T00:00:00Z");
        Event e = new Event(UUID.randomUUID(), "k", "$pageview", distinctId, "{}", t, null, t, "", "", PassThrough.NONE);
        return new EventRow(new SourceRecord(new TopicPartition("t", 0), offset, null, new byte[0], 0), e, UUID.randomUUID());
    }
}
