package com.clickhouse.analytics.writer.identity;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The derived person properties are the very nodes {@code readTree} builds (Jackson's equality is
 * typed: an int 5 and a long 5 differ), so comparing them with stored properties, which are read
 * with {@code readTree}, finds no change where there is none.
 */
class PersonEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void derivedValuesAreTheNodesReadTreeBuilds() throws Exception {
        List<String> values = List.of("\"Chrome\"", "\"\"", "\"caf\\u00e9 \\\"q\\\"\"", "0", "-7", "2147483647", "2147483648",
                "-9223372036854775808", "92233720368547758070", "17.22", "-26.1125", "1e300", "4.9E-324", "1.0", "true", "false",
                "null", "{\"a\":[1,2.5,\"x\"]}", "[1,2]");
        for (String v : values) {
            String properties = "{\"$browser\":" + v + ",\"$geoip_latitude\":" + v + ",\"other\":" + v + "}";
            JsonNode expected = JSON.readTree(properties).get("$browser");
            Instant t = Instant.parse("2026-01-01T00:00:00Z");
            PersonEvent e = PersonEvent.of(new Event(UUID.randomUUID(), "k", "$pageview", "d", properties, t, null, t, null, null,
                    PassThrough.NONE));
            assertEquals(expected, e.set().get("$browser"), v);
            assertEquals(expected.getClass(), e.set().get("$browser").getClass(), v);
            assertEquals(expected, e.set().get("$geoip_latitude"), v);
            if (!expected.isNull()) {
                assertEquals(expected, e.setOnce().get("$initial_browser"), v);
            }
        }
    }

    @Test
    void theModeReadBeforeTheChangesIsTheModeOfTheEvent() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        List<String> texts = List.of("{}", "{\"$process_person_profile\":false}", "{\"$process_person_profile\":true}",
                "{\"$process_person_profile\":\"false\"}", "{\"a\":{\"$process_person_profile\":false}}",
                "{\"$process_person_profile\":false,\"$process_person_profile\":true}",
                "{\"$process_person_profile\":true,\"$browser\":\"Chrome\",\"$process_person_profile\":false}",
                "{\"$browser\":\"process_person_profile\"}", "{\"$process_person_profile\":false,\"broken\":");
        for (String properties : texts) {
            Event event = new Event(UUID.randomUUID(), "k", "$pageview", "d", properties, t, null, t, null, null, PassThrough.NONE);
            assertEquals(PersonEvent.of(event).mode() == PersonMode.FULL, PersonEvent.isFull(event), properties);
        }
        Event personless = new Event(UUID.randomUUID(), "k", "$pageview", "d", "{\"$process_person_profile\":false}", t, null, t,
                null, null, PassThrough.NONE);
        assertEquals(false, PersonEvent.isFull(personless));
    }
}
