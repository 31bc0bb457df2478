package com.clickhouse.analytics.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.testkit.Infrastructure;
import org.junit.jupiter.api.Test;

/**
 * The limits and lanes of gateway.limit against the real broker: what a refused, a drop-listed, a
 * hot and a historical request put on which topic and partition.
 */
class LimitsAndLanesTest {

    private static String bootstrap() {
        return Infrastructure.shared().kafkaBootstrapServers();
    }

    @Test
    void overTheKeyRateIsA429WithRetryAfterAndProducesNothing() {
        // A slow refill (1 event/s) and a second request far above it: no refill in between can let it through.
        try (TestGateway gw = TestGateway.onSharedBroker(Map.of("RATE_LIMIT_KEY_PER_SECOND", "1", "RATE_LIMIT_KEY_BURST", "20"));
             TopicReader topic = new TopicReader(bootstrap(), gw.topic)) {
            String user = "rate-" + UUID.randomUUID();
            HttpResponse<String> first = gw.post("/batch/", batch(user, 20, "first"));
            assertEquals(200, first.statusCode(), first.body());

            HttpResponse<String> second = gw.post("/batch/", batch(user, 10, "second"));
            assertEquals(429, second.statusCode(), second.body());
            long retryAfter = Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 5 && retryAfter <= 11, "about 10 tokens at 1/s: " + retryAfter);
            assertTrue(second.body().startsWith("{\"status\":\"error\",\"error\":\"rate limit exceeded: key limit of 1 events/s (burst 20)"),
                    second.body());
            assertTrue(!second.body().contains(TestGateway.KEY), "the key is not echoed: " + second.body());

            List<TopicReader.Produced> produced = topic.drain(Duration.ofSeconds(2));
            assertEquals(20, produced.size(), "only the first request's events");
            assertTrue(produced.stream().allMatch(p -> p.event().event().equals("first")), "nothing of the refused request");
            assertEquals(10, counter(gw, "cpa_gateway_rate_limited_events_total{limit=\"key\"}"));
            assertEquals(1, counter(gw, "cpa_gateway_request_errors_total{error=\"rate_limited\"}"));
        }
    }

    @Test
    void aDistinctIdOverItsRateRefusesTheWholeRequestAndGivesBackWhatItTook() {
        try (TestGateway gw = TestGateway.onSharedBroker(Map.of("RATE_LIMIT_DISTINCT_ID_PER_SECOND", "1",
                "RATE_LIMIT_DISTINCT_ID_BURST", "10"));
             TopicReader topic = new TopicReader(bootstrap(), gw.topic)) {
            String hot = "hot-" + UUID.randomUUID();
            String calm = "calm-" + UUID.randomUUID();
            assertEquals(200, gw.post("/batch/", batch(hot, 10, "fill")).statusCode());

            HttpResponse<String> mixed = gw.post("/batch/", "{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":["
                    + events(calm, 8, "mixed") + "," + events(hot, 5, "mixed") + "]}");
            assertEquals(429, mixed.statusCode(), mixed.body());
            assertTrue(mixed.body().contains("distinct_id limit of 1 events/s (burst 10) for distinct id \\\"" + hot + "\\\""), mixed.body());

            // The calm id (first in the request) gave its eight tokens before the hot one was found empty; they came back.
            HttpResponse<String> calmAlone = gw.post("/batch/", batch(calm, 10, "calm"));
            assertEquals(200, calmAlone.statusCode(), calmAlone.body());

            HttpResponse<String> tooBig = gw.post("/batch/", batch("big-" + UUID.randomUUID(), 11, "big"));
            assertEquals(413, tooBig.statusCode(), "more events than the burst can never pass: " + tooBig.body());

            Map<String, Long> byName = topic.drain(Duration.ofSeconds(2)).stream()
                    .collect(Collectors.groupingBy(p -> p.event().event(), Collectors.counting()));
            assertEquals(Map.of("fill", 10L, "calm", 10L), byName);
        }
    }

    @Test
    void theDropListAnswersOkAndProducesNothingOfItsEntries() {
        String leaked = "drop-" + UUID.randomUUID();
        try (TestGateway gw = TestGateway.onSharedBroker(Map.of("DROP_LIST", "some_other_key, " + TestGateway.KEY + ":" + leaked));
             TopicReader topic = new TopicReader(bootstrap(), gw.topic)) {
            String fine = "fine-" + UUID.randomUUID();
            HttpResponse<String> response = gw.post("/batch/", "{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":["
                    + events(leaked, 3, "leak") + "," + events(fine, 2, "fine") + "]}");
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("{\"status\":\"ok\",\"ingested\":5,\"dropped\":0}", response.body(), "the sender learns nothing");
            HttpResponse<String> onlyListed = gw.post("/batch/", batch(leaked, 4, "leak"));
            assertEquals("{\"status\":\"ok\",\"ingested\":4,\"dropped\":0}", onlyListed.body());

            List<TopicReader.Produced> produced = topic.drain(Duration.ofSeconds(2));
            assertEquals(2, produced.size());
            assertTrue(produced.stream().allMatch(p -> p.event().distinctId().equals(fine)));
            assertEquals(7, counter(gw, "cpa_gateway_drop_list_events_total"));
            assertEquals(2, counter(gw, "cpa_gateway_events_accepted_total"), "accepted counts what Kafka has");
        }
    }

    @Test
    void aHotDistinctIdIsSpreadOverPartitionsWhileItsIdentifyKeepsItsPartition() {
        try (TestGateway gw = TestGateway.onSharedBroker(Map.of("OVERFLOW_PER_SECOND", "1", "OVERFLOW_BURST", "1"));
             TopicReader topic = new TopicReader(bootstrap(), gw.topic)) {
            String user = "spread-" + UUID.randomUUID();
            assertEquals(200, gw.post("/batch/", batch(user, 1, "calm")).statusCode());
            String identify = "{\"event\":\"$identify\",\"distinct_id\":\"" + user + "\",\"properties\":{\"$anon_distinct_id\":\"anon-" + user
                    + "\"}}";
            HttpResponse<String> burst = gw.post("/batch/", "{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":["
                    + events(user, 60, "burst") + "," + identify + "]}");
            assertEquals(200, burst.statusCode(), burst.body());

            List<TopicReader.Produced> produced = topic.awaitDistinctId(user, 62);
            int home = only(produced, "calm").getFirst().partition();
            assertEquals(home, only(produced, "$identify").getFirst().partition(), "a merge keeps its key's partition and order");
            Set<Integer> partitions = new HashSet<>();
            for (TopicReader.Produced p : only(produced, "burst")) {
                partitions.add(p.partition());
                assertTrue(!Arrays.equals(p.key(), only(produced, "calm").getFirst().key()), "a spread record has a key of its own");
            }
            assertTrue(partitions.size() > 1, "one hot distinct id over more than one partition: " + partitions);
            assertEquals(60, counter(gw, "cpa_gateway_overflow_events_total"));
        }
    }

    @Test
    void historicalBatchesGoToTheHistoricalTopicOnly() {
        String historical = "gw-hist-" + UUID.randomUUID();
        KafkaBroker.createTopic(bootstrap(), historical, 1);
        try (TestGateway gw = TestGateway.onSharedBroker(Map.of("HISTORICAL_TOPIC", historical));
             TopicReader live = new TopicReader(bootstrap(), gw.topic);
             TopicReader backfill = new TopicReader(bootstrap(), historical)) {
            String user = "backfill-" + UUID.randomUUID();
            HttpResponse<String> response = gw.post("/batch/", "{\"api_key\":\"" + TestGateway.KEY + "\",\"historical_migration\":true,"
                    + "\"batch\":[" + events(user, 5, "old") + "]}");
            assertEquals(200, response.statusCode(), response.body());
            assertEquals(200, gw.post("/batch/", batch(user, 2, "new")).statusCode());

            assertEquals(5, backfill.awaitDistinctId(user, 5).stream().filter(p -> p.event().event().equals("old")).count());
            List<TopicReader.Produced> onLive = live.awaitDistinctId(user, 2);
            assertTrue(onLive.stream().allMatch(p -> p.event().event().equals("new")), "no backfill on the live topic");
            assertEquals(2, live.drain(Duration.ofSeconds(1)).size());
            assertEquals(5, backfill.drain(Duration.ofMillis(500)).size());
            assertEquals(5, counter(gw, "cpa_gateway_historical_events_total"));
        }
    }

    @Test
    void withALaneTheGatewayIsReadyOnlyOnceTheHistoricalTopicExists() throws Exception {
        String historical = "gw-hist-missing-" + UUID.randomUUID();
        try (TestGateway gw = TestGateway.onSharedBroker(Map.of("HISTORICAL_TOPIC", historical))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            HttpResponse<String> ready = gw.get("/ready");
            while (!ready.body().contains("does not exist") && System.nanoTime() < deadline) {
                Thread.sleep(100);
                ready = gw.get("/ready");
            }
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("topic " + historical + " does not exist"), ready.body());
        }
    }

    private static List<TopicReader.Produced> only(List<TopicReader.Produced> produced, String event) {
        List<TopicReader.Produced> out = new ArrayList<>();
        for (TopicReader.Produced p : produced) {
            if (p.event().event().equals(event)) {
                out.add(p);
            }
        }
        return out;
    }

    private static String batch(String distinctId, int n, String event) {
        return "{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":[" + events(distinctId, n, event) + "]}";
    }

    private static String events(String distinctId, int n, String event) {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add("{\"event\":\"" + event + "\",\"distinct_id\":\"" + distinctId + "\",\"properties\":{\"i\":" + i + "}}");
        }
        return String.join(",", events);
    }

    private static long counter(TestGateway gw, String name) {
        var counter = gw.gateway.metrics().getCounters().get(name);
        return counter == null ? 0 : counter.getCount();
    }
}
