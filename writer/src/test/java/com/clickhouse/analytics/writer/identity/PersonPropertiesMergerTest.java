package com.clickhouse.analytics.writer.identity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The merger reads a person's stored text lazily; these tests hold it to the plain rules
 * ({@code $set_once} fills, {@code $set} overwrites, {@code $unset} removes, whether a change
 * counts) computed here on a tree from the start, over random persons and events whose values
 * often equal the stored ones.
 */
class PersonPropertiesMergerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-06-01T10:00:00Z");
    private static final List<String> KEYS = List.of("$browser", "$os", "$geoip_city_name", "$geoip_latitude", "plan", "email",
            "$initial_browser", "$initial_geoip_city_name", "$current_url", "utm_source", "n", "nested");
    private static final List<String> VALUES = List.of("\"Chrome\"", "\"Firefox\"", "\"caf\\u00e9\"", "\"\"", "\"x\\\"y\"", "1", "2",
            "2147483648", "-26.1125", "1.0", "true", "false", "null", "{\"a\":[1,\"b\"]}", "[1,2]");

    @Test
    void readsTheStoredTextOnlyAsTheRulesOnATreeWould() throws Exception {
        long seed = System.nanoTime();
        System.out.println("PersonPropertiesMergerTest seed=" + seed);
        Random random = new Random(seed);
        for (int round = 0; round < 3000; round++) {
            String stored = random.nextInt(10) == 0 ? null : object(random, 6);
            List<PersonEvent> events = new ArrayList<>();
            for (int i = 1 + random.nextInt(5); i > 0; i--) {
                events.add(event(random, stored));
            }
            PersonPropertiesMerger merger = new PersonPropertiesMerger(stored);
            ObjectNode expected = stored == null ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(stored);
            boolean expectedChanged = false;
            for (PersonEvent e : events) {
                merger.apply(e);
                expectedChanged |= applyOnTree(expected, e);
            }
            String context = "seed " + seed + " round " + round + ": stored " + stored + ", events " + events.stream()
                    .map(e -> e.event().event() + " set " + e.set() + " once " + e.setOnce() + " unset " + e.unset()).toList();
            assertEquals(expected, JSON.readTree(merger.json()), context);
            assertEquals(expectedChanged, merger.changed(), context);
        }
    }

    @Test
    void anEventThatRepeatsThePersonKeepsTheStoredTextAsItIs() {
        String stored = "{\"$browser\":\"Chrome\",\"$initial_browser\":\"Chrome\",\"n\":1, \"plan\":\"pro\"}";
        PersonPropertiesMerger merger = new PersonPropertiesMerger(stored)
                .apply(event("$pageview", "{\"$browser\":\"Chrome\"}", "{\"n\":1}", null, null));
        assertEquals(false, merger.changed());
        assertSame(stored, merger.json(), "not parsed, not re-rendered");
        merger.apply(event("$pageview", "{}", "{\"plan\":\"team\"}", null, null));
        assertEquals(true, merger.changed());
        assertEquals("{\"$browser\":\"Chrome\",\"$initial_browser\":\"Chrome\",\"n\":1,\"plan\":\"team\"}", merger.json());
    }

    @Test
    void pageViewsThatMoveOnlyUncountedKeysAreLaidOverTheStoredTextInOrder() {
        String stored = "{\"$current_url\":\"https://a\",\"plan\":\"pro\",\"$screen_width\":1,"
                + "\"$initial_current_url\":\"https://a\",\"$initial_screen_width\":1}";
        PersonPropertiesMerger merger = new PersonPropertiesMerger(stored)
                .apply(event("$pageview", "{\"$current_url\":\"https://b\"}", null, null, null))
                .apply(event("$pageview", "{\"$current_url\":\"https://c\",\"$screen_width\":2}", null, null, null));
        assertEquals(false, merger.changed(), "a page view's URL and screen alone are not worth a write");
        merger.apply(event("$pageview", "{\"$current_url\":\"https://a\"}", null, null, null)); // the stored value, not the latest
        assertEquals("{\"$current_url\":\"https://a\",\"plan\":\"pro\",\"$screen_width\":2,"
                + "\"$initial_current_url\":\"https://a\",\"$initial_screen_width\":1}", merger.json());
        merger.apply(event("$pageview", "{}", "{\"plan\":\"team\"}", null, null));
        assertEquals(true, merger.changed());
        assertEquals("{\"$current_url\":\"https://a\",\"plan\":\"team\",\"$screen_width\":2,"
                + "\"$initial_current_url\":\"https://a\",\"$initial_screen_width\":1}", merger.json());
    }

    /** The rules on a tree, as the merger applied them before it read lazily; whether a change counts. */
    private static boolean applyOnTree(ObjectNode properties, PersonEvent e) {
        boolean changed = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = e.setOnce().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!properties.has(field.getKey())) {
                properties.set(field.getKey(), field.getValue());
                changed |= e.counts(field.getKey());
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = e.set().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode old = properties.get(field.getKey());
            if (!field.getValue().equals(old)) {
                changed |= old == null || e.counts(field.getKey());
                properties.set(field.getKey(), field.getValue());
            }
        }
        for (String key : e.unset()) {
            changed |= properties.remove(key) != null;
        }
        return changed;
    }

    /** A random event; half of its values are taken from the stored person, so many change nothing. */
    private static PersonEvent event(Random random, String stored) throws Exception {
        JsonNode person = stored == null ? JSON.createObjectNode() : JSON.readTree(stored);
        String name = random.nextInt(4) == 0 ? "$identify" : "$pageview";
        String properties = random.nextBoolean() ? "{}" : echo(random, person, 4);
        String set = random.nextInt(3) == 0 ? null : echo(random, person, 3);
        String setOnce = random.nextInt(3) == 0 ? null : echo(random, person, 3);
        String unset = random.nextInt(5) == 0 ? "[\"" + KEYS.get(random.nextInt(KEYS.size())) + "\"]" : null;
        return event(name, properties, set, setOnce, unset);
    }

    private static PersonEvent event(String name, String properties, String set, String setOnce, String unset) {
        PassThrough pass = PassThrough.NONE.with(RecordField.SET, set).with(RecordField.SET_ONCE, setOnce)
                .with(RecordField.UNSET, unset);
        return PersonEvent.of(new Event(UUID.randomUUID(), "k", name, "d", properties, T, null, T, null, null, pass));
    }

    /** An object of up to {@code max} members; a value is the person's own (as text) or a random one. */
    private static String echo(Random random, JsonNode person, int max) {
        StringBuilder out = new StringBuilder("{");
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            String key = KEYS.get(random.nextInt(KEYS.size()));
            if (out.indexOf("\"" + key + "\":") >= 0) {
                continue;
            }
            JsonNode own = person.get(key);
            String value = own != null && random.nextBoolean() ? own.toString() : VALUES.get(random.nextInt(VALUES.size()));
            out.append(out.length() > 1 ? "," : "").append('"').append(key).append("\":").append(value);
        }
        return out.append('}').toString();
    }

    private static String object(Random random, int max) {
        return echo(random, JSON.createObjectNode(), max);
    }
}
