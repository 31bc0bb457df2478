package com.clickhouse.analytics.gateway;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.clickhouse.analytics.gateway.decode.SegmentParser;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The browser SDKs in a real headless Chromium ({@code playwright-core}), on pages served from
 * another origin than the gateway ({@link BrowserSite}, that origin in {@code ALLOWED_ORIGINS}), read
 * back from the topic and — through the real writer — from ClickHouse. Installs Chromium with apt-get
 * when it is missing, and fails when it cannot.
 * <ul>
 *   <li>posthog-js: pageview, capture, identify, group, {@code reset()} and the unload beacon, gzipped
 *       and uncompressed: each event once, personless anonymous events attributed to the identified
 *       person through the overrides, the {@code groups} row and {@code $group_0}.</li>
 *   <li>{@code @segment/analytics-next}, loaded by Segment's snippet from the site as a CDN proxy,
 *       against {@code /v1/*} with one request per call ({@code /v1/p}, {@code /v1/t}, …) and with its
 *       batching strategy ({@code /v1/b}, the last batch sent with {@code keepalive} on pagehide):
 *       page, track, identify after anonymous events, group, alias — each event once, under the uuid
 *       its {@code messageId} makes, mapped as gateway/README.md says, one merged person, the
 *       {@code groups} row, and no request leaving loopback.</li>
 * </ul>
 */
class BrowserSdkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a source's settings on Segment's CDN say, trimmed to the Segment.io destination; no remote metrics. */
    private static final String SEGMENT_SETTINGS = "{\"integrations\":{\"Segment.io\":{\"apiKey\":\"" + TestGateway.KEY + "\"}},"
            + "\"metrics\":{\"sampleRate\":0}}";
    private static BrowserSite site;
    private static TestGateway gateway;
    private static TopicReader reader;
    private static Path chromium;
    private static StoredEvents stored;

    @BeforeAll
    static void start() throws Exception {
        chromium = BrowserSite.chromium();
        NodeSdk.install();
        Path posthog = NodeSdk.DIR.resolve("node_modules/posthog-js/dist/array.full.no-external.js");
        Path segment = NodeSdk.DIR.resolve("node_modules/@segment/analytics-next/dist/umd");
        for (Path bundle : List.of(posthog, segment.resolve("standalone.js"))) {
            if (!Files.isRegularFile(bundle)) {
                throw new AssertionError(bundle + " is missing after npm ci: the browser tests need it");
            }
        }
        byte[] html = "<!doctype html><html><head><title>shop</title><script src=\"/posthog.js\"></script></head><body>shop</body></html>"
                .getBytes(StandardCharsets.UTF_8);
        site = new BrowserSite()
                .page("/", "text/html; charset=utf-8", () -> html)
                .page("/posthog.js", "application/javascript", () -> read(posthog))
                // a site proxying Segment's CDN: the standalone bundle, its chunks and the source's settings
                .page("/analytics.js/v1/" + TestGateway.KEY + "/analytics.min.js", "application/javascript", () -> read(segment.resolve("standalone.js")))
                .scripts("/analytics-next/bundles/", segment)
                .page("/v1/projects/" + TestGateway.KEY + "/settings", "application/json", () -> SEGMENT_SETTINGS.getBytes(StandardCharsets.UTF_8));
        for (String mode : List.of("standard", "batching")) {
            site.page("/shop/" + mode, "text/html; charset=utf-8", () -> segmentPage(mode).getBytes(StandardCharsets.UTF_8));
        }
        gateway = TestGateway.onSharedBroker(Map.of("ALLOWED_ORIGINS", site.origin()));
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
            site.close();
        }
    }

    private static String origin() {
        return site.origin();
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
        JsonNode result = lastJsonLine(out);
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

    /**
     * A page with Segment's snippet as a site proxying Segment's CDN has it: {@code analytics._cdn} is this
     * site, {@code apiHost}/{@code protocol} send to the gateway's {@code /v1}. The snippet's source
     * middleware records each message the library sends (the test needs the generated messageIds), and
     * its buffered {@code page()} is the anonymous visitor's first call.
     */
    private static String segmentPage(String mode) {
        String delivery = mode.equals("batching") ? "{strategy:'batching',config:{size:6,timeout:60000}}" : "{strategy:'standard'}";
        return """
                <!doctype html><html><head><title>Pricing</title><script>
                !function(){var analytics=window.analytics=window.analytics||[];if(analytics.initialize)return;
                analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready",
                "alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId",
                "addDestinationMiddleware","register","deregister"];
                analytics.factory=function(e){return function(){var t=Array.prototype.slice.call(arguments);t.unshift(e);analytics.push(t);return analytics}};
                for(var i=0;i<analytics.methods.length;i++){var key=analytics.methods[i];analytics[key]=analytics.factory(key)}
                analytics.load=function(key,options){var t=document.createElement("script");t.async=!0;
                t.src=analytics._cdn+"/analytics.js/v1/"+key+"/analytics.min.js";var n=document.getElementsByTagName("script")[0];
                n.parentNode.insertBefore(t,n);analytics._loadOptions=options};
                analytics._writeKey="%1$s";analytics._cdn="%2$s";
                analytics.addSourceMiddleware(function(m){var o=m.payload.obj;
                (window.sent=window.sent||[]).push({type:o.type,event:o.event||null,messageId:o.messageId});m.next(m.payload)});
                analytics.load("%1$s",{integrations:{"Segment.io":{apiHost:"localhost:%3$d/v1",protocol:"http",deliveryStrategy:%4$s}}});
                analytics.page();
                }();
                </script></head><body>pricing</body></html>
                """.formatted(TestGateway.KEY, origin(), gateway.gateway.port(), delivery);
    }

    @Test
    void segmentAnalyticsNextOneRequestPerCall() throws Exception {
        segmentScenario("standard");
    }

    @Test
    void segmentAnalyticsNextBatchingWithTheUnloadFlush() throws Exception {
        segmentScenario("batching");
    }

    private static void segmentScenario(String mode) throws Exception {
        String run = "next-" + UUID.randomUUID();
        String referrer = "http://news.example.com/spring-sale";
        String url = origin() + "/shop/" + mode + "?utm_source=news&utm_medium=email&utm_campaign=spring";
        String out = NodeSdk.node("segment-browser.mjs", Map.of("CHROMIUM", chromium.toString(), "PAGE", url, "REFERRER", referrer,
                "RUN", run, "MODE", mode));
        JsonNode result = lastJsonLine(out);
        String anon = result.get("anon").asText();
        String user = run + "-user";
        String crm = run + "-crm";
        String gatewayOrigin = "http://localhost:" + gateway.gateway.port();

        // no request left loopback (Chromium resolves no other host), and the library used its mode's endpoints
        List<JsonNode> requests = new ArrayList<>();
        result.get("requests").forEach(requests::add);
        Set<String> paths = new HashSet<>();
        for (JsonNode r : requests) {
            String u = r.get("url").asText();
            assertTrue(u.startsWith(origin() + "/") || u.startsWith(gatewayOrigin + "/"), "a request off loopback: " + u + "\n" + out);
            if (u.startsWith(gatewayOrigin + "/")) {
                paths.add(java.net.URI.create(u).getPath());
                assertEquals("text/plain", r.get("contentType").asText(), "analytics-next's content type: " + r);
                assertEquals(SegmentCaptureTest.basic(TestGateway.KEY), r.get("authorization").asText(), "the write key as Basic user: " + r);
            }
        }
        assertEquals(mode.equals("batching") ? Set.of("/v1/b") : Set.of("/v1/p", "/v1/t", "/v1/i", "/v1/g", "/v1/a"), paths, out);

        // each message the library sent is on the topic once, under the uuid its messageId makes
        List<String> expected = new ArrayList<>(List.of("page", "track:Product Viewed", "identify", "group", "alias", "track:after_identify"));
        if (mode.equals("batching")) {
            expected.add("track:before_unload");
        }
        Map<String, UUID> uuids = new HashMap<>();
        for (JsonNode m : result.get("sent")) {
            String call = m.get("type").asText() + (m.get("event").isNull() ? "" : ":" + m.get("event").asText());
            String messageId = m.get("messageId").asText();
            assertTrue(messageId.startsWith("ajs-next-"), "analytics-next's messageIds are not UUIDs: " + messageId);
            assertEquals(null, uuids.put(call, SegmentParser.uuid(TestGateway.KEY, messageId)), "sent twice: " + call);
        }
        assertEquals(Set.copyOf(expected), uuids.keySet(), "the calls the library made");
        Map<String, Event> byCall = new HashMap<>();
        try {
            List<TopicReader.Produced> produced = reader.await(expected.stream().map(uuids::get).toList());
            for (int i = 0; i < expected.size(); i++) {
                byCall.put(expected.get(i), produced.get(i).event());
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nthe browser said: " + out, e);
        }
        Set<String> ids = Set.of(anon, user, crm);
        assertEquals(expected.size(), reader.drain(Duration.ofMillis(300)).stream().filter(p -> ids.contains(p.event().distinctId())).count(),
                "each event exactly once on the topic");

        Event page = byCall.get("page");
        assertEquals("$pageview", page.event());
        assertEquals(anon, page.distinctId());
        JsonNode pageProps = json(page.properties());
        assertEquals(url, pageProps.get("$current_url").asText());
        assertEquals("/shop/" + mode, pageProps.get("$pathname").asText());
        assertEquals(result.get("referrer").asText(), pageProps.get("$referrer").asText(), "the referrer the page saw");
        assertEquals("news.example.com", pageProps.get("$referring_domain").asText());
        assertEquals("Pricing", pageProps.get("title").asText());
        assertEquals("spring", pageProps.get("utm_campaign").asText(), "context.campaign from the page's query");
        assertEquals("analytics.js", pageProps.get("$lib").asText());
        Event track = byCall.get("track:Product Viewed");
        assertEquals("Product Viewed", track.event());
        assertEquals(anon, track.distinctId());
        assertEquals(9.5, json(track.properties()).get("price").asDouble());
        Event identify = byCall.get("identify");
        assertEquals("$identify", identify.event());
        assertEquals(anon, identify.anonDistinctId());
        assertEquals("pro", json(identify.set()).get("plan").asText());
        Event group = byCall.get("group");
        assertEquals("$groupidentify", group.event());
        JsonNode groupProps = json(group.properties());
        assertEquals("company", groupProps.get("$group_type").asText());
        assertEquals(run + "-acme", groupProps.get("$group_key").asText());
        assertEquals(40, groupProps.get("$group_set").get("employees").asInt());
        Event alias = byCall.get("alias");
        assertEquals("$create_alias", alias.event());
        assertEquals(crm, alias.alias(), "alias(user, crm): previousId");
        for (String call : expected.subList(2, expected.size())) {
            assertEquals(user, byCall.get(call).distinctId(), "after identify(): " + call);
        }

        String where = StoredEvents.byDistinctIds(anon, user, crm);
        stored.awaitExactly(where, expected.size());
        UUID person = stored.personOf(user);
        assertEquals(person, stored.personOf(anon), "identify with the anonymousId merged the anonymous visitor");
        assertEquals(person, stored.personOf(crm), "alias joined previousId");
        Map<String, UUID> finalPersons = stored.finalPersons(where);
        assertEquals(expected.size(), finalPersons.size(), finalPersons.toString());
        finalPersons.forEach((event, p) -> assertEquals(person, p, event + " belongs to the merged person"));
        JsonNode traits = json(stored.personProperties(person));
        assertEquals("next@example.com", traits.get("email").asText());
        assertEquals("pro", traits.get("plan").asText());
        assertEquals(40, json(stored.groupProperties(TestGateway.KEY, 0, run + "-acme")).get("employees").asInt(), "group()'s traits");
    }

    /** The JSON line a browser script ends with (its page's console errors come before it). */
    private static JsonNode lastJsonLine(String out) {
        return json(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(out)));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }
}
