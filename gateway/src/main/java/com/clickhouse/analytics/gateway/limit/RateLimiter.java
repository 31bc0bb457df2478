package com.clickhouse.analytics.gateway.limit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.ops.health.JsonText;
import io.github.bucket4j.ConsumptionProbe;

/**
 * The per-key and per-{@code key:distinct_id} rate limits. A request is limited as a whole and
 * counted per event, as PostHog's capture counts: it takes one token per event from its key's
 * bucket and, for each distinct id, one per event of that id from the {@code key:distinct_id}
 * bucket. Either all buckets have the tokens and the request passes, or the tokens already taken
 * are given back and the request is refused with 429 — nothing of it is produced, so a retry after
 * {@code Retry-After} sends it again whole without duplicating a part. A request with more events
 * than a bucket's burst could never pass: it is a 413, not a 429 a client would retry forever.
 */
final class RateLimiter {

    /** Told the limit's name and the request's events whenever a request is refused. */
    interface Refusals {
        void refused(String limit, int events);
    }

    private final TokenBuckets keys;
    private final TokenBuckets distinctIds;
    private final Refusals refusals;

    /**
     * @param keys        per-key buckets, or null
     * @param distinctIds per-{@code key:distinct_id} buckets, or null
     */
    RateLimiter(TokenBuckets keys, TokenBuckets distinctIds, Refusals refusals) {
        this.keys = keys;
        this.distinctIds = distinctIds;
        this.refusals = refusals;
    }

    boolean limitsDistinctIds() {
        return distinctIds != null;
    }

    /**
     * Takes the request's tokens or throws.
     *
     * @param events       events of the request (after the drop list)
     * @param perDistinctId events per distinct id, when {@link #limitsDistinctIds()}
     * @throws GatewayError 429 naming the limit, with the seconds until the tokens are there; 413 past a burst
     */
    void admit(String apiKey, int events, Map<String, Integer> perDistinctId) throws GatewayError {
        List<Taken> taken = new ArrayList<>();
        TokenBuckets at = null;
        try {
            if (keys != null) {
                at = keys;
                take(keys, apiKey, events, null, taken);
            }
            if (distinctIds != null) {
                at = distinctIds;
                for (Map.Entry<String, Integer> e : perDistinctId.entrySet()) {
                    take(distinctIds, apiKey + ":" + e.getKey(), e.getValue(), e.getKey(), taken);
                }
            }
        } catch (GatewayError e) {
            refusals.refused(at.name(), events);
            throw e;
        }
    }

    private static void take(TokenBuckets buckets, String id, int tokens, String distinctId, List<Taken> taken) throws GatewayError {
        if (tokens > buckets.burst()) {
            giveBack(taken);
            throw GatewayError.tooLarge(tokens + " events" + of(distinctId) + " exceed the " + buckets.name() + " rate limit's burst of "
                    + buckets.burst() + ": send smaller batches");
        }
        ConsumptionProbe probe = buckets.take(id, tokens);
        if (!probe.isConsumed()) {
            giveBack(taken);
            long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
            throw GatewayError.rateLimited("rate limit exceeded: " + buckets.name() + " limit of " + buckets.rate() + " events/s (burst "
                    + buckets.burst() + ")" + of(distinctId) + ", retry after " + seconds + " s", seconds);
        }
        taken.add(new Taken(buckets, id, tokens));
    }

    private static String of(String distinctId) {
        return distinctId == null ? "" : " for distinct id " + JsonText.quote(
                distinctId.length() > 64 ? distinctId.substring(0, 64) + "…" : distinctId);
    }

    private static void giveBack(List<Taken> taken) {
        for (Taken t : taken) {
            t.buckets.giveBack(t.id, t.tokens);
        }
    }

    private record Taken(TokenBuckets buckets, String id, long tokens) {
    }

    @Override
    public String toString() {
        return "RateLimiter[" + (keys == null ? "" : keys) + (keys != null && distinctIds != null ? ", " : "")
                + (distinctIds == null ? "" : distinctIds) + "]";
    }
}
