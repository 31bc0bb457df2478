package com.clickhouse.analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import com.clickhouse.analytics.local.process.TemporaryDirectory;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Through every tier, each a real process as {@code ./cpa up} runs them: HTTP into the gateway,
 * Kafka, the writer, ClickHouse. Each test uses its own distinct ids.
 */
class EndToEndTest {

    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(30);
    private static final String ALLOWED_ORIGIN = "http://localhost:3000";

    private static LocalStack stack;
    private static StackSettings settings;
    private static ClickHouseQueries clickHouse;
    private static TemporaryDirectory dir;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startStack() throws IOException {
        dir = TemporaryDirectory.create("cpa-e2e-");
        settings = StackSettings.onFreePorts(dir.path());
        stack = new LocalStack(settings, System.getProperty("java.class.path")).start();
        clickHouse = new ClickHouseQueries(settings);
    }

    @AfterAll
    static void stopStack() {
        if (clickHouse != null) {
            clickHouse.close();
        }
        if (stack != null) {
            stack.close();
        }
        dir.close();
    }

    @AfterEach
    void closeClient() {
        http.close();
    }

    @Test
    void backendBatchWithAKeyLandsInEvents() throws Exception {
        String user = "backend-" + UUID.randomUUID();
        String uuid = "01937a4e-0000-7000-8000-" + String.format("%012d", System.nanoTime() % 1_000_000_000_000L);
        String body = """
                {"api_key":"%s","batch":[
                  {"event":"order_placed","distinct_id":"%s","uuid":"%s","timestamp":"2026-11-24T10:00:00Z",
                   "properties":{"amount":42,"$current_url":"https://shop.example/checkout","$session_id":"s-%s"}},
                  {"event":"order_shipped","distinct_id":"%s","properties":{"carrier":"post"}}]}
                """.formatted(settings.apiKey(), user, uuid, user, user);
        HttpResponse<String> response = post("/batch/", body, null, false);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("\"ingested\":2"), response.body());

