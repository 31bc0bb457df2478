package com.clickhouse.analytics.gateway;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.gateway.normalize.UuidV7;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PartitionKey;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Status codes, CORS, auth with rotated keys, fields and clock skew, end to end on a real broker. */
class GatewayHttpTest {

    static final String OLD_KEY = "phc_old_key";
    static final String NEW_KEY = "phc_new_key";
    static final String ORIGIN = "https://app.example.com";

    private static TestGateway gw;
    private static TopicReader reader;

    @BeforeAll
    static void start() {
        gw = TestGateway.onSharedBroker(Map.of(
                "PUBLIC_API_KEYS", OLD_KEY + "," + NEW_KEY,
                "ALLOWED_ORIGINS", ORIGIN + ",http://localhost:3000",
                "MAX_BATCH_BYTES", "65536",
                "MAX_EVENTS_PER_BATCH", "50",
                "TRUSTED_PROXIES", "127.0.0.0/8"));
        reader = new TopicReader(Infrastructure.shared().kafkaBootstrapServers(), gw.topic);
    }

    @AfterAll
    static void stop() {
        reader.close();
        gw.close();
    }

    static String event(String key, String distinctId) {
        return "{\"api_key\":\"" + key + "\",\"event\":\"e\",\"distinct_id\":\"" + distinctId + "\"}";
    }

    // ---- auth and key rotation

    @ParameterizedTest(name = "key {0} -> {1}")
    @CsvSource({"phc_old_key,200", "phc_new_key,200", "phc_other,401", "phc_old_ke,401", "phc_old_key_,401"})
    void keysRotateOldAndNewBothValid(String key, int status) {
        HttpResponse<String> r = gw.post("/batch/", event(key, "rot-" + key));
        assertEquals(status, r.statusCode(), r.body());
        assertFalse(r.body().contains(key) && status != 200, "error bodies never echo keys: " + r.body());
    }

    @Test
    void missingKeyWithoutOriginIs401() {
        HttpResponse<String> r = gw.post("/batch", "{\"batch\":[{\"event\":\"e\",\"distinct_id\":\"x\"}]}");
        assertEquals(401, r.statusCode());
        assertEquals("{\"status\":\"error\",\"error\":\"missing api key: send api_key or token\"}", r.body());
    }

