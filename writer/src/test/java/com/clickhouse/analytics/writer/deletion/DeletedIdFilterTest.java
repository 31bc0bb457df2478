package com.clickhouse.analytics.writer.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deletion step over the real {@code deleted_distinct_ids} table: which events it drops, when it
 * reads the list again, what a failed read does (the list of a database that does not exist).
 */
class DeletedIdFilterTest {

    private TestClickHouse ch;
    private final AtomicInteger reads = new AtomicInteger();
    private boolean failing;
    private DeletionList list;
    private final MutableClock clock = new MutableClock();
    private final AtomicLong dropped = new AtomicLong();

    @BeforeEach
    void open() throws Exception {
        ch = TestClickHouse.create(Infrastructure.shared().clickHouse(), "deleted").migrate(SchemaMigrator::migrate);
        DeletionList stored = new ClickHouseDeletionList(ch.client, ch.database);
        DeletionList unreachable = new ClickHouseDeletionList(ch.client, ch.database + "_missing");
        list = limit -> { // counts the reads the filter makes
            reads.incrementAndGet();
            return (failing ? unreachable : stored).newest(limit);
        };
    }

    @AfterEach
    void close() {
        ch.close();
    }

    /** Lists {@code distinctId} for {@code apiKey} ({@code ""}: every key), deleted {@code secondsAgo} before now. */
    private void delete(String apiKey, String distinctId, int secondsAgo) throws Exception {
        ch.execute("INSERT INTO {db}.deleted_distinct_ids (api_key, distinct_id, person_id, deletion_id, deleted_at) VALUES ('"
                + apiKey + "', '" + distinctId + "', generateUUIDv4(), generateUUIDv4(), now64(6) - " + secondsAgo + ")");
    }

    @Test
    void dropsEventsOfIdsListedForTheirKeyOrForEveryKey() throws Exception {
        delete("", "gone-everywhere", 0);
        delete("key-a", "gone-in-a", 0);
        DeletedIdFilter filter = new DeletedIdFilter(list, 100, Duration.ofSeconds(10), clock, dropped::addAndGet);
        record Case(String apiKey, String distinctId, String anon, boolean drop) {
        }
        List<Case> cases = List.of(
                new Case("key-a", "gone-everywhere", null, true),
                new Case("key-b", "gone-everywhere", null, true),
                new Case("key-a", "gone-in-a", null, true),
                new Case("key-b", "gone-in-a", null, false),
                new Case("key-a", "still-here", null, false),
                new Case("key-a", "new-login", "gone-everywhere", true), // $identify of a deleted anonymous id
                new Case("key-a", "new-login", "still-here", false));
        for (Case c : cases) {
            assertEquals(c.drop, filter.drops(event(c.apiKey, c.distinctId, c.anon)), c.toString());
        }
        assertEquals(cases.stream().filter(Case::drop).count(), dropped.get());
    }

    /** Since V009 an entry is per project: two keys of project shop share it; an old entry (api_key only) is its key's project. */
    @Test
    void dropsEventsOfIdsListedForTheirProject() throws Exception {
        ch.execute("INSERT INTO {db}.deleted_distinct_ids (api_key, project, distinct_id, person_id, deletion_id) VALUES"
                + " ('shop', 'shop', 'gone-in-shop', generateUUIDv4(), generateUUIDv4())");
        delete("key-a", "gone-in-a", 0);
        DeletedIdFilter filter = new DeletedIdFilter(list, 100, Duration.ofSeconds(10), clock, dropped::addAndGet);
        assertEquals(true, filter.drops(event("s1", "gone-in-shop", null).with(RecordField.PROJECT, "shop")));
        assertEquals(true, filter.drops(event("s2", "gone-in-shop", null).with(RecordField.PROJECT, "shop")));
        assertEquals(false, filter.drops(event("s1", "gone-in-shop", null)), "key s1 as a bare key: another project");
        assertEquals(false, filter.drops(event("key-b", "gone-in-a", null)));
        assertEquals(true, filter.drops(event("k2", "gone-in-a", null).with(RecordField.PROJECT, "key-a")),
                "an entry from before projects: its api key is its project");
    }

    @Test
    void readsTheListAgainOnlyAfterTheRefreshIntervalAndKeepsItsCopyWhenAReadFails() throws Exception {
        DeletedIdFilter filter = new DeletedIdFilter(list, 100, Duration.ofSeconds(10), clock, dropped::addAndGet);
        assertEquals(false, filter.drops(event("k", "x", null)));
        delete("", "x", 0);
        clock.advance(Duration.ofSeconds(9));
        assertEquals(false, filter.drops(event("k", "x", null)), "not refreshed yet");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(true, filter.drops(event("k", "x", null)));
        assertEquals(2, reads.get());

        failing = true;
        clock.advance(Duration.ofSeconds(10));
        assertEquals(true, filter.drops(event("k", "x", null)), "previous copy kept");
        assertEquals(true, filter.drops(event("k", "x", null)));
        assertEquals(3, reads.get(), "a failed read is retried a second later, not for every event");
        failing = false;
        clock.advance(Duration.ofSeconds(1));
        filter.drops(event("k", "x", null));
        assertEquals(4, reads.get());
    }

    @Test
    void holdsAtMostTheNewestMaxEntriesAndRefusesBadSettings() throws Exception {
        delete("", "newest", 1);
        delete("", "older", 100);
        DeletedIdFilter filter = new DeletedIdFilter(list, 1, Duration.ofSeconds(10), clock, dropped::addAndGet);
        assertEquals(true, filter.drops(event("k", "newest", null)));
        assertEquals(false, filter.drops(event("k", "older", null)));
        assertThrows(IllegalArgumentException.class, () -> new DeletedIdFilter(list, 0, Duration.ofSeconds(10), clock, n -> { }));
        assertThrows(IllegalArgumentException.class, () -> new DeletedIdFilter(list, 1, Duration.ZERO, clock, n -> { }));
        assertEquals(false, DeletedIdFilter.NONE.drops(event("k", "newest", null)));
    }

    private static Event event(String apiKey, String distinctId, String anon) {
        Instant t = Instant.parse("2026-04-01T00:00:00Z");
        return new Event(UUID.randomUUID(), apiKey, anon == null ? "$pageview" : "$identify", distinctId, "{}", t, null, t, null, null,
                PassThrough.NONE.with(RecordField.ANON_DISTINCT_ID, anon));
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-04-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
