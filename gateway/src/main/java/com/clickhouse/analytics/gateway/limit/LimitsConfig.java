package com.clickhouse.analytics.gateway.limit;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The limits and lanes of the gateway ({@code gateway.limits} and {@code gateway.lanes} in
 * {@code gateway.conf}), all off by default. A rate of 0 switches its limit off.
 *
 * @param keyRate            events per second one api key may send (token bucket refill), 0 = off
 * @param keyBurst           the api key bucket's capacity: events sent at once after a quiet period
 * @param distinctIdRate     events per second one {@code key:distinct_id} may send, 0 = off
 * @param distinctIdBurst    capacity of each {@code key:distinct_id} bucket
 * @param distinctIdBuckets  how many {@code key:distinct_id} buckets are kept (least recently used go first)
 * @param dropList           {@code key} or {@code key:distinct_id} entries whose events are accepted and not produced
 * @param overflowRate       events per second of one {@code key:distinct_id} above which its events are spread, 0 = off
 * @param overflowBurst      capacity of each overflow bucket
 * @param historicalTopic    topic of {@code historical_migration} batches, or empty: they go to the events topic
 * @param historicalAfter    events older than this go to the historical topic too; {@link Duration#ZERO} = off
 */
public record LimitsConfig(
        long keyRate,
        long keyBurst,
        long distinctIdRate,
        long distinctIdBurst,
        int distinctIdBuckets,
        Set<String> dropList,
        long overflowRate,
        long overflowBurst,
        String historicalTopic,
        Duration historicalAfter) {

    /** Nothing limited, nothing dropped, one lane. */
    public static final LimitsConfig OFF = new LimitsConfig(0, 0, 0, 0, 1, Set.of(), 0, 0, "", Duration.ZERO);

    public LimitsConfig {
        dropList = Set.copyOf(dropList);
        Objects.requireNonNull(historicalTopic, "historicalTopic");
        Objects.requireNonNull(historicalAfter, "historicalAfter");
    }

    /** Whether any of the limits or lanes is on; when none is, the capture path skips the step. */
    public boolean any() {
        return keyRate > 0 || distinctIdRate > 0 || !dropList.isEmpty() || overflowRate > 0 || !historicalTopic.isEmpty();
    }
}
