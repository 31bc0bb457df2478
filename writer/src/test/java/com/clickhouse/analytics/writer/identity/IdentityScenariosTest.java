package com.clickhouse.analytics.writer.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.Await;
import com.clickhouse.analytics.writer.TestKafka;
import com.clickhouse.analytics.writer.WriterProcess;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The original service's identity semantics, end to end through Kafka, the writer process and
 * ClickHouse, across batches (each phase is drained before the next is produced).
 */
class IdentityScenariosTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private Instant clock = Instant.parse("2026-04-01T12:00:00Z");

    @Test
    void anonymousToIdentifiedAliasAndSetMerge() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("identity");
        KafkaBroker.createTopic(bootstrap, topic, 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "identity").migrate(SchemaMigrator::migrate);
             WriterProcess writer = WriterProcess.start("writer-identity", bootstrap, endpoint, ch.database, topic, topic,
                     Map.of("WRITER_BATCH_MAX_AGE_MS", "200"))) {
            UUID user1 = PersonIds.deterministic("user-1");
            UUID anon2 = PersonIds.deterministic("anon-2");

            // Phase 1, one batch: anonymous browsing, then $identify with $set/$set_once, a $set, an alias.
            Event pv1 = event("$pageview", "anon-1", null, null, null, null);
            Event pv2 = event("$pageview", "anon-1", null, null, null, null);
            Event identify = event("$identify", "user-1", "{\"email\":\"a@example.com\",\"plan\":\"free\"}", "{\"first_seen\":\"2026-04\"}", "anon-1", null);
            Event set = event("$set", "user-1", "{\"plan\":\"pro\"}", "{\"first_seen\":\"later\",\"signup\":\"web\"}", null, null);
            Event alias = event("$create_alias", "user-1", null, null, null, "user-1-alt");
            Event viaAlias = event("$pageview", "user-1-alt", null, null, null, null);
            Event anon2Before = event("$pageview", "anon-2", null, null, null, null);
            drain(ch, bootstrap, topic, writer, List.of(pv1, pv2, identify, set, alias, viaAlias, anon2Before));

            // Links made in a batch apply to the whole batch, also to the events before the link.
            assertPersons(ch, Map.of(pv1.uuid(), user1, pv2.uuid(), user1, identify.uuid(), user1, set.uuid(), user1,
                    alias.uuid(), user1, viaAlias.uuid(), user1, anon2Before.uuid(), anon2));
            assertEquals(Map.of("anon-1", user1, "user-1", user1, "user-1-alt", user1, "anon-2", anon2), mappings(ch));
            Map<String, Object> person = person(ch, user1);
            assertEquals(Map.of("email", "a@example.com", "plan", "pro", "first_seen", "2026-04", "signup", "web"),
                    JSON.readValue((String) person.get("properties"), Map.class));
            assertEquals(1L, person.get("is_identified"));

            // Phase 2, a later batch: stored links are found; an identify adopts the anonymous person.
            Event laterAnon = event("$pageview", "anon-1", null, null, null, null);
            Event identify2 = event("$identify", "user-2", "{\"plan\":\"free\"}", null, "anon-2", null);
            Event after2 = event("$pageview", "user-2", null, null, null, null);
            Event setAgain = event("$set", "user-1", "{\"plan\":\"enterprise\"}", "{\"email\":\"ignored@example.com\"}", null, null);
            drain(ch, bootstrap, topic, writer, List.of(laterAnon, identify2, after2, setAgain));

            assertPersons(ch, Map.of(laterAnon.uuid(), user1, identify2.uuid(), anon2, after2.uuid(), anon2, setAgain.uuid(), user1));
            assertEquals(anon2, mappings(ch).get("user-2"));
            assertEquals(Map.of("email", "a@example.com", "plan", "enterprise", "first_seen", "2026-04", "signup", "web"),
                    JSON.readValue((String) person(ch, user1).get("properties"), Map.class));
            assertEquals(1L, person(ch, anon2).get("is_identified"));
            assertEquals(2L, ch.longValue("SELECT count() FROM {db}.persons FINAL"));
        }
    }

    private Event event(String name, String distinctId, String set, String setOnce, String anon, String alias) {
        clock = clock.plusSeconds(1);
        return new Event(UUID.randomUUID(), "phc_test", name, distinctId, "{}", clock, null, clock, null, null,
                PassThrough.NONE.with(RecordField.SET, set).with(RecordField.SET_ONCE, setOnce)
                        .with(RecordField.ANON_DISTINCT_ID, anon).with(RecordField.ALIAS, alias));
    }

    private static void drain(TestClickHouse ch, String bootstrap, String topic, WriterProcess writer, List<Event> events) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        events.forEach(e -> records.add(TestKafka.record(e, 0)));
        TestKafka.send(bootstrap, topic, records);
        long expected = ch.eventsFinal() + events.size();
        Await.until(Duration.ofSeconds(60), () -> ch.eventsFinal() >= expected && TestKafka.groupLag(bootstrap, topic, topic) == 0,
                writer::logTail);
    }

    private static void assertPersons(TestClickHouse ch, Map<UUID, UUID> expected) {
        Map<UUID, UUID> actual = new HashMap<>();
        ch.query("SELECT uuid, person_id FROM {db}.events FINAL").forEach(r -> actual.put(r.getUUID("uuid"), r.getUUID("person_id")));
        expected.forEach((event, personId) -> assertEquals(personId, actual.get(event), "person of event " + event));
    }

    private static Map<String, UUID> mappings(TestClickHouse ch) {
        Map<String, UUID> out = new HashMap<>();
        ch.query("SELECT distinct_id, person_id FROM {db}.person_distinct_ids FINAL WHERE is_deleted = 0")
                .forEach(r -> out.put(r.getString("distinct_id"), r.getUUID("person_id")));
        return out;
    }

    private static Map<String, Object> person(TestClickHouse ch, UUID id) {
        var r = ch.query("SELECT properties, toInt64(is_identified) AS identified FROM {db}.persons FINAL WHERE id = '" + id + "'").getFirst();
        return Map.of("properties", r.getString("properties"), "is_identified", r.getLong("identified"));
    }
}