    @Test
    void mixedKeysAre400() {
        String body = "{\"api_key\":\"" + OLD_KEY + "\",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"x\",\"token\":\"" + NEW_KEY + "\"}]}";
        HttpResponse<String> r = gw.post("/batch", body);
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("mixed api keys"), r.body());
    }

    // ---- CORS

    @Test
    void preflightFromAllowedOriginIsAnsweredWithCorsHeaders() {
        HttpResponse<String> r = gw.options("/e/?compression=gzip-js", "Origin", ORIGIN,
                "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "content-type, baggage, traceparent, x-posthog-foo");
        assertEquals(204, r.statusCode());
        assertEquals(ORIGIN, r.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        assertEquals("true", r.headers().firstValue("Access-Control-Allow-Credentials").orElseThrow());
        assertTrue(r.headers().allValues("Vary").contains("Origin"));
        String allowed = r.headers().firstValue("Access-Control-Allow-Headers").orElseThrow();
        for (String h : List.of("content-type", "baggage", "traceparent", "x-posthog-foo")) {
            assertTrue(allowed.contains(h), allowed);
        }
        assertTrue(r.headers().firstValue("Access-Control-Allow-Methods").orElseThrow().contains("POST"));
        assertEquals("86400", r.headers().firstValue("Access-Control-Max-Age").orElseThrow());
    }

    @Test
    void preflightFromOtherOriginGetsNoCorsHeaders() {
        HttpResponse<String> r = gw.options("/e/", "Origin", "https://evil.example.com", "Access-Control-Request-Method", "POST");
        assertEquals(403, r.statusCode());
        assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    }

    @Test
    void browserFromAllowedOriginMayOmitTheKey() {
        UUID uuid = UuidV7.at(System.currentTimeMillis());
        String body = "[{\"event\":\"$pageview\",\"uuid\":\"" + uuid + "\",\"properties\":{\"distinct_id\":\"browser-1\"}}]";
        HttpResponse<String> r = gw.post("/e/", body, "Origin", "http://localhost:3000", "Content-Type", "text/plain");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("http://localhost:3000", r.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        TopicReader.Produced p = reader.await(List.of(uuid)).getFirst();
        assertEquals("", p.event().apiKey());
        assertArrayEquals(PartitionKey.of("", "browser-1"), p.key());
    }

    @Test
    void browserFromAllowedOriginWithWrongKeyIs401() {
        HttpResponse<String> r = gw.post("/e/", event("phc_wrong", "b"), "Origin", ORIGIN);
        assertEquals(401, r.statusCode());
        assertEquals(ORIGIN, r.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
    }

    @Test
    void simpleRequestFromOtherOriginIs403WithoutCorsHeaders() {
        HttpResponse<String> r = gw.post("/e/", event(OLD_KEY, "b"), "Origin", "https://evil.example.com");
        assertEquals(403, r.statusCode());
        assertTrue(r.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        assertEquals("{\"status\":\"error\",\"error\":\"origin not allowed\"}", r.body());
    }

    // ---- status codes

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "not json|400|malformed JSON",
            "{\"api_key\":\"phc_old_key\",\"batch\":{}}|400|'batch' must be an array",
            "{\"api_key\":\"phc_old_key\",\"event\":\"e\",\"distinct_id\":\"x\",\"uuid\":\"nope\"}|400|'uuid' of event 0",
            "{\"api_key\":\"phc_old_key\",\"event\":\"e\",\"distinct_id\":\"x\",\"timestamp\":\"yesterday\"}|400|'timestamp'",
            "{\"api_key\":\"phc_old_key\",\"event\":\"e\",\"distinct_id\":{}}|400|'distinct_id' must be",
            "{\"api_key\":\"phc_old_key\",\"event\":7,\"distinct_id\":\"x\"}|400|'event' must be a string",
            "{\"api_key\":\"phc_old_key\",\"event\":\"e\",\"distinct_id\":\"x\",\"properties\":[]}|400|'properties' must be",
            "{\"api_key\":\"phc_old_key\",\"event\":\"e\",\"distinct_id\":\"x\"} trailing|400|trailing",
            "[1,2]|400|event 0 is not a JSON object",
    })
    void badRequests(String body, int status, String message) {
        HttpResponse<String> r = gw.post("/batch/", body);
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("{\"status\":\"error\",\"error\":\""), r.body());
        assertTrue(r.body().contains(message), r.body());
    }

    @Test
    void emptyBodyIs400() {
        assertEquals(400, gw.post("/batch/", "").statusCode());
    }

    @Test
    void eventsWithoutNameOrDistinctIdAreDroppedAndCounted() {
        String body = "{\"api_key\":\"" + OLD_KEY + "\",\"batch\":[{\"event\":\"ok\",\"distinct_id\":\"d1\"},"
                + "{\"distinct_id\":\"d2\"},{\"event\":\"  \",\"distinct_id\":\"d3\"},{\"event\":\"no-id\"},"
                + "{\"event\":\"blank-id\",\"distinct_id\":\"   \"}]}";
        HttpResponse<String> r = gw.post("/batch/", body);
        assertEquals(200, r.statusCode());
        assertEquals("{\"status\":\"ok\",\"ingested\":1,\"dropped\":4}", r.body());
    }

    @Test
    void declaredBodyOverTheLimitIs413() {
        HttpResponse<String> r = gw.post("/batch/", new byte[70_000]);
        assertEquals(413, r.statusCode());
        assertTrue(r.body().contains("MAX_BATCH_BYTES"), r.body());
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /batch/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // Exactly the limit in eight chunks, then a ninth of 16 bytes: the server has read all
            // that was sent when it refuses, so closing the connection does not reset it.
            byte[] chunk = new byte[8192];
            java.util.Arrays.fill(chunk, (byte) ' ');
            for (int i = 0; i < 8; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("10\r\n0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 413", head);
        }
    }

    @Test
    void gzipBombIs413() {
        byte[] bomb = TestGateway.gzip(new byte[10_000_000]);
        assertTrue(bomb.length < 65_536);
        HttpResponse<String> r = gw.post("/e/?compression=gzip-js", bomb, "Content-Type", "text/plain");
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("decoded payload exceeds"), r.body());
    }

    @Test
    void tooManyEventsIs413() {
        StringBuilder b = new StringBuilder("{\"api_key\":\"" + OLD_KEY + "\",\"batch\":[");
        for (int i = 0; i < 51; i++) {
            b.append(i == 0 ? "" : ",").append("{\"event\":\"e\",\"distinct_id\":\"d\"}");
        }
        HttpResponse<String> r = gw.post("/batch/", b.append("]}").toString());
        assertEquals(413, r.statusCode());
        assertTrue(r.body().contains("MAX_EVENTS_PER_BATCH"), r.body());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"Content-Encoding,br", "Content-Encoding,zstd", "Content-Encoding,compress"})
    void unsupportedContentEncodingIs415(String header, String value) {
        HttpResponse<String> r = gw.post("/batch/", event(OLD_KEY, "x"), header, value);
        assertEquals(415, r.statusCode());
        assertTrue(r.body().contains("unsupported Content-Encoding"), r.body());
    }

    @Test
    void lzStringIs415WithAClearMessage() {
        HttpResponse<String> r = gw.post("/e/?compression=lz64", "N4IgZg9hIC4gRgQwM4EIA", "Content-Type", "text/plain");
        assertEquals(415, r.statusCode());
        assertTrue(r.body().contains("lz-string") && r.body().contains("gzip-js"), r.body());
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() {
        assertEquals(404, gw.get("/nope").statusCode());
        HttpResponse<String> r = gw.send(java.net.http.HttpRequest.newBuilder(gw.uri("/batch/"))
                .method("PUT", java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(405, r.statusCode());
    }

    // ---- fields, identity, ip, clock skew

    @Test
    void recordsCarryKeyUuidAndFields() {
        UUID identify = UUID.randomUUID();
        UUID alias = UUID.randomUUID();
        String body = "{\"api_key\":\"" + NEW_KEY + "\",\"batch\":["
                + "{\"event\":\"$identify\",\"uuid\":\"" + identify + "\",\"distinct_id\":\"  user-42  \","
                + "\"$set\":{\"plan\":\"pro\"},\"properties\":{\"$anon_distinct_id\":\"anon-1\",\"$set_once\":{\"first\":1},"
                + "\"$session_id\":\"s1\",\"$window_id\":\"w1\",\"$host\":\"app.example.com\",\"$elements_chain\":\"div:nth-child=1\"}},"
                + "{\"event\":\"$create_alias\",\"uuid\":\"" + alias + "\",\"distinct_id\":12345,\"properties\":{\"alias\":\"other-id\"}}]}";
        HttpResponse<String> r = gw.post("/batch/", body, "User-Agent", "posthog-node/4.0", "X-Forwarded-For", "203.0.113.7, 127.0.0.1");
        assertEquals(200, r.statusCode(), r.body());
        List<TopicReader.Produced> records = reader.await(List.of(identify, alias));
        Event e = records.get(0).event();
        assertEquals("user-42", e.distinctId());
        assertArrayEquals(PartitionKey.of(NEW_KEY, "user-42"), records.get(0).key());
        assertEquals("{\"plan\":\"pro\"}", e.get(RecordField.SET));
        assertEquals("{\"first\":1}", e.get(RecordField.SET_ONCE));
        assertEquals("anon-1", e.get(RecordField.ANON_DISTINCT_ID));
        assertEquals("s1", e.get(RecordField.SESSION_ID));
        assertEquals("w1", e.get(RecordField.WINDOW_ID));
        assertEquals("app.example.com", e.get(RecordField.HOST));
        assertEquals("div:nth-child=1", e.get(RecordField.ELEMENTS_CHAIN));
        assertEquals("203.0.113.7", e.ip());
        assertEquals("posthog-node/4.0", e.userAgent());
        Event a = records.get(1).event();
        assertEquals("12345", a.distinctId());
        assertEquals("other-id", a.get(RecordField.ALIAS));
        assertNull(a.get(RecordField.SET));
    }

    @Test
    void engageWithoutEventNameIsAnIdentify() {
        String body = "{\"api_key\":\"" + OLD_KEY + "\",\"distinct_id\":\"engaged-1\",\"$set\":{\"name\":\"Ada\"}}";
        assertEquals(200, gw.post("/engage/", body).statusCode());
        Event e = reader.awaitDistinctId("engaged-1", 1).getFirst().event();
        assertEquals("$identify", e.event());
        assertEquals("{\"name\":\"Ada\"}", e.get(RecordField.SET));
    }

    @Test
    void generatedUuidsAreVersion7AndTimestampsAreSkewCorrected() {
        Instant now = Instant.now();
        // The client's clock runs one hour ahead: its event happened 10 s before it sent the batch.
        Instant clientSentAt = now.plus(Duration.ofHours(1));
        Instant clientTs = clientSentAt.minusSeconds(10);
        String body = "{\"api_key\":\"" + OLD_KEY + "\",\"sent_at\":\"" + clientSentAt + "\",\"batch\":["
                + "{\"event\":\"skewed\",\"distinct_id\":\"skew-1\",\"timestamp\":\"" + clientTs + "\"},"
                + "{\"event\":\"ignored\",\"distinct_id\":\"skew-1\",\"timestamp\":\"2020-01-01T00:00:00Z\",\"properties\":{\"$ignore_sent_at\":true}},"
                + "{\"event\":\"offset\",\"distinct_id\":\"skew-1\",\"offset\":60000}]}";
        HttpResponse<String> r = gw.post("/batch/", body);
        assertEquals(200, r.statusCode(), r.body());
        List<TopicReader.Produced> records = reader.awaitDistinctId("skew-1", 3);
        for (TopicReader.Produced p : records) {
            Event e = p.event();
            assertEquals(7, e.uuid().version());
            switch (e.event()) {
                case "skewed" -> assertNear(now.minusSeconds(10), e.timestamp());
                case "ignored" -> assertEquals(Instant.parse("2020-01-01T00:00:00Z"), e.timestamp());
                case "offset" -> assertNear(now.minusSeconds(60), e.timestamp());
                default -> throw new AssertionError(e.event());
            }
            assertNear(now, e.receivedAt());
        }
    }

    @Test
    void posthogJsSendTimeInTheQueryCorrectsSkew() {
        Instant now = Instant.now();
        long clientNow = now.plus(Duration.ofMinutes(30)).toEpochMilli();
        String body = "[{\"event\":\"js\",\"properties\":{\"distinct_id\":\"skew-js\",\"token\":\"" + OLD_KEY + "\"},"
                + "\"timestamp\":\"" + Instant.ofEpochMilli(clientNow - 5_000) + "\"}]";
        assertEquals(200, gw.post("/e/?compression=gzip-js&_=" + clientNow, TestGateway.gzip(body)).statusCode());
        assertNear(now.minusSeconds(5), reader.awaitDistinctId("skew-js", 1).getFirst().event().timestamp());
    }

    private static void assertNear(Instant expected, Instant actual) {
        assertTrue(Duration.between(expected, actual).abs().compareTo(Duration.ofSeconds(3)) < 0, expected + " vs " + actual);
    }

    // ---- SDK start-up calls and operations endpoints

    @Test
    void posthogJsStartUpCallsGetAMinimalConfigWithGzip() {
        for (String path : List.of("/decide/?v=3", "/flags/?v=2&config=true", "/array/phc_old_key/config")) {
            HttpResponse<String> r = gw.post(path, "{\"token\":\"phc_old_key\"}", "Origin", ORIGIN);
            assertEquals(200, r.statusCode(), path);
            assertTrue(r.body().contains("\"supportedCompression\":[\"gzip\",\"gzip-js\"]"), r.body());
            assertTrue(r.body().contains("\"endpoint\":\"/i/v0/e/\""), r.body());
            assertEquals(ORIGIN, r.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
        }
        HttpResponse<String> js = gw.get("/array/phc_old_key/config.js");
        assertEquals(200, js.statusCode());
        assertTrue(js.body().contains("_POSTHOG_REMOTE_CONFIG[\"phc_old_key\"]"), js.body());
    }

    @Test
    void healthReadyAndMetrics() {
        assertEquals(200, gw.get("/health").statusCode());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gw.get("/ready").statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals("{\"status\":\"ready\"}", gw.get("/ready").body());
        assertEquals(200, gw.post("/batch/", event(OLD_KEY, "metrics-1")).statusCode());
        HttpResponse<String> m = gw.get("/metrics");
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        String text = m.body();
        for (String expected : List.of("# TYPE cpa_gateway_requests_total counter",
                "cpa_gateway_requests_total{route=\"batch\",status=\"200\"}", "cpa_gateway_events_accepted_total",
                "cpa_gateway_events_dropped_total", "cpa_gateway_request_bytes_total",
                "# TYPE cpa_gateway_produce_latency_seconds summary", "cpa_gateway_produce_latency_seconds{quantile=\"0.99\"}",
                "cpa_gateway_kafka_buffer_available_bytes", "cpa_gateway_kafka_in_flight_bytes", "cpa_gateway_kafka_ready 1")) {
            assertTrue(text.contains(expected), "missing " + expected + " in\n" + text);
        }
    }
}
