package com.clickhouse.analytics.gateway.limit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayMetrics;
import com.clickhouse.analytics.gateway.decode.BatchParser;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer.Accepted;
import com.codahale.metrics.MetricRegistry;
import io.github.bucket4j.TimeMeter;
import org.junit.jupiter.api.Test;

/** The step's decisions on a clock the test moves; the broker-backed behaviour is in LimitsAndLanesTest. */
class AdmissionTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    /** Bucket4j's clock, moved by hand. */
    private static final class ManualTime implements TimeMeter {
        long nanos;

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }

    private final ManualTime time = new ManualTime();
    private final MetricRegistry registry = new MetricRegistry();

    private Admission admission(LimitsConfig config) {
        return Admission.of(config, new GatewayMetrics(registry), time);
    }

    private static LimitsConfig config(long keyRate, long keyBurst, long idRate, long idBurst, Set<String> drop, long overflow,
                                       String historical, Duration after) {
        return new LimitsConfig(keyRate, keyBurst, idRate, idBurst, 1000, drop, overflow, overflow, historical, after);
    }

    private static List<Accepted> events(String json) throws GatewayError {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new EventNormalizer().normalize(new BatchParser(1000, 1 << 20).parse(b, b.length), "k",
                new EventNormalizer.Context(NOW, null, null, null, null)).accepted();
    }

    private static String of(String distinctId, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(s.isEmpty() ? "" : ",").append("{\"event\":\"e\",\"distinct_id\":\"").append(distinctId).append("\"}");
        }
        return s.toString();
    }

    @Test
    void offIsOneObjectThatPassesTheEventsThrough() throws GatewayError {
        assertSame(Admission.OFF, admission(LimitsConfig.OFF));
        List<Accepted> events = events("[" + of("a", 3) + "]");
        Admission.Admitted admitted = Admission.OFF.admit("k", true, events, NOW);
        assertSame(events, admitted.events());
        assertNull(admitted.routes(), "all live, no array");
    }

    @Test
    void theKeyBucketRefillsAtItsRateAndSaysHowLongToWait() throws GatewayError {
        Admission a = admission(config(2, 4, 0, 0, Set.of(), 0, "", Duration.ZERO));
        a.admit("k", false, events("[" + of("a", 4) + "]"), NOW);
        GatewayError refused = assertThrows(GatewayError.class, () -> a.admit("k", false, events("[" + of("a", 3) + "]"), NOW));
        assertEquals(429, refused.status());
        assertEquals(2, refused.retryAfterSeconds(), "3 tokens at 2/s: 1.5 s, rounded up");
        time.nanos += Duration.ofMillis(1500).toNanos();
        a.admit("k", false, events("[" + of("a", 3) + "]"), NOW);
        a.admit("other", false, events("[" + of("a", 4) + "]"), NOW); // another key has its own bucket
        assertEquals(3, registry.counter("cpa_gateway_rate_limited_events_total{limit=\"key\"}").getCount());
    }

    @Test
    void aRefusedRequestGivesBackWhatItTookFromEveryBucket() throws GatewayError {
        Admission a = admission(config(100, 100, 1, 5, Set.of(), 0, "", Duration.ZERO));
        a.admit("k", false, events("[" + of("hot", 5) + "]"), NOW);
        for (int i = 0; i < 10; i++) {
            assertThrows(GatewayError.class, () -> a.admit("k", false, events("[" + of("calm", 5) + "," + of("hot", 1) + "]"), NOW));
        }
        // Ten refusals took and gave back 60 key tokens and 50 of calm's: both buckets are still full.
        a.admit("k", false, events("[" + of("calm", 5) + "]"), NOW);
        a.admit("k", false, events("[" + of("x", 5) + "," + of("y", 5) + "," + of("z", 5) + "]"), NOW);
        GatewayError tooLarge = assertThrows(GatewayError.class, () -> a.admit("k", false, events("[" + of("w", 6) + "]"), NOW));
        assertEquals(413, tooLarge.status(), "past the burst no wait helps");
    }

    @Test
    void thePerDistinctIdBucketsStayWithinTheirBound() {
        TokenBuckets buckets = new TokenBuckets("distinct_id", 1, 1, 100, time);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(buckets.take("k:user-" + i, 1).isConsumed());
        }
        assertTrue(buckets.size() <= 100, "at most the bound: " + buckets.size());
        assertTrue(!buckets.take("k:user-9999", 1).isConsumed(), "the most recent id keeps its bucket, empty until the clock moves");
    }

    @Test
    void theDropListMatchesWholeKeysAndKeyDistinctIdEvenWhenTheKeyHasAColon() throws GatewayError {
        Admission a = admission(config(0, 0, 0, 0, Set.of("proj:key:bad", "leaked"), 0, "", Duration.ZERO));
        Admission.Admitted admitted = a.admit("proj:key", false, events("[" + of("bad", 2) + "," + of("good", 1) + "]"), NOW);
        assertEquals(2, admitted.discarded());
        assertEquals(List.of("good"), admitted.events().stream().map(e -> e.event().distinctId()).toList());
        assertEquals(3, a.admit("leaked", false, events("[" + of("anyone", 3) + "]"), NOW).discarded());
        assertEquals(0, a.admit("proj:key", false, events("[" + of("bad2", 1) + "]"), NOW).discarded(), "whole strings, no prefixes");
        assertEquals(0, a.admit("leaked2", false, events("[" + of("anyone", 1) + "]"), NOW).discarded());
    }

    @Test
    void aHotIdIsSpreadExceptTheEventsThatChangeItsPerson() throws GatewayError {
        Admission a = admission(config(0, 0, 0, 0, Set.of(), 2, "", Duration.ZERO));
        Admission.Admitted calm = a.admit("k", false, events("[" + of("u", 2) + "]"), NOW);
        assertNull(calm.routes(), "within the overflow rate: live, keyed");
        Admission.Admitted hot = a.admit("k", false, events("[" + of("u", 1)
                + ",{\"event\":\"$identify\",\"distinct_id\":\"u\",\"properties\":{\"$anon_distinct_id\":\"x\"}}"
                + ",{\"event\":\"e\",\"distinct_id\":\"u\",\"$set\":{\"plan\":\"pro\"}}"
                + ",{\"event\":\"e\",\"distinct_id\":\"u\",\"properties\":{\"$unset\":[\"plan\"]}}"
                + ",{\"event\":\"e\",\"distinct_id\":\"v\"}]"), NOW);
        assertEquals(List.of(Route.SPREAD, Route.LIVE, Route.LIVE, Route.LIVE, Route.LIVE), Arrays.asList(hot.routes()));
        byte[] key = "k:u".getBytes(StandardCharsets.UTF_8);
        byte[] spread = Admission.spreadKey(key);
        assertArrayEquals(key, Arrays.copyOf(spread, key.length));
        assertTrue(!Arrays.equals(spread, Admission.spreadKey(key)), "each spread key is its own");
    }

    @Test
    void historicalBatchesAndOldEventsTakeTheHistoricalLane() throws GatewayError {
        Admission a = admission(config(0, 0, 0, 0, Set.of(), 0, "events_historical", Duration.ofDays(30)));
        String mixed = "[{\"event\":\"e\",\"distinct_id\":\"u\",\"timestamp\":\"2026-01-01T00:00:00Z\"},"
                + "{\"event\":\"e\",\"distinct_id\":\"u\",\"timestamp\":\"2026-05-31T00:00:00Z\"}]";
        assertEquals(List.of(Route.HISTORICAL, Route.LIVE), Arrays.asList(a.admit("k", false, events(mixed), NOW).routes()));
        assertEquals(List.of(Route.HISTORICAL, Route.HISTORICAL), Arrays.asList(a.admit("k", true, events(mixed), NOW).routes()));
        assertEquals(3, registry.counter("cpa_gateway_historical_events_total").getCount());
    }
}
