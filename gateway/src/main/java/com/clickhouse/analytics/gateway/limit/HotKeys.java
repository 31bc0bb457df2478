package com.clickhouse.analytics.gateway.limit;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import com.clickhouse.analytics.gateway.normalize.EventNormalizer;
import com.clickhouse.analytics.schema.record.Event;

/**
 * Hot-key overflow, as PostHog's capture relaxes partition locality for a burst of one
 * {@code token:distinct_id}: a {@code key:distinct_id} sending faster than the overflow rate (its
 * token bucket is empty) has its further events {@linkplain Route#SPREAD spread} over every
 * partition instead of piling onto one, so one runaway client cannot build lag on one partition
 * while the others idle.
 *
 * <p>What that gives up: the events of that distinct id are no longer in order with each other,
 * because they sit on several partitions that different writers may insert at different times.
 * The writer's identity step relies on that order only for events that change a person (a merge's
 * link must come before the events that follow it, {@code $set}s apply in order), so those stay on
 * the key's partition: {@code $identify}, {@code $create_alias}, {@code $merge_dangerously},
 * {@code $groupidentify}, and any event carrying {@code $set}, {@code $set_once} or {@code $unset}.
 * What a spread event can still do out of order is only what every event does — move the person's
 * {@code last_seen_at} and the derived {@code $current_url}/campaign properties PostHog also sets
 * from ordinary events — and each spread event still gets its distinct id's person as known when it
 * is written, like any event of another partition (writer/README.md, "the cross-partition ordering
 * caveat").
 */
final class HotKeys {

    private final TokenBuckets buckets;

    HotKeys(TokenBuckets buckets) {
        this.buckets = buckets;
    }

    /** Takes {@code events} tokens of the id's overflow bucket; false (and none taken) when it is hot. */
    boolean hot(String apiKey, String distinctId, int events) {
        return !buckets.take(apiKey + ":" + distinctId, events).isConsumed();
    }

    /** Whether an event must keep its key's order even when its distinct id is hot. */
    static boolean ordered(EventNormalizer.Accepted accepted) {
        Event e = accepted.event();
        return switch (e.event()) {
            case "$identify", "$create_alias", "$merge_dangerously", "$groupidentify" -> true;
            default -> e.set() != null || e.setOnce() != null || e.properties().contains("\"$unset\"");
        };
    }

    /**
     * A key no other record shares: the event's key, a zero byte, eight random bytes. Partitioned by
     * hash like any key, so the records of one hot id land on all partitions; the writer never reads
     * the key (the record's value names the key and distinct id).
     */
    static byte[] spread(byte[] key) {
        byte[] spread = Arrays.copyOf(key, key.length + 9);
        long random = ThreadLocalRandom.current().nextLong();
        for (int i = 0; i < 8; i++) {
            spread[key.length + 1 + i] = (byte) (random >>> (8 * i));
        }
        return spread;
    }

    @Override
    public String toString() {
        return "HotKeys[" + buckets + "]";
    }
}
