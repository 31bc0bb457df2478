package com.clickhouse.analytics.gateway;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.gateway.decode.SegmentParser;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Segment's tracking API through the real gateway onto the real broker: routes, keys, gzip, errors, clock skew. */
class SegmentCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORIGIN = "https://app.example.com";
    private static TestGateway gateway;
    private static TopicReader reader;

    @BeforeAll
    static void start() {
        gateway = TestGateway.onSharedBroker(Map.of("MAX_EVENTS_PER_BATCH", "5", "SEGMENT_GROUP_TYPE", "organization"));
        reader = new TopicReader(Infrastructure.shared().kafkaBootstrapServers(), gateway.topic);
    }

    @AfterAll
    static void stop() {
        reader.close();
        gateway.close();
    }

    static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void everyCallWithAndWithoutTrailingSlashReachesKafkaAsTheEventItStandsFor() {
        Map<String, String> calls = Map.of(
                "track", "{\"event\":\"Signed Up\",\"userId\":\"seg-u1\",\"messageId\":\"m-track\"}",
                "page", "{\"userId\":\"seg-u1\",\"messageId\":\"m-page\",\"properties\":{\"url\":\"https://shop.example.com/a\"}}",
                "screen", "{\"userId\":\"seg-u1\",\"messageId\":\"m-screen\",\"name\":\"Home\"}",
                "identify", "{\"userId\":\"seg-u1\",\"anonymousId\":\"seg-a1\",\"messageId\":\"m-identify\",\"traits\":{\"plan\":\"pro\"}}",
                "alias", "{\"userId\":\"seg-u1\",\"previousId\":\"seg-old\",\"messageId\":\"m-alias\"}",
                "group", "{\"userId\":\"seg-u1\",\"groupId\":\"acme\",\"messageId\":\"m-group\",\"traits\":{\"n\":1}}");
        Map<String, String> names = Map.of("track", "Signed Up", "page", "$pageview", "screen", "$screen",
                "identify", "$identify", "alias", "$create_alias", "group", "$groupidentify");
        boolean slash = false;
        for (Map.Entry<String, String> call : calls.entrySet()) {
            String path = "/v1/" + call.getKey() + (slash ? "/" : "");
            slash = !slash;
            HttpResponse<String> r = gateway.post(path, call.getValue(), "Authorization", basic(TestGateway.KEY),
                    "Content-Type", "application/json");
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            assertEquals(1, json(r.body()).get("ingested").asInt(), r.body());
            UUID uuid = SegmentParser.uuid(TestGateway.KEY, "m-" + call.getKey());
            TopicReader.Produced p = reader.await(List.of(uuid)).getFirst();
            assertEquals(names.get(call.getKey()), p.event().event(), path);
            assertEquals("seg-u1", p.event().distinctId());
            assertEquals(TestGateway.KEY, p.event().apiKey());
        }
        TopicReader.Produced identify = reader.await(List.of(SegmentParser.uuid(TestGateway.KEY, "m-identify"))).getFirst();
        assertEquals("seg-a1", identify.event().anonDistinctId());
        assertEquals("{\"plan\":\"pro\"}", identify.event().set());
        TopicReader.Produced group = reader.await(List.of(SegmentParser.uuid(TestGateway.KEY, "m-group"))).getFirst();
        assertEquals("organization", json(group.event().properties()).get("$group_type").asText(), "SEGMENT_GROUP_TYPE");
    }

    @Test
    void gzippedBatchWithTheWriteKeyInTheBodyCorrectsTheClientClock() {
        Instant clientNow = Instant.now().plus(Duration.ofHours(2)); // the client's clock runs two hours ahead
        String body = "{\"writeKey\":\"" + TestGateway.KEY + "\",\"sentAt\":\"" + clientNow + "\",\"batch\":["
                + "{\"type\":\"track\",\"event\":\"e1\",\"anonymousId\":\"seg-skew\",\"messageId\":\"m-skew-1\",\"originalTimestamp\":\""
                + clientNow.minusSeconds(60) + "\"},"
                + "{\"type\":\"nonsense\",\"anonymousId\":\"seg-skew\"}]}";
        HttpResponse<String> r = gateway.post("/v1/batch/", TestGateway.gzip(body), "Content-Encoding", "gzip",
                "Content-Type", "application/json");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, json(r.body()).get("ingested").asInt());
        assertEquals(1, json(r.body()).get("dropped").asInt(), "an unknown type is dropped and counted");
        Instant at = reader.await(List.of(SegmentParser.uuid(TestGateway.KEY, "m-skew-1"))).getFirst().event().timestamp();
        Duration error = Duration.between(Instant.now().minusSeconds(60), at).abs();
        assertTrue(error.compareTo(Duration.ofSeconds(30)) < 0, "corrected by sentAt: " + at);
    }

    @Test
    void aRetryCollapsesOntoOneUuid() {
        String body = "{\"event\":\"e\",\"userId\":\"seg-retry\",\"messageId\":\"node-next-1-retry\"}";
        for (int i = 0; i < 2; i++) {
            assertEquals(200, gateway.post("/v1/track", body, "Authorization", basic(TestGateway.KEY)).statusCode());
        }
        List<TopicReader.Produced> both = reader.awaitDistinctId("seg-retry", 2);
        assertEquals(1, both.stream().map(p -> p.event().uuid()).distinct().count(), "the writer's dedup collapses them");
    }

    @Test
    void sameAuthLimitsAndErrorsAsThePostHogEndpoints() {
        String track = "{\"event\":\"e\",\"userId\":\"seg-auth\"}";
        assertEquals(401, gateway.post("/v1/track", track).statusCode(), "no key, no origin");
        assertEquals(401, gateway.post("/v1/track", track, "Authorization", basic("wrong")).statusCode());
        assertEquals(401, gateway.post("/v1/track", "{\"writeKey\":\"wrong\",\"event\":\"e\",\"userId\":\"u\"}").statusCode());
        assertEquals(400, gateway.post("/v1/track", "{\"writeKey\":\"other\",\"event\":\"e\",\"userId\":\"u\"}",
                "Authorization", basic(TestGateway.KEY)).statusCode(), "keys that disagree");
        HttpResponse<String> foreign = gateway.post("/v1/track", track, "Origin", "https://evil.example.com");
        assertEquals(403, foreign.statusCode());
        assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        HttpResponse<String> browser = gateway.post("/v1/track", "{\"event\":\"e\",\"anonymousId\":\"seg-browser\"}",
                "Origin", ORIGIN, "Content-Type", "text/plain");
        assertEquals(200, browser.statusCode(), browser.body());
        assertEquals(ORIGIN, browser.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        assertEquals(204, gateway.options("/v1/batch", "Origin", ORIGIN, "Access-Control-Request-Method", "POST").statusCode());
        HttpResponse<String> malformed = gateway.post("/v1/batch", "{\"batch\":[", "Authorization", basic(TestGateway.KEY));
        assertEquals(400, malformed.statusCode());
        assertTrue(malformed.body().contains("malformed JSON"), malformed.body());
        assertEquals(413, gateway.post("/v1/batch", "{\"batch\":[{},{},{},{},{},{}]}", "Authorization", basic(TestGateway.KEY)).statusCode(),
                "MAX_EVENTS_PER_BATCH");
        assertEquals(415, gateway.post("/v1/track", track, "Authorization", basic(TestGateway.KEY), "Content-Encoding", "br").statusCode());
        assertEquals(404, gateway.post("/v1/nothing", track, "Authorization", basic(TestGateway.KEY)).statusCode());
    }

    @Test
    void analyticsNextOneLetterPathsFromTheBrowser() {
        // what @segment/analytics-next sends from a page: a preflight (its Authorization header, and
        // X-Retry-Count on a retry), then text/plain JSON with the write key as Basic user and in the body
        HttpResponse<String> preflight = gateway.options("/v1/b", "Origin", ORIGIN, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization,content-type,x-retry-count");
        assertEquals(204, preflight.statusCode());
        assertEquals(ORIGIN, preflight.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        String allowed = preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow();
        assertTrue(allowed.contains("x-retry-count") && allowed.contains("authorization"), allowed);
        String[] browser = {"Origin", ORIGIN, "Content-Type", "text/plain", "Authorization", basic(TestGateway.KEY)};
        HttpResponse<String> track = gateway.post("/v1/t", "{\"type\":\"track\",\"event\":\"Short\",\"anonymousId\":\"seg-short\","
                + "\"messageId\":\"ajs-next-short-t\",\"writeKey\":\"" + TestGateway.KEY + "\"}", browser);
        assertEquals(200, track.statusCode(), track.body());
        String[] retry = {"Origin", ORIGIN, "Content-Type", "text/plain", "Authorization", basic(TestGateway.KEY), "X-Retry-Count", "1"};
        HttpResponse<String> batch = gateway.post("/v1/b/", "{\"writeKey\":\"" + TestGateway.KEY + "\",\"sentAt\":\"" + Instant.now()
                + "\",\"batch\":[{\"type\":\"page\",\"anonymousId\":\"seg-short\",\"messageId\":\"ajs-next-short-b\","
                + "\"properties\":{\"url\":\"https://shop.example.com/p\"}}]}", retry);
        assertEquals(200, batch.statusCode(), batch.body());
        List<TopicReader.Produced> both = reader.await(List.of(SegmentParser.uuid(TestGateway.KEY, "ajs-next-short-t"),
                SegmentParser.uuid(TestGateway.KEY, "ajs-next-short-b")));
        assertEquals("Short", both.get(0).event().event());
        assertEquals("$pageview", both.get(1).event().event());
        assertEquals("seg-short", both.get(1).event().distinctId());
    }
}
