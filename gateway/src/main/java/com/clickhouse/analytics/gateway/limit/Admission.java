package com.clickhouse.analytics.gateway.limit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayMetrics;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer.Accepted;
import io.github.bucket4j.TimeMeter;

/**
 * The limits-and-lanes step between normalize and encode, in this order:
 * <ol>
 *   <li>the {@linkplain DropList drop list}: listed events are answered as ingested and not produced;</li>
 *   <li>the {@linkplain RateLimiter rate limits}: the whole request passes or is a 429 that produced nothing;</li>
 *   <li>the lane of each event: {@code historical_migration} batches, and events older than
 *       {@code historical-after} when set, go to the historical topic; a hot {@code key:distinct_id}'s
 *       other events are {@linkplain HotKeys spread}; the rest go live.</li>
 * </ol>
 * With everything off (the default) {@link #OFF} passes the events through untouched.
 */
public final class Admission {

    /** Every limit and lane off: the request's events, all live. */
    public static final Admission OFF = new Admission(null, null, null, false, Duration.ZERO, null);

    /**
     * The request's events that go on, and where.
     *
     * @param events    the events to produce, in request order
     * @param routes    the route of each event, or null when all are {@link Route#LIVE}
     * @param discarded events of the drop list: reported as ingested, not produced
     */
    public record Admitted(List<Accepted> events, Route[] routes, int discarded) {

        public Route route(int index) {
            return routes == null ? Route.LIVE : routes[index];
        }
    }

    private final DropList dropList;
    private final RateLimiter rateLimiter;
    private final HotKeys hotKeys;
    private final boolean historicalLane;
    private final Duration historicalAfter;
    private final GatewayMetrics metrics;

    private Admission(DropList dropList, RateLimiter rateLimiter, HotKeys hotKeys, boolean historicalLane,
                      Duration historicalAfter, GatewayMetrics metrics) {
        this.dropList = dropList;
        this.rateLimiter = rateLimiter;
        this.hotKeys = hotKeys;
        this.historicalLane = historicalLane;
        this.historicalAfter = historicalAfter;
        this.metrics = metrics;
    }

    /** The step for {@code config}; {@link #OFF} when nothing is on. */
    public static Admission of(LimitsConfig config, GatewayMetrics metrics, TimeMeter time) {
        if (!config.any()) {
            return OFF;
        }
        TokenBuckets keys = config.keyRate() > 0
                ? new TokenBuckets("key", config.keyRate(), config.keyBurst(), 10_000, time) : null;
        TokenBuckets ids = config.distinctIdRate() > 0
                ? new TokenBuckets("distinct_id", config.distinctIdRate(), config.distinctIdBurst(), config.distinctIdBuckets(), time) : null;
        RateLimiter limiter = keys == null && ids == null ? null : new RateLimiter(keys, ids, metrics::rateLimited);
        HotKeys hot = config.overflowRate() > 0 ? new HotKeys(new TokenBuckets("overflow", config.overflowRate(),
                config.overflowBurst(), config.distinctIdBuckets(), time)) : null;
        boolean historical = !config.historicalTopic().isEmpty();
        return new Admission(config.dropList().isEmpty() ? null : new DropList(config.dropList()), limiter, hot, historical,
                historical ? config.historicalAfter() : Duration.ZERO, metrics);
    }

    /**
     * @param historicalBatch the envelope's {@code historical_migration}
     * @param now             the request's receive time (for {@code historical-after})
     * @throws GatewayError 429 over a rate limit (nothing taken), 413 for a request larger than a limit's burst
     */
    public Admitted admit(String apiKey, boolean historicalBatch, List<Accepted> events, Instant now) throws GatewayError {
        if (this == OFF) {
            return new Admitted(events, null, 0);
        }
        int discarded = 0;
        if (dropList != null) {
            List<Accepted> kept = new ArrayList<>(events.size());
            for (Accepted a : events) {
                if (dropList.drops(apiKey, a.event().distinctId())) {
                    discarded++;
                } else {
                    kept.add(a);
                }
            }
            if (discarded > 0) {
                metrics.dropListed(discarded);
                events = kept;
            }
        }
        if (events.isEmpty()) {
            return new Admitted(events, null, discarded);
        }
        Map<String, Integer> perDistinctId = rateLimiter != null && rateLimiter.limitsDistinctIds() || hotKeys != null
                ? countPerDistinctId(events) : Map.of();
        if (rateLimiter != null) {
            rateLimiter.admit(apiKey, events.size(), perDistinctId);
        }
        return new Admitted(events, routes(apiKey, historicalBatch, events, perDistinctId, now), discarded);
    }

    private Route[] routes(String apiKey, boolean historicalBatch, List<Accepted> events, Map<String, Integer> perDistinctId,
                           Instant now) {
        int n = events.size();
        if (historicalLane && historicalBatch) {
            Route[] routes = new Route[n];
            Arrays.fill(routes, Route.HISTORICAL);
            metrics.historical(n);
            return routes;
        }
        Instant oldest = historicalAfter.isZero() ? null : now.minus(historicalAfter);
        Set<String> hot = Set.of();
        if (hotKeys != null) {
            hot = new HashSet<>();
            for (Map.Entry<String, Integer> e : perDistinctId.entrySet()) {
                if (hotKeys.hot(apiKey, e.getKey(), e.getValue())) {
                    hot.add(e.getKey());
                }
            }
        }
        if (oldest == null && hot.isEmpty()) {
            return null;
        }
        Route[] routes = new Route[n];
        int historical = 0;
        int spread = 0;
        for (int i = 0; i < n; i++) {
            Accepted a = events.get(i);
            if (oldest != null && a.event().timestamp().isBefore(oldest)) {
                routes[i] = Route.HISTORICAL;
                historical++;
            } else if (!hot.isEmpty() && hot.contains(a.event().distinctId()) && !HotKeys.ordered(a)) {
                routes[i] = Route.SPREAD;
                spread++;
            } else {
                routes[i] = Route.LIVE;
            }
        }
        metrics.historical(historical);
        metrics.spread(spread);
        return routes;
    }

    /** The key of a {@link Route#SPREAD} record ({@link HotKeys#spread}). */
    public static byte[] spreadKey(byte[] key) {
        return HotKeys.spread(key);
    }

    private static Map<String, Integer> countPerDistinctId(List<Accepted> events) {
        Map<String, Integer> counts = new LinkedHashMap<>(); // request order: limits are checked, and refunds made, in that order
        for (Accepted a : events) {
            counts.merge(a.event().distinctId(), 1, Integer::sum);
        }
        return counts;
    }

    @Override
    public String toString() {
        if (this == OFF) {
            return "Admission[off]";
        }
        return "Admission[" + (dropList == null ? "" : dropList + " ") + (rateLimiter == null ? "" : rateLimiter + " ")
                + (hotKeys == null ? "" : hotKeys + " ") + (historicalLane ? "historical lane" : "one lane") + "]";
    }
}
