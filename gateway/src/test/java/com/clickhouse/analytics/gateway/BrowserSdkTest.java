package com.clickhouse.analytics.gateway;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * posthog-js in a real headless Chromium ({@code playwright-core}), on a page served from another
 * origin than the gateway (a static server on another loopback port, that origin in
 * {@code ALLOWED_ORIGINS}): pageview, capture, identify, group, {@code reset()} and the unload beacon,
 * gzipped and uncompressed, read back from the topic and — through the real writer — from
 * ClickHouse: each event once, personless anonymous events attributed to the identified person
 * through the overrides, the {@code groups} row and {@code $group_0}. Installs Chromium with
 * apt-get when it is missing, and fails when it cannot.
 */
class BrowserSdkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpServer site;
    private static TestGateway gateway;
    private static TopicReader reader;
    private static Path chromium;
    private static StoredEvents stored;

    @BeforeAll
    static void start() throws Exception {
        chromium = chromium();
        NodeSdk.install();
        byte[] script = Files.readAllBytes(NodeSdk.DIR.resolve("node_modules/posthog-js/dist/array.full.no-external.js"));
        byte[] html = "<!doctype html><html><head><title>shop</title><script src=\"/posthog.js\"></script></head><body>shop</body></html>"
                .getBytes(StandardCharsets.UTF_8);
        site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.createContext("/", exchange -> {
            boolean js = exchange.getRequestURI().getPath().equals("/posthog.js");
            byte[] body = js ? script : html;
            exchange.getResponseHeaders().set("Content-Type", js ? "application/javascript" : "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        site.start();
        gateway = TestGateway.onSharedBroker(Map.of("ALLOWED_ORIGINS", origin()));
        reader = new TopicReader(Infrastructure.shared().kafkaBootstrapServers(), gateway.topic);
        stored = StoredEvents.forTopic("browser", gateway.topic);
    }

    @AfterAll
    static void stop() {
        if (stored != null) {
            stored.close();
        }
        if (reader != null) {
            reader.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (site != null) {
            site.stop(0);
        }
    }

    private static String origin() {
        return "http://127.0.0.1:" + site.getAddress().getPort();
    }

    /** Debian's chromium, installed when missing (the tests run as root); fails when it cannot be. */
    static synchronized Path chromium() {
        Path found = NodeSdk.which("chromium");
        if (found == null) {
            NodeSdk.run(List.of("apt-get", "update", "-qq"), Map.of(), 600);
            NodeSdk.run(List.of("apt-get", "install", "-y", "-qq", "chromium"), Map.of("DEBIAN_FRONTEND", "noninteractive"), 900);
            found = NodeSdk.require("chromium");
        }
        return found;
    }

    @Test
    void gzipped() throws Exception {
        scenario("gzip");
    }

    @Test
    void uncompressed() throws Exception {
        scenario("off");
    }

    private static void scenario(String compression) throws Exception {
        String run = "js-" + UUID.randomUUID();
        String out = NodeSdk.node("posthog-js-browser.mjs", Map.of("CHROMIUM", chromium.toString(), "PAGE", origin() + "/",
                "HOST", "http://localhost:" + gateway.gateway.port(), "KEY", TestGateway.KEY, "RUN", run, "COMPRESSION", compression));
        JsonNode result = json(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(out)));
        String anon = result.get("anon").asText();
        String afterReset = result.get("afterReset").asText();
        String user = run + "-user";
        assertNotEquals(anon, afterReset, "reset() starts a new anonymous id");

        List<Event> events;
        try {
            events = runEvents(run, 8);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nthe browser said: " + out + "\non the topic: "
                    + reader.drain(Duration.ZERO).stream().map(p -> p.event().event() + " " + p.event().properties()).toList(), e);
        }
        assertEquals(8, events.stream().map(Event::uuid).distinct().count(), "each event exactly once");
        Map<String, Event> byName = new java.util.HashMap<>();
        events.forEach(e -> assertEquals(null, byName.put(e.event(), e), "twice: " + e.event()));
        assertEquals(anon, byName.get("$pageview").distinctId());
        assertEquals(origin() + "/", byName.get("$pageview").get(com.clickhouse.analytics.schema.record.RecordField.CURRENT_URL));
        assertEquals(anon, byName.get("clicked_buy").distinctId());
        Event identify = byName.get("$identify");
        assertEquals(user, identify.distinctId());
        assertEquals(anon, identify.anonDistinctId());
        assertEquals("js@example.com", json(identify.set()).get("email").asText());
        Event group = byName.get("$groupidentify");
        assertEquals("acme", json(group.properties()).get("$group_key").asText());
        assertEquals("acme", json(byName.get("after_identify").properties()).get("$groups").get("company").asText());
        assertEquals(user, byName.get("after_identify").distinctId());
        assertEquals(afterReset, byName.get("after_reset").distinctId());
        assertEquals(afterReset, byName.get("before_unload").distinctId(), "delivered by the unload beacon");
        assertEquals(afterReset, byName.get("$pageleave").distinctId());

        // Playwright does not report the beacon sent while the page closes; before_unload above is the proof it went.
        List<JsonNode> requests = new java.util.ArrayList<>();
        result.get("requests").forEach(requests::add);
        boolean gzip = requests.stream().anyMatch(r -> r.get("gzip").asBoolean() || r.get("url").asText().contains("compression=gzip"));
        assertEquals(compression.equals("gzip"), gzip, "compression as configured: " + requests);

        assertStored(run, anon, user);
    }

    /** The run's rows in ClickHouse, written by the real writer from the topic. */
    private static void assertStored(String run, String anon, String user) throws Exception {
        String where = StoredEvents.ofRun(run);
        stored.awaitExactly(where, 8);
        assertEquals(List.of("$pageleave", "$pageview", "after_reset", "before_unload", "clicked_buy"), stored.personless(where),
                "the anonymous events, before identify and after reset(), are personless (identified_only)");
        UUID person = stored.personOf(user);
        assertEquals(person, stored.personOf(anon), "identify linked the anonymous id");
        Map<String, UUID> finalPersons = stored.finalPersons(where);
        for (String event : List.of("$pageview", "clicked_buy", "$identify", "$groupidentify", "after_identify")) {
            assertEquals(person, finalPersons.get(event), event + " belongs to the identified person: " + finalPersons);
        }
        assertNotEquals(person, finalPersons.get("after_reset"), "reset() started someone else");
        assertEquals("js@example.com", JSON.readTree(stored.personProperties(person)).get("email").asText());

        // posthog.group('company', 'acme', {employees: 40}): the project's first group type, index 0
        assertEquals(40, JSON.readTree(stored.groupProperties(TestGateway.KEY, 0, "acme")).get("employees").asInt());
        assertEquals("acme", stored.column(where, "after_identify", "`$group_0`"));
        assertEquals("", stored.column(where, "after_reset", "`$group_0`"), "reset() leaves the group");
    }

    /** The run's events (its super property {@code run}), once {@code count} arrived and no more come. */
    private static List<Event> runEvents(String run, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<Event> events = List.of();
        while (System.nanoTime() < deadline && events.size() < count) {
            events = ofRun(run, Duration.ofMillis(200));
        }
        events = ofRun(run, Duration.ofMillis(500));
        assertEquals(count, events.size(), "events of " + run + ": " + events.stream().map(Event::event).toList());
        return events;
    }

    private static List<Event> ofRun(String run, Duration wait) {
        return reader.drain(wait).stream().map(TopicReader.Produced::event)
                .filter(e -> run.equals(json(e.properties()).path("run").asText(null))).toList();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }
}
