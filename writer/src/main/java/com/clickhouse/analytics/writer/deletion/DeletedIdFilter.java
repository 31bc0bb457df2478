package com.clickhouse.analytics.writer.deletion;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongConsumer;

import com.clickhouse.analytics.schema.record.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's deletion step: drops events of deleted distinct ids before identities are resolved,
 * so neither the event nor a person row for it is written and a deleted person does not come back
 * from events still in Kafka or arriving late. An event is dropped when its {@code distinct_id}, or
 * the other id of an {@code $identify} / {@code $create_alias}, is on the list for its key or for
 * every key.
 *
 * <p>The list is held in memory, at most {@code maxEntries} ids (the newest), and read again when
 * {@code refresh} has passed since the last read, on the thread that prepares batches. A failed
 * read keeps the previous copy and is retried a second later. So an id takes effect at most
 * {@code refresh} plus one batch after it was listed, which is what {@code delete-person} waits for
 * before it deletes rows. Not thread-safe: one preparing thread.
 */
public final class DeletedIdFilter {

    /** Drops nothing: for writers and tests without a deletion list. */
    public static final DeletedIdFilter NONE = new DeletedIdFilter(limit -> java.util.List.of(), 1, Duration.ofDays(365_000),
            Clock.systemUTC(), n -> { });

    private static final Logger LOG = LoggerFactory.getLogger(DeletedIdFilter.class);
    private static final char SEPARATOR = '\u0000';

    private final DeletionList list;
    private final int maxEntries;
    private final Duration refresh;
    private final Clock clock;
    private final LongConsumer dropped;
    private Set<String> deleted = Set.of();
    private long nextRefreshMillis = Long.MIN_VALUE; // millis, not an Instant: checked for every event without garbage

    /**
     * @param dropped told how many events each batch dropped (the metric)
     */
    public DeletedIdFilter(DeletionList list, int maxEntries, Duration refresh, Clock clock, LongConsumer dropped) {
        if (maxEntries <= 0 || refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("maxEntries and refresh must be positive: " + maxEntries + ", " + refresh);
        }
        this.list = list;
        this.maxEntries = maxEntries;
        this.refresh = refresh;
        this.clock = clock;
        this.dropped = dropped;
    }

    /** Whether {@code event} belongs to a deleted distinct id; counts it when so. */
    public boolean drops(Event event) {
        refreshIfDue();
        if (deleted.isEmpty()) {
            return false;
        }
        String project = event.project();
        boolean drop = listed(project, event.distinctId()) || listed(project, event.anonDistinctId()) || listed(project, event.alias());
        if (drop) {
            dropped.accept(1);
        }
        return drop;
    }

    private boolean listed(String project, String distinctId) {
        return distinctId != null && (deleted.contains(SEPARATOR + distinctId) || deleted.contains(project + SEPARATOR + distinctId));
    }

    private void refreshIfDue() {
        long now = clock.millis();
        if (now < nextRefreshMillis) {
            return;
        }
        try {
            var ids = list.newest(maxEntries);
            Set<String> next = new HashSet<>(ids.size() * 2);
            ids.forEach(id -> next.add(id.project() + SEPARATOR + id.distinctId()));
            if (ids.size() >= maxEntries) {
                LOG.error("the deletion list has {} or more ids; only the newest {} are enforced (raise WRITER_DELETION_LIST_MAX)",
                        maxEntries, maxEntries);
            }
            deleted = next;
            nextRefreshMillis = now + refresh.toMillis();
        } catch (RuntimeException e) {
            LOG.warn("cannot read the deletion list ({}); keeping the previous {} ids and trying again", e.getMessage(), deleted.size());
            nextRefreshMillis = now + 1_000; // not once per event of this batch
        }
    }

    @Override
    public String toString() {
        return "DeletedIdFilter[" + list + ", max " + maxEntries + ", refresh " + refresh + "]";
    }
}
