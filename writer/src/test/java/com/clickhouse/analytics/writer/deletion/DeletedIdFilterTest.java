package com.clickhouse.analytics.writer.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import org.junit.jupiter.api.Test;

/** The deletion step with a plain list: which events it drops, when it reads the list again, what a failed read does. */
class DeletedIdFilterTest {

    private final List<DeletionList.DeletedId> listed = new ArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private boolean failing;
    private final DeletionList list = limit -> {
        reads.incrementAndGet();
        if (failing) {
            throw new IllegalStateException("ClickHouse is down");
        }
        return List.copyOf(listed.subList(0, Math.min(limit, listed.size())));
    };
    private final MutableClock clock = new MutableClock();
    private final AtomicLong dropped = new AtomicLong();

    @Test
    void dropsEventsOfIdsListedForTheirKeyOrForEveryKey() {
        listed.add(new DeletionList.DeletedId("", "gone-everywhere"));
        listed.add(new DeletionList.DeletedId("key-a", "gone-in-a"));
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

    @Test
    void readsTheListAgainOnlyAfterTheRefreshIntervalAndKeepsItsCopyWhenAReadFails() {
        DeletedIdFilter filter = new DeletedIdFilter(list, 100, Duration.ofSeconds(10), clock, dropped::addAndGet);
        assertEquals(false, filter.drops(event("k", "x", null)));
        listed.add(new DeletionList.DeletedId("", "x"));
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
    void holdsAtMostTheNewestMaxEntriesAndRefusesBadSettings() {
        listed.add(new DeletionList.DeletedId("", "newest"));
        listed.add(new DeletionList.DeletedId("", "older"));
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
