package com.clickhouse.analytics.writer.deletion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.schema.admin.DeletePerson;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.Await;
import com.clickhouse.analytics.writer.GeneratedTraffic;
import com.clickhouse.analytics.writer.WriterProcess;
import org.junit.jupiter.api.Test;

/**
 * {@code delete-person} end to end: a person with two distinct ids (linked by {@code $identify}) and
 * a third one merged into it through person_overrides is erased — events, sessions, persons,
 * distinct ids, overrides — with an audit row; then events of those ids still in Kafka (written
 * while the writer was down) and events arriving later are dropped by the writer and counted, and
 * the person does not come back. Another person is untouched.
 */
class DeletePersonTest {

    @Test
    void deletesEveryLinkedIdAndLateEventsInKafkaDoNotBringThePersonBack() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("delete_person");
        KafkaBroker.createTopic(bootstrap, topic, 2);
        Map<String, String> writerEnv = Map.of("WRITER_DELETION_REFRESH_SECONDS", "1");
        Random random = new Random(17);
        Instant t = Instant.parse("2026-04-01T10:00:00Z");
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "delete_person").migrate(SchemaMigrator::migrate)) {
            List<Event> first = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                first.add(event(random, "$pageview", "anon-1", t.plusSeconds(i), "s-anon", null));
                first.add(event(random, "$pageview", "keep-me", t.plusSeconds(i), "s-keep", null));
                first.add(event(random, "$pageview", "old-device", t.plusSeconds(i), "s-old", null));
            }
            first.add(event(random, "$identify", "alice@example.com", t.plusSeconds(30), "s-anon", "anon-1"));
            first.add(event(random, "$pageview", "alice@example.com", t.plusSeconds(31), "s-anon", null));
            // The same distinct ids in another project (its own key): other persons, which a deletion in the first leaves alone.
            first.add(inOther(event(random, "$identify", "alice@example.com", t.plusSeconds(32), "s-other", "anon-1")));
            WriterProcess writer = WriterProcess.start("writer-delete", bootstrap, endpoint, ch.database, topic, topic, writerEnv);
            try {
                GeneratedTraffic.produce(bootstrap, topic, first);
                Await.until(Duration.ofSeconds(90), () -> ch.eventsFinal() == first.size(), writer::logTail);
            } finally {
                writer.stop();
            }
            // old-device's person was merged into alice's: the row the identity step will write.
            UUID alice = UUID.fromString(ch.query("SELECT toString(person_id) FROM {db}.person_distinct_ids FINAL WHERE distinct_id = 'alice@example.com'"
                    + " AND project = '" + GeneratedTraffic.API_KEY + "'").getFirst().getString(1));
            UUID old = UUID.fromString(ch.query("SELECT toString(person_id) FROM {db}.events WHERE distinct_id = 'old-device' LIMIT 1")
                    .getFirst().getString(1));
            ch.client.execute("INSERT INTO " + ch.database + ".person_overrides (project, old_person_id, override_person_id, version) VALUES "
                    + "('phc_tables', '" + old + "', '" + UUID.randomUUID() + "', 1), ('phc_tables', '" + old + "', '" + alice + "', 2)")
                    .get().close();

            // Late events, still in Kafka while the person is deleted.
            List<Event> late = List.of(event(random, "$pageview", "anon-1", t.plusSeconds(100), "s-anon", null),
                    event(random, "$pageview", "alice@example.com", t.plusSeconds(101), "s-late", null),
                    event(random, "$pageview", "old-device", t.plusSeconds(102), "s-old", null));
            GeneratedTraffic.produce(bootstrap, topic, late);

            // PUBLIC_API_KEYS as the gateway has it: --api-key names the key's project.
            Map<String, String> env = Map.of("CLICKHOUSE_URL", endpoint.url(), "CLICKHOUSE_USER", endpoint.user(),
                    "CLICKHOUSE_PASSWORD", endpoint.password(), "CLICKHOUSE_DATABASE", ch.database, "USER", "dpo",
                    "PUBLIC_API_KEYS", GeneratedTraffic.API_KEY + ", other:other-key");
            assertTrue(run(env, 2, "alice@example.com", "--api-key=nope", "--dry-run").contains("not one of PUBLIC_API_KEYS"));
            assertTrue(run(env, 2, "alice@example.com", "--api-key=other-key", "--project=other").contains("not both"));
            assertTrue(run(env, 0, "alice@example.com", "--api-key=other-key", "--dry-run").contains("would delete 1 sessions, 1 events rows"),
                    "other-key names project other");
            String dry = run(env, 0, "alice@example.com", "--dry-run", "--api-key=" + GeneratedTraffic.API_KEY);
            assertTrue(dry.contains("would delete 2 sessions, 42 events rows, "), dry);
            assertTrue(dry.contains("[alice@example.com, anon-1, old-device]"), dry);
            assertEquals(first.size(), ch.eventsFinal(), "a dry run deletes nothing");

            String real = run(env, 0, "alice@example.com", "--settle-seconds=0", "--project=" + GeneratedTraffic.API_KEY);
            assertTrue(real.contains("deleting 2 sessions, 42 events rows"), real);
            assertGone(ch);
            assertEquals(20, ch.longValue("SELECT count() FROM {db}.events FINAL WHERE distinct_id = 'keep-me'"));
            assertOtherProjectKept(ch, 1);

            writer = WriterProcess.start("writer-delete-2", bootstrap, endpoint, ch.database, topic, topic, writerEnv);
            try {
                List<Event> later = List.of(event(random, "$pageview", "old-device", t.plusSeconds(200), "s-old", null),
                        event(random, "$identify", "someone-new", t.plusSeconds(201), "s-new", "anon-1"),
                        event(random, "$pageview", "keep-me", t.plusSeconds(202), "s-keep", null),
                        inOther(event(random, "$pageview", "alice@example.com", t.plusSeconds(203), "s-other", null)));
                GeneratedTraffic.produce(bootstrap, topic, later);
                Await.until(Duration.ofSeconds(90), () -> ch.longValue("SELECT count() FROM {db}.events FINAL WHERE distinct_id = 'keep-me'") == 21
                        && ch.longValue("SELECT count() FROM {db}.events FINAL WHERE project = 'other'") == 2, writer::logTail);
                WriterProcess w = writer;
                Await.until(Duration.ofSeconds(30), () -> w.metric("cpa_writer_deleted_person_events_dropped_total") == 5, w::logTail);
            } finally {
                writer.stop();
            }
            assertGone(ch);
            assertOtherProjectKept(ch, 2);

            var audit = ch.query("SELECT actor, requested_distinct_id, length(distinct_ids), events_deleted, persons_deleted, overrides_deleted"
                    + " FROM {db}.person_deletions").getFirst();
            assertEquals("dpo", audit.getString(1));
            assertEquals("alice@example.com", audit.getString(2));
            assertEquals(3, audit.getLong(3));
            assertEquals(42, audit.getLong(4), "events deleted");
        }
    }

    private static void assertGone(TestClickHouse ch) {
        String ids = "('alice@example.com', 'anon-1', 'old-device')";
        String ours = " AND project = '" + GeneratedTraffic.API_KEY + "'";
        assertEquals(0, ch.longValue("SELECT count() FROM {db}.events WHERE distinct_id IN " + ids + ours));
        assertEquals(0, ch.longValue("SELECT count() FROM {db}.person_distinct_ids WHERE distinct_id IN " + ids + ours));
        assertEquals(0, ch.longValue("SELECT count() FROM {db}.persons WHERE distinct_id IN " + ids + ours));
        assertEquals(0, ch.longValue("SELECT count() FROM {db}.person_overrides WHERE 1" + ours));
        assertEquals(0, ch.longValue("SELECT count() FROM {db}.sessions WHERE session_id IN ('s-anon', 's-old', 's-late')"));
        assertEquals(3, ch.longValue("SELECT count() FROM {db}.deleted_distinct_ids FINAL"));
    }

    /** Project other's alice (identified with its own anon-1): its events, links, person and override are all still there. */
    private static void assertOtherProjectKept(TestClickHouse ch, long events) {
        assertEquals(events, ch.longValue("SELECT count() FROM {db}.events FINAL WHERE project = 'other'"));
        assertEquals(2, ch.longValue("SELECT count() FROM {db}.person_distinct_ids FINAL WHERE project = 'other'"));
        assertEquals(1, ch.longValue("SELECT count() FROM {db}.persons FINAL WHERE project = 'other'"));
        assertEquals(2, ch.longValue("SELECT count() FROM {db}.person_overrides FINAL WHERE project = 'other'"),
                "anon-1's own id and its id from before projects, both to alice of project other");
    }

    private static String run(Map<String, String> env, int expectedCode, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DeletePerson.run(env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedCode, code, text);
        return text;
    }

    /** {@code e} as the gateway produces it for key {@code other-key} of project {@code other}. */
    private static Event inOther(Event e) {
        return new Event(e.uuid(), "other-key", e.event(), e.distinctId(), e.properties(), e.timestamp(), e.sentAt(), e.receivedAt(),
                e.ip(), e.userAgent(), e.passThrough().with(RecordField.PROJECT, "other"));
    }

    private static Event event(Random random, String name, String distinctId, Instant time, String session, String anon) {
        return new Event(new UUID(random.nextLong() & ~0xF000L | 0x7000L, random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L),
                GeneratedTraffic.API_KEY, name, distinctId, "{}", time, null, time, null, null, PassThrough.NONE
                        .with(RecordField.SESSION_ID, session).with(RecordField.CURRENT_URL, "https://x.example/a")
                        .with(RecordField.HOST, "x.example").with(RecordField.ANON_DISTINCT_ID, anon));
    }
}
