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
 * PostHog's person semantics, end to end through Kafka, the writer process and
 * ClickHouse, across batches (each phase is drained before the next is produced).
 */
class IdentityScenariosTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private Instant clock = Instant.parse("2026-04-01T12:00:00Z");

    /** The attribution query of schema/README.md: each event's final person through the overrides of its project. */
    static final String ATTRIBUTION = "SELECT e.uuid AS uuid, if(o.override_person_id = toUUID('00000000-0000-0000-0000-000000000000'),"
            + " e.person_id, o.override_person_id) AS person FROM {db}.events AS e FINAL"
            + " LEFT JOIN (SELECT project, old_person_id, argMax(override_person_id, version) AS override_person_id"
            + " FROM {db}.person_overrides GROUP BY project, old_person_id) AS o ON o.project = e.project AND o.old_person_id = e.person_id";

    @Test
    void postHogPersonsEndToEnd() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("identity");
        KafkaBroker.createTopic(bootstrap, topic, 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "identity").migrate(SchemaMigrator::migrate);
             WriterProcess writer = WriterProcess.start("writer-identity", bootstrap, endpoint, ch.database, topic, topic,
                     Map.of("WRITER_BATCH_MAX_AGE_MS", "200"))) {
            UUID user1 = PersonIds.deterministic("phc_test", "user-1");

            // Phase 1: anonymous, personless browsing (posthog-js identified_only) with campaign parameters.
            String personless = "{\"$process_person_profile\":false,\"utm_source\":\"news\"}";
            Event pv1 = event("$pageview", "anon-1", personless, "{\"ignored\":1}", null, null, null);
            Event pv2 = event("$pageview", "anon-1", personless, null, null, null, null);
            drain(ch, bootstrap, topic, writer, List.of(pv1, pv2));
            assertEquals(0L, ch.longValue("SELECT count() FROM {db}.persons"));
            assertEquals(0L, ch.longValue("SELECT count() FROM {db}.person_distinct_ids"));
            assertEquals(2L, ch.longValue("SELECT count() FROM {db}.events FINAL WHERE person_mode = 'propertyless'"));

            // Phase 2: identify; a later full-mode pageview with UTM parameters; an $unset.
            Event identify = event("$identify", "user-1", "{\"utm_source\":\"ads\",\"$current_url\":\"https://shop/1\"}",
                    "{\"email\":\"a@example.com\",\"tmp\":1}", null, "anon-1", null);
            Event unset = event("$set", "user-1", "{\"$unset\":[\"tmp\"]}", null, null, null, null);
            drain(ch, bootstrap, topic, writer, List.of(identify, unset));
            assertEquals(1L, ch.longValue("SELECT count() FROM {db}.persons FINAL WHERE is_deleted = 0"));
            assertEquals(Map.of("anon-1", user1, "user-1", user1), mappings(ch));
            Map<?, ?> props = JSON.readValue((String) person(ch, user1).get("properties"), Map.class);
            assertEquals("a@example.com", props.get("email"));
            assertEquals("ads", props.get("utm_source"));
            assertEquals("ads", props.get("$initial_utm_source"));
            assertEquals("https://shop/1", props.get("$initial_current_url"));
            assertEquals(false, props.containsKey("tmp"), "unset");
            assertEquals(false, props.containsKey("ignored"), "a personless $set is ignored");
            Map<UUID, UUID> attributed = attribution(ch);
            assertEquals(user1, attributed.get(pv1.uuid()), "the override maps the anonymous events");
            assertEquals(user1, attributed.get(pv2.uuid()));

            // Phase 3: user-2 exists; identifying it with the already identified anon-1 is refused.
            drain(ch, bootstrap, topic, writer, List.of(event("$pageview", "user-2", null, null, null, null, null)));
            Event second = event("$identify", "user-2", null, null, null, "anon-1", null);
            Event illegal = event("$identify", "user-3", null, null, null, "undefined", null);
            drain(ch, bootstrap, topic, writer, List.of(second, illegal));
            assertEquals(user1, mappings(ch).get("anon-1"));
            assertEquals(false, mappings(ch).containsKey("undefined"));
            assertEquals(1L, ch.longValue("SELECT count() FROM {db}.ingestion_warnings WHERE type = 'merge_refused' AND event_uuid = '"
                    + second.uuid() + "' AND source = 'writer'"));
            assertEquals(1L, ch.longValue("SELECT count() FROM {db}.ingestion_warnings WHERE type = 'illegal_distinct_id' AND event_uuid = '"
                    + illegal.uuid() + "'"));

            // Phase 4: $merge_dangerously merges the identified user-2 into user-1; every id and event follows.
            Event merge = event("$merge_dangerously", "user-1", null, null, null, null, "user-2");
            drain(ch, bootstrap, topic, writer, List.of(merge));
            assertEquals(user1, mappings(ch).get("user-2"));
            assertEquals(1L, ch.longValue("SELECT count() FROM {db}.persons FINAL WHERE is_deleted = 1"));
            attribution(ch).forEach((event, person) -> {
                if (!event.equals(illegal.uuid())) {
                    assertEquals(user1, person, "event " + event);
                }
            });

            // Phase 5: a top-level $unset (as the record carries it) removes person properties too.
            Event topUnset = event("$set", "user-1", null, "{\"plan\":\"pro\"}", null, null, null)
                    .with(RecordField.UNSET, "[\"email\"]");
            drain(ch, bootstrap, topic, writer, List.of(topUnset));
            Map<?, ?> afterUnset = JSON.readValue((String) person(ch, user1).get("properties"), Map.class);
            assertEquals(false, afterUnset.containsKey("email"), "top-level $unset: " + afterUnset);
            assertEquals("pro", afterUnset.get("plan"));
            assertEquals("[\"email\"]", ch.query("SELECT unset_properties FROM {db}.events FINAL WHERE uuid = '" + topUnset.uuid() + "'")
                    .getFirst().getString(1));

            // Phase 6: groups. A $groupidentify upserts the group; events carry $group_N by the project's type index.
            Event group = event("$groupidentify", "user-1", "{\"$group_type\":\"company\",\"$group_key\":\"acme\","
                    + "\"$group_set\":{\"name\":\"Acme\"},\"$groups\":{\"company\":\"acme\"}}", null, null, null, null);
            Event inGroups = event("$pageview", "user-1", "{\"$groups\":{\"company\":\"acme\",\"team\":\"core\"}}",
                    null, null, null, null);
            drain(ch, bootstrap, topic, writer, List.of(group, inGroups));
            assertEquals("acme|core", ch.query("SELECT concat(`$group_0`, '|', `$group_1`) FROM {db}.events FINAL WHERE uuid = '"
                    + inGroups.uuid() + "'").getFirst().getString(1));
            var groupRow = ch.query("SELECT project, toInt32(group_type_index) AS idx, group_key, group_properties FROM {db}.groups FINAL")
                    .getFirst();
            assertEquals(List.of("phc_test", 0L, "acme", "{\"name\":\"Acme\"}"), List.of(groupRow.getString("project"),
                    groupRow.getLong("idx"), groupRow.getString("group_key"), groupRow.getString("group_properties")));
            assertEquals(2L, ch.longValue("SELECT count() FROM {db}.group_type_mapping WHERE project = 'phc_test'"));
        }
    }

    /**
     * Projects: {@code app} sends with its bare key; {@code shop} with two keys {@code s1} and {@code s2}
     * (the record carries the project, as the gateway writes it for {@code shop:s1,shop:s2}). The same
     * distinct ids in both.
     */
    @Test
    void theSameDistinctIdInTwoProjectsIsTwoPersonsAndAMergeStaysInItsProject() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("projects");
        KafkaBroker.createTopic(bootstrap, topic, 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "projects").migrate(SchemaMigrator::migrate);
             WriterProcess writer = WriterProcess.start("writer-projects", bootstrap, endpoint, ch.database, topic, topic,
                     Map.of("WRITER_BATCH_MAX_AGE_MS", "200"))) {
            UUID app42 = PersonIds.deterministic("app", "42");
            UUID shop42 = PersonIds.deterministic("shop", "42");
            UUID appAnon = PersonIds.deterministic("app", "anon-x");

            // Phase 1: "42" and "anon-x" in app; "42" in shop through both of its keys, one batch each.
            drain(ch, bootstrap, topic, writer, List.of(keyed("app", null, "$pageview", "42", "{\"plan\":\"app\"}"),
                    keyed("app", null, "$pageview", "anon-x", null)));
            drain(ch, bootstrap, topic, writer, List.of(keyed("s1", "shop", "$pageview", "42", "{\"plan\":\"shop\"}")));
            drain(ch, bootstrap, topic, writer, List.of(keyed("s2", "shop", "$pageview", "42", null)));
            assertEquals(Map.of("app 42", app42, "app anon-x", appAnon, "shop 42", shop42), links(ch));
            assertEquals(List.of("app " + app42 + " {\"plan\":\"app\"}", "app " + appAnon + " {}", "shop " + shop42 + " {\"plan\":\"shop\"}")
                    .stream().sorted().toList(), ch.query("SELECT project, id, properties FROM {db}.persons FINAL WHERE is_deleted = 0")
                    .stream().map(r -> r.getString(1) + " " + r.getUUID(2) + " " + r.getString(3)).sorted().toList(),
                    "two persons for \"42\", one per project; both keys of shop reach the same one");
            assertEquals(List.of("app app 2", "s1 shop 1", "s2 shop 1"), ch.query("SELECT api_key, project, count() FROM {db}.events FINAL"
                    + " GROUP BY api_key, project ORDER BY api_key").stream().map(r -> r.getString(1) + " " + r.getString(2) + " "
                    + r.getLong(3)).toList(), "events.project: the record's project, else the api key");

            // Phase 2: in shop, "42" identifies "anon-x" (shop's anon-x: a person of its own first). app's "anon-x" is untouched.
            UUID shopAnon = PersonIds.deterministic("shop", "anon-x");
            Event shopAnonView = keyed("s1", "shop", "$pageview", "anon-x", null);
            drain(ch, bootstrap, topic, writer, List.of(shopAnonView));
            assertEquals(shopAnon, attribution(ch).get(shopAnonView.uuid()));
            drain(ch, bootstrap, topic, writer, List.of(keyed("s2", "shop", "$identify", "42", null).with(RecordField.ANON_DISTINCT_ID, "anon-x")));
            assertEquals(Map.of("app 42", app42, "app anon-x", appAnon, "shop 42", shop42, "shop anon-x", shop42), links(ch));
            assertEquals(shop42, attribution(ch).get(shopAnonView.uuid()), "shop's anonymous event, through shop's override");
            assertEquals(List.of("shop " + shopAnon + " " + shop42), ch.query("SELECT project, old_person_id, override_person_id"
                    + " FROM {db}.person_overrides FINAL").stream().map(r -> r.getString(1) + " " + r.getUUID(2) + " " + r.getUUID(3))
                    .toList(), "the merge's override is shop's; app has none");
            assertEquals(0L, ch.longValue("SELECT count() FROM {db}.persons FINAL WHERE project = 'app' AND is_deleted = 1"));

            // Phase 3: app's anon-x again: still app's own person, found through the writer's cache and the table.
            Event appAgain = keyed("app", null, "$pageview", "anon-x", null);
            drain(ch, bootstrap, topic, writer, List.of(appAgain));
            assertEquals(appAnon, attribution(ch).get(appAgain.uuid()));
        }
    }

    private static Map<String, UUID> links(TestClickHouse ch) {
        Map<String, UUID> out = new HashMap<>();
        ch.query("SELECT project, distinct_id, person_id FROM {db}.person_distinct_ids FINAL WHERE is_deleted = 0")
                .forEach(r -> out.put(r.getString(1) + " " + r.getString(2), r.getUUID(3)));
        return out;
    }

    /**
     * An event sent with {@code apiKey}; {@code project} is the record's project field (null: none, the
     * key is the project); {@code set} its {@code $set}, or null.
     */
    private Event keyed(String apiKey, String project, String name, String distinctId, String set) {
        clock = clock.plusSeconds(1);
        return new Event(UUID.randomUUID(), apiKey, name, distinctId, "{}", clock, null, clock,
                null, null, PassThrough.NONE.with(RecordField.PROJECT, project).with(RecordField.SET, set));
    }

    private static Map<UUID, UUID> attribution(TestClickHouse ch) {
        Map<UUID, UUID> out = new HashMap<>();
        ch.query(ATTRIBUTION).forEach(r -> out.put(r.getUUID("uuid"), r.getUUID("person")));
        return out;
    }

    private Event event(String name, String distinctId, String properties, String set, String setOnce, String anon, String alias) {
        clock = clock.plusSeconds(1);
        return new Event(UUID.randomUUID(), "phc_test", name, distinctId, properties == null ? "{}" : properties, clock, null, clock,
                null, null,
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
