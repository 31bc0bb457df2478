package com.clickhouse.analytics.gateway;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.clickhouse.analytics.gateway.decode.SegmentParser;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.posthog.java.PostHog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real server-side SDKs against one gateway on the real broker: posthog-java from JUnit,
 * posthog-node, {@code @segment/analytics-node} and {@code @rudderstack/rudder-sdk-node} from the
 * Node scripts of {@code src/test/sdk} ({@link NodeSdk}). Each scenario reads its events back from
 * the topic: each exactly once, with the distinct ids, names, identity fields and uuids the SDK's
 * calls stand for; and from ClickHouse, through the real writer ({@link StoredEvents}): the events
 * once, the persons and links the calls make (merged by identify, joined by alias), the group and
 * {@code $group_0}.
 */
class GatewaySdkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestGateway gateway;
    private static TopicReader reader;
    private static StoredEvents stored;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.onSharedBroker(Map.of());
        reader = new TopicReader(Infrastructure.shared().kafkaBootstrapServers(), gateway.topic);
        stored = StoredEvents.forTopic("sdk", gateway.topic);
    }

    @AfterAll
    static void stop() {
        stored.close();
        reader.close();
        gateway.close();
    }

    private static String host() {
        return "http://127.0.0.1:" + gateway.gateway.port();
    }

    private static String run() {
        return "sdk-" + UUID.randomUUID();
    }

    private static JsonNode properties(Event e) {
        try {
            return JSON.readTree(e.properties());
        } catch (Exception x) {
            throw new AssertionError(e.properties(), x);
        }
    }

    /** The run's events once {@code count} are there, checking no more arrive and none is there twice. */
    private static List<Event> exactly(String run, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<Event> events = List.of();
        while (System.nanoTime() < deadline) {
            events = reader.drain(Duration.ofMillis(200)).stream().map(TopicReader.Produced::event)
                    .filter(e -> e.distinctId().startsWith(run)).toList();
            if (events.size() >= count) {
                break;
            }
        }
        events = reader.drain(Duration.ofMillis(500)).stream().map(TopicReader.Produced::event)
                .filter(e -> e.distinctId().startsWith(run)).toList();
        assertEquals(count, events.size(), "events of " + run + ": " + events.stream().map(Event::event).toList());
        assertEquals(count, events.stream().map(Event::uuid).distinct().count(), "a uuid twice");
        return events;
    }

    private static Map<String, Event> byName(List<Event> events) {
        return events.stream().collect(Collectors.toMap(Event::event, Function.identity()));
    }

    @Test
    void posthogJava() throws Exception {
        String run = run();
        PostHog posthog = new PostHog.Builder(TestGateway.KEY).host(host()).build();
        posthog.capture(run + "-anon", "$pageview", Map.of("$current_url", "https://shop.example.com/"));
        posthog.identify(run + "-user", Map.of("email", "java@example.com"), Map.of("first_seen", "today"));
        posthog.capture(run + "-user", "order_completed", Map.of("revenue", 12, "$anon_distinct_id", run + "-anon"));
        posthog.alias(run + "-user", run + "-alias");
        posthog.shutdown();

        Map<String, Event> events = byName(exactly(run, 4));
        assertEquals(run + "-anon", events.get("$pageview").distinctId());
        assertEquals("https://shop.example.com/", events.get("$pageview").get(com.clickhouse.analytics.schema.record.RecordField.CURRENT_URL));
        Event identify = events.get("$identify");
        assertEquals(run + "-user", identify.distinctId());
        assertEquals("java@example.com", json(identify.set()).get("email").asText());
        assertEquals("today", json(identify.setOnce()).get("first_seen").asText());
        assertEquals(12, properties(events.get("order_completed")).get("revenue").asInt());
        Event alias = events.get("$create_alias");
        assertEquals(run + "-user", alias.distinctId());
        assertEquals(run + "-alias", alias.alias());
        assertEquals(TestGateway.KEY, alias.apiKey());

        String where = StoredEvents.byDistinctIdPrefix(run);
        stored.awaitExactly(where, 4);
        UUID person = stored.personOf(run + "-user");
        assertEquals(person, stored.personOf(run + "-alias"), "alias joined the person");
        assertTrue(!person.equals(stored.personOf(run + "-anon")), "posthog-java's identify names no anonymous id: no merge");
        JsonNode props = json(stored.personProperties(person));
        assertEquals("java@example.com", props.get("email").asText());
        assertEquals("today", props.get("first_seen").asText());
    }

    @Test
    void posthogNode() throws Exception {
        String run = run();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        NodeSdk.node("posthog-node.mjs", env(run, Map.of("UUID1", first.toString(), "UUID2", second.toString())));

        List<Event> all = exactly(run, 5);
        Map<String, Event> events = byName(all);
        assertEquals(first, events.get("$pageview").uuid(), "the uuid the SDK was given");
        assertEquals(run + "-anon", events.get("$pageview").distinctId());
        Event identify = events.get("$identify");
        assertEquals(run + "-user", identify.distinctId());
        assertEquals(run + "-anon", identify.anonDistinctId());
        assertEquals("node@example.com", json(identify.set()).get("email").asText());
        Event order = events.get("order_completed");
        assertEquals(second, order.uuid());
        assertEquals("acme", properties(order).get("$groups").get("company").asText());
        JsonNode group = properties(events.get("$groupidentify"));
        assertEquals("company", group.get("$group_type").asText());
        assertEquals("acme", group.get("$group_key").asText());
        assertEquals(40, group.get("$group_set").get("employees").asInt());
        assertEquals(run + "-alias", events.get("$create_alias").alias());
        assertTrue(properties(order).get("$lib").asText().startsWith("posthog-node"));

        String where = StoredEvents.byDistinctIdPrefix(run);
        stored.awaitExactly(where, 5);
        assertEquals(List.of(), stored.personless(where), "a backend SDK's events are all processed for persons");
        UUID person = stored.personOf(run + "-user");
        assertEquals(person, stored.personOf(run + "-anon"), "identify with $anon_distinct_id merged the anonymous person");
        assertEquals(person, stored.personOf(run + "-alias"), "alias joined the person");
        stored.finalPersons(where).forEach((event, p) -> assertEquals(person, p, event + " belongs to the merged person"));
        assertEquals("node@example.com", json(stored.personProperties(person)).get("email").asText());
        assertEquals(40, json(stored.groupProperties(TestGateway.KEY, 0, "acme")).get("employees").asInt());
        assertEquals("acme", stored.column(where, "order_completed", "`$group_0`"));
        assertEquals(first.toString(), stored.column(where, "$pageview", "uuid"), "the SDK's uuid is the row's");
    }

    @Test
    void segmentAnalyticsNode() throws Exception {
        assertSegmentScenario("segment-node.mjs", "@segment/analytics-node");
    }

    @Test
    void rudderstackNode() throws Exception {
        assertSegmentScenario("rudder-node.mjs", "analytics-node");
    }

    /** Both scripts make the same six calls, with message ids {@code <run>-msg-1} … {@code -6}. */
    private static void assertSegmentScenario(String script, String library) throws Exception {
        String run = run();
        NodeSdk.node(script, env(run, Map.of()));
        List<UUID> uuids = new java.util.ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            uuids.add(SegmentParser.uuid(TestGateway.KEY, run + "-msg-" + i));
        }
        List<Event> events = reader.await(uuids).stream().map(TopicReader.Produced::event).toList();
        exactly(run, 6);
        Event page = events.get(0);
        assertEquals("$pageview", page.event());
        assertEquals(run + "-anon", page.distinctId());
        assertEquals("https://shop.example.com/pricing", json(page.properties()).get("$current_url").asText());
        Event track = events.get(1);
        assertEquals("Product Viewed", track.event());
        assertEquals(run + "-anon", track.distinctId());
        assertEquals("x1", properties(track).get("sku").asText());
        assertTrue(properties(track).get("$lib").asText().contains(library), properties(track).toString());
        Event identify = events.get(2);
        assertEquals("$identify", identify.event());
        assertEquals(run + "-user", identify.distinctId());
        assertEquals(run + "-anon", identify.anonDistinctId());
        assertTrue(json(identify.set()).get("email").asText().endsWith("@example.com"));
        Event alias = events.get(3);
        assertEquals("$create_alias", alias.event());
        assertEquals(run + "-user", alias.distinctId());
        assertEquals(run + "-old", alias.alias());
        Event group = events.get(4);
        assertEquals("$groupidentify", group.event());
        assertEquals("acme", properties(group).get("$group_key").asText());
        assertEquals(40, properties(group).get("$group_set").get("employees").asInt());
        Event screen = events.get(5);
        assertEquals("$screen", screen.event());
        assertEquals("Home", properties(screen).get("$screen_name").asText());

        String where = StoredEvents.byDistinctIdPrefix(run);
        stored.awaitExactly(where, 6);
        UUID person = stored.personOf(run + "-user");
        assertEquals(person, stored.personOf(run + "-anon"), "identify with anonymousId merged the anonymous person");
        assertEquals(person, stored.personOf(run + "-old"), "alias joined previousId");
        stored.finalPersons(where).forEach((event, p) -> assertEquals(person, p, event + " belongs to the merged person"));
        assertTrue(json(stored.personProperties(person)).get("email").asText().endsWith("@example.com"));
        assertEquals(40, json(stored.groupProperties(TestGateway.KEY, 0, "acme")).get("employees").asInt(), "the group call's traits");
    }

    private static Map<String, String> env(String run, Map<String, String> more) {
        Map<String, String> env = new HashMap<>(more);
        env.put("HOST", host());
        env.put("KEY", TestGateway.KEY);
        env.put("RUN", run);
        return env;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }
}