        List<JsonNode> rows = clickHouse.await("SELECT toString(uuid) AS uuid, event, distinct_id, toString(person_id) AS person_id, "
                        + "properties, toString(timestamp) AS ts, session_id, current_url FROM events FINAL WHERE distinct_id = '" + user
                        + "' ORDER BY event", r -> r.size() == 2, VISIBLE_WITHIN);
        JsonNode placed = rows.getFirst();
        assertEquals("order_placed", placed.get("event").asText());
        assertEquals(uuid, placed.get("uuid").asText(), "the client's uuid is kept");
        assertTrue(placed.get("ts").asText().startsWith("2026-11-24 10:00:00"), placed.toString());
        assertTrue(placed.get("properties").asText().contains("\"amount\":42"), placed.toString());
        assertEquals("s-" + user, placed.get("session_id").asText());
        assertEquals("https://shop.example/checkout", placed.get("current_url").asText());
        assertFalse(placed.get("person_id").asText().isBlank());
        assertEquals(placed.get("person_id"), rows.get(1).get("person_id"), "one person for one distinct id");
    }

    @Test
    void browserRequestsFromAnAllowedOriginNeedNoKey() throws Exception {
        String user = "browser-" + UUID.randomUUID();
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(settings.gatewayUrl() + "/e/"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", ALLOWED_ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(preflight.statusCode() == 200 || preflight.statusCode() == 204, "preflight " + preflight.statusCode());
        assertEquals(ALLOWED_ORIGIN, preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));

        String gzipped = """
                {"batch":[{"event":"$pageview","distinct_id":"%s","properties":{"$current_url":"http://localhost:3000/gz"}}]}
                """.formatted(user);
        HttpResponse<String> gzip = post("/e/", gzipped, ALLOWED_ORIGIN, true);
        assertEquals(200, gzip.statusCode(), gzip.body());

        String event = "[{\"event\":\"$pageview\",\"distinct_id\":\"" + user + "\",\"properties\":{\"$current_url\":\"http://localhost:3000/form\"}}]";
        String form = "data=" + URLEncoder.encode(Base64.getEncoder().encodeToString(event.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        HttpResponse<String> beacon = http.send(HttpRequest.newBuilder(URI.create(settings.gatewayUrl() + "/e/?compression=base64"))
                .header("Origin", ALLOWED_ORIGIN)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, beacon.statusCode(), beacon.body());

        String intruder = "intruder-" + UUID.randomUUID();
        HttpResponse<String> denied = post("/e/", "{\"batch\":[{\"event\":\"x\",\"distinct_id\":\"" + intruder + "\"}]}",
                "https://evil.example", false);
        assertEquals(403, denied.statusCode(), denied.body());
        assertTrue(denied.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "no CORS headers for a disallowed origin");

        List<JsonNode> rows = clickHouse.await("SELECT current_url FROM events FINAL WHERE distinct_id = '" + user + "' ORDER BY current_url",
                r -> r.size() == 2, VISIBLE_WITHIN);
        assertEquals("http://localhost:3000/form", rows.get(0).get("current_url").asText());
        assertEquals("http://localhost:3000/gz", rows.get(1).get("current_url").asText());
        // The allowed requests are visible, and the writer keeps partition order, so the denied one would be too by now.
        assertEquals(0, clickHouse.count("SELECT count() FROM events FINAL WHERE distinct_id = '" + intruder + "'"));
    }

    @Test
    void identifyLinksAnonymousAndIdentifiedIntoOnePerson() throws Exception {
        String anon = "anon-" + UUID.randomUUID();
        String email = "user-" + UUID.randomUUID() + "@example.com";
        String session = "session-" + UUID.randomUUID();
        String body = """
                {"api_key":"%1$s","batch":[
                  {"event":"$pageview","distinct_id":"%2$s","timestamp":"2026-11-24T10:00:00Z","properties":{"$session_id":"%4$s","$current_url":"https://app.example/"}},
                  {"event":"$pageview","distinct_id":"%2$s","timestamp":"2026-11-24T10:01:00Z","properties":{"$session_id":"%4$s","$current_url":"https://app.example/pricing"}},
                  {"event":"$identify","distinct_id":"%3$s","timestamp":"2026-11-24T10:02:00Z","properties":{"$anon_distinct_id":"%2$s","$session_id":"%4$s","$set":{"email":"%3$s","plan":"free"},"$set_once":{"first_seen":"pricing"}}},
                  {"event":"$pageview","distinct_id":"%3$s","timestamp":"2026-11-24T10:05:00Z","properties":{"$session_id":"%4$s","$current_url":"https://app.example/billing"}}]}
                """.formatted(settings.apiKey(), anon, email, session);
        assertEquals(200, post("/batch/", body, null, false).statusCode());

        List<JsonNode> links = clickHouse.await("SELECT distinct_id, toString(person_id) AS person_id FROM person_distinct_ids FINAL "
                + "WHERE distinct_id IN ('" + anon + "', '" + email + "') ORDER BY distinct_id", r -> r.size() == 2, VISIBLE_WITHIN);
        assertEquals(links.get(0).get("person_id"), links.get(1).get("person_id"), "anonymous and identified ids share one person");
        String personId = links.getFirst().get("person_id").asText();

        List<JsonNode> persons = clickHouse.await("SELECT properties FROM persons FINAL WHERE toString(id) = '" + personId + "'",
                r -> r.size() == 1, VISIBLE_WITHIN);
        String properties = persons.getFirst().get("properties").asText();
        assertTrue(properties.contains("\"plan\":\"free\"") && properties.contains("\"first_seen\":\"pricing\""), properties);

        List<JsonNode> sessions = clickHouse.await("SELECT * FROM sessions WHERE session_id = '" + session + "'",
                r -> r.size() == 1 && r.getFirst().path("pageview_count").asLong() == 3, VISIBLE_WITHIN);
        JsonNode s = sessions.getFirst();
        assertEquals("https://app.example/", s.get("entry_url").asText());
        assertEquals("https://app.example/billing", s.get("exit_url").asText());
        assertEquals(300, s.get("duration_seconds").asLong());
    }

    @Test
    void restartingTheServicesLosesAndDuplicatesNothing() throws Exception {
        String user = "restart-" + UUID.randomUUID();
        for (int i = 0; i < 50; i++) {
            assertEquals(200, post("/batch/", batch(user, "before", i), null, false).statusCode());
        }
        stack.restartServices();
        for (int i = 0; i < 50; i++) {
            assertEquals(200, post("/batch/", batch(user, "after", i), null, false).statusCode());
        }
        clickHouse.await("SELECT count() AS n FROM events FINAL WHERE distinct_id = '" + user + "'",
                r -> r.getFirst().get("n").asLong() >= 1000, VISIBLE_WITHIN);
        assertEquals(1000, clickHouse.count("SELECT count() FROM events FINAL WHERE distinct_id = '" + user + "'"));
        assertEquals(1000, clickHouse.count("SELECT uniqExact(uuid) FROM events WHERE distinct_id = '" + user + "'"));
    }

    @Test
    void aKilledWriterIsStartedAgainAndWhatWasSentMeanwhileLands() throws Exception {
        String user = "killed-" + UUID.randomUUID();
        int restartsBefore = stack.restarts();
        stack.writerProcess().kill(); // SIGKILL: no drain, no commit
        for (int i = 0; i < 20; i++) {
            assertEquals(200, post("/batch/", batch(user, "while-down", i), null, false).statusCode());
        }
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (stack.restarts() == restartsBefore && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(restartsBefore + 1, stack.restarts(), "the launcher starts the writer again");
        // The new writer gets the partitions only once the group gives up on the killed member
        // (its session timeout, 45 s by default): allow for that on top of the usual bound.
        clickHouse.await("SELECT count() AS n FROM events FINAL WHERE distinct_id = '" + user + "'",
                r -> r.getFirst().get("n").asLong() >= 200, VISIBLE_WITHIN.plusSeconds(60));
        assertEquals(200, clickHouse.count("SELECT count() FROM events FINAL WHERE distinct_id = '" + user + "'"));
    }

    @Test
    void aHistoricalBatchLandsThroughTheHistoricalWriterAndNeverTouchesTheLiveTopic() throws Exception {
        String user = "backfill-" + UUID.randomUUID();
        StringBuilder body = new StringBuilder("{\"api_key\":\"" + settings.apiKey() + "\",\"historical_migration\":true,\"batch\":[");
        for (int i = 0; i < 30; i++) {
            body.append(i == 0 ? "" : ",").append("{\"event\":\"imported\",\"distinct_id\":\"").append(user)
                    .append("\",\"timestamp\":\"2024-03-01T10:00:").append(String.format("%02d", i)).append("Z\"}");
        }
        HttpResponse<String> response = post("/batch/", body.append("]}").toString(), null, false);
        assertEquals(200, response.statusCode(), response.body());
        clickHouse.await("SELECT count() AS n FROM events FINAL WHERE distinct_id = '" + user + "'",
                r -> r.getFirst().get("n").asLong() >= 30, VISIBLE_WITHIN);
        assertEquals(30, clickHouse.count("SELECT count() FROM events FINAL WHERE distinct_id = '" + user + "'"));

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrapServers()))) {
            // The historical writer's group committed them (only this test sends historical batches) ...
            long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
            long committed = 0;
            while (committed < 30 && System.nanoTime() < deadline) {
                committed = admin.listConsumerGroupOffsets("cpa-writer-historical").partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                        .entrySet().stream().filter(e -> e.getKey().topic().equals(settings.historicalTopic()))
                        .mapToLong(e -> e.getValue().offset()).sum();
                Thread.sleep(100);
            }
            assertEquals(30, committed, "the historical group drained them");
        }
        // ... and the live topic never held one of them.
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(settings.eventsTopic()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    assertFalse(new String(r.value(), StandardCharsets.UTF_8).contains(user), "a backfill event on the live topic");
                }
            }
        }
    }

    private static String batch(String user, String phase, int request) {
        StringBuilder body = new StringBuilder("{\"api_key\":\"" + settings.apiKey() + "\",\"batch\":[");
        for (int i = 0; i < 10; i++) {
            body.append(i == 0 ? "" : ",").append("{\"event\":\"tick\",\"distinct_id\":\"").append(user)
                    .append("\",\"properties\":{\"phase\":\"").append(phase).append("\",\"request\":").append(request)
                    .append(",\"i\":").append(i).append("}}");
        }
        return body.append("]}").toString();
    }

    private HttpResponse<String> post(String path, String body, String origin, boolean gzipWithoutHint) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.gatewayUrl() + path))
                .timeout(Duration.ofSeconds(30));
        if (origin != null) {
            request.header("Origin", origin);
        }
        if (gzipWithoutHint) {
            request.header("Content-Type", "text/plain");
            request.POST(HttpRequest.BodyPublishers.ofByteArray(gzip(body)));
        } else {
            request.header("Content-Type", "application/json");
            request.POST(HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
