package com.clickhouse.analytics.gateway.limit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

/**
 * One Bucket4j token bucket per name ({@code key} or {@code key:distinct_id}), all with the same
 * rate and burst, kept in a bounded Caffeine cache: memory stays bounded however many distinct ids
 * arrive. A name evicted (least recently used, or idle for {@link #IDLE}) starts again with a full
 * bucket — the price of the bound, and the same answer a bucket idle that long would give anyway
 * once its tokens refilled. Thread-safe: Bucket4j's local buckets are lock-free.
 */
final class TokenBuckets {

    /** A bucket idle this long is full again for any burst ≤ an hour's refill; dropping it loses nothing. */
    static final Duration IDLE = Duration.ofMinutes(10);

    private final String name;
    private final long rate;
    private final long burst;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets;

    /**
     * @param name  what the buckets limit, for messages ({@code key}, {@code distinct_id})
     * @param rate  tokens (events) added per second
     * @param burst capacity of each bucket
     * @param size  how many buckets are kept at most
     * @param time  Bucket4j's clock ({@link TimeMeter#SYSTEM_MILLISECONDS} in production)
     */
    TokenBuckets(String name, long rate, long burst, int size, TimeMeter time) {
        if (rate < 1 || burst < 1 || size < 1) {
            throw new IllegalArgumentException(name + ": rate, burst and size must be positive");
        }
        this.name = name;
        this.rate = rate;
        this.burst = burst;
        this.time = time;
        this.buckets = Caffeine.newBuilder().maximumSize(size).expireAfterAccess(IDLE).build();
    }

    String name() {
        return name;
    }

    long rate() {
        return rate;
    }

    long burst() {
        return burst;
    }

    /** Takes {@code tokens} from {@code id}'s bucket, or nothing: the probe says how long to wait. */
    ConsumptionProbe take(String id, long tokens) {
        return bucket(id).tryConsumeAndReturnRemaining(tokens);
    }

    /** Gives back tokens taken for a request that was refused by another limit after all. */
    void giveBack(String id, long tokens) {
        Bucket bucket = buckets.getIfPresent(id);
        if (bucket != null) {
            bucket.addTokens(tokens);
        }
    }

    /** Buckets held now (tests of the bound). */
    long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private Bucket bucket(String id) {
        return buckets.get(id, k -> Bucket.builder()
                .addLimit(limit -> limit.capacity(burst).refillGreedy(rate, Duration.ofSeconds(1)))
                .withCustomTimePrecision(time)
                .build());
    }

    @Override
    public String toString() {
        return name + " " + rate + "/s burst " + burst;
    }
}
