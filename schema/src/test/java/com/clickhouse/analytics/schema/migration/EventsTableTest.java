package com.clickhouse.analytics.schema.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.data.ClickHouseFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What the migrated schema does with data, against the real ClickHouse: replayed events collapse,
 * retried inserts are dropped by their token, the sessions view summarizes sessions.
 */
class EventsTableTest {

    private TestClickHouse ch;

    @BeforeEach
    void migrate(TestInfo test) throws Exception {
        ch = TestClickHouse.create(test.getTestMethod().orElseThrow().getName());
        SchemaMigrator.migrate(ch.client, ch.database);
        // Merges would collapse duplicates on their own; stopped, the counts below show FINAL at work.
        ch.execute("SYSTEM STOP MERGES {db}.events");
    }

    @AfterEach
    void close() throws Exception {
        ch.close();
    }

    @Test
    void aReplayedEventWithTheSameUuidCollapsesUnderFinal() throws Exception {
        String replayed = row(UUID.randomUUID(), "$pageview", "u1", "s1", "2026-11-24 10:00:00", "https://example.com/");
        insert(null, replayed, row(UUID.randomUUID(), "$pageview", "u2", "s2", "2026-11-24 10:00:01", "https://example.com/"));
        insert(null, row(UUID.randomUUID(), "$pageview", "u3", "s3", "2026-11-24 10:00:02", "https://example.com/"), replayed);

        assertEquals(4, ch.longValue("SELECT count() FROM {db}.events"), "both copies stored");
        assertEquals(3, ch.longValue("SELECT count() FROM {db}.events FINAL"));
        assertEquals(1, ch.longValue("SELECT count() FROM {db}.events FINAL WHERE distinct_id = 'u1'"));
    }

    @Test
    void anInsertRepeatedWithTheSameDeduplicationTokenAddsNoRows() throws Exception {
        String token = "events-3-1000-1099"; // as the writer derives it: partition and offset range
        insert(token, row(UUID.randomUUID(), "a", "u1", "", "2026-11-24 10:00:00", ""),
                row(UUID.randomUUID(), "b", "u1", "", "2026-11-24 10:00:01", ""));
        assertEquals(2, ch.longValue("SELECT count() FROM {db}.events"));

        // A retry of the same Kafka range: new uuids even, as if re-normalized; the token alone decides.
        insert(token, row(UUID.randomUUID(), "a", "u1", "", "2026-11-24 10:00:00", ""),
                row(UUID.randomUUID(), "b", "u1", "", "2026-11-24 10:00:01", ""));
        assertEquals(2, ch.longValue("SELECT count() FROM {db}.events"), "retried batch dropped");

        insert("events-3-1100-1199", row(UUID.randomUUID(), "c", "u1", "", "2026-11-24 10:00:02", ""));
        assertEquals(3, ch.longValue("SELECT count() FROM {db}.events"), "the next range is inserted");
    }

    @Test
    void theSessionsViewSummarizesEachSession() throws Exception {
        UUID secondPageview = UUID.randomUUID();
        insert(null,
                row(UUID.randomUUID(), "$pageview", "anon-1", "sess-a", "2026-11-24 10:00:00", "https://shop.example/"),
                row(UUID.randomUUID(), "$autocapture", "anon-1", "sess-a", "2026-11-24 10:00:30", "https://shop.example/"),
                row(secondPageview, "$pageview", "anon-1", "sess-a", "2026-11-24 10:01:00", "https://shop.example/cart"),
                row(UUID.randomUUID(), "order_paid", "anon-1", "sess-a", "2026-11-24 10:02:05", ""), // server-side, no URL
                row(UUID.randomUUID(), "$pageview", "user-2", "sess-b", "2026-11-24 11:00:00", "https://shop.example/help"),
                row(UUID.randomUUID(), "$pageview", "user-3", "", "2026-11-24 12:00:00", "https://shop.example/"));
        // The second pageview delivered twice: counted once.
        insert(null, row(secondPageview, "$pageview", "anon-1", "sess-a", "2026-11-24 10:01:00", "https://shop.example/cart"));

        List<GenericRecord> sessions = ch.query("SELECT session_id, toString(started_at) AS started, toString(ended_at) AS ended, "
                + "duration_seconds, entry_url, exit_url, pageview_count, autocapture_count, event_count, distinct_id "
                + "FROM {db}.sessions ORDER BY session_id");

        assertEquals(List.of(
                        "sess-a|2026-11-24 10:00:00.000000|2026-11-24 10:02:05.000000|125|https://shop.example/|https://shop.example/cart|2|1|4|anon-1",
                        "sess-b|2026-11-24 11:00:00.000000|2026-11-24 11:00:00.000000|0|https://shop.example/help|https://shop.example/help|1|0|1|user-2"),
                sessions.stream().map(r -> String.join("|", r.getString("session_id"), r.getString("started"), r.getString("ended"),
                        String.valueOf(r.getLong("duration_seconds")), r.getString("entry_url"), r.getString("exit_url"),
                        String.valueOf(r.getLong("pageview_count")), String.valueOf(r.getLong("autocapture_count")),
                        String.valueOf(r.getLong("event_count")), r.getString("distinct_id"))).toList());
    }

    /** One JSONEachRow line with the columns the writer fills; the others take their defaults. */
    private static String row(UUID uuid, String event, String distinctId, String sessionId, String timestamp, String url) {
        return "{\"uuid\":\"" + uuid + "\",\"api_key\":\"phc_test\",\"event\":\"" + event + "\",\"distinct_id\":\"" + distinctId
                + "\",\"person_id\":\"" + UUID.nameUUIDFromBytes(distinctId.getBytes(StandardCharsets.UTF_8))
                + "\",\"properties\":\"{}\",\"timestamp\":\"" + timestamp + "\",\"received_at\":\"" + timestamp
                + "\",\"session_id\":\"" + sessionId + "\",\"current_url\":\"" + url + "\",\"host\":\"shop.example\"}";
    }

    private void insert(String deduplicationToken, String... rows) throws Exception {
        InsertSettings settings = new InsertSettings();
        if (deduplicationToken != null) {
            settings.serverSetting("insert_deduplication_token", deduplicationToken);
        }
        byte[] body = (String.join("\n", rows) + "\n").getBytes(StandardCharsets.UTF_8);
        try (InsertResponse ignored = ch.client.insert(ch.database + ".events", new ByteArrayInputStream(body), ClickHouseFormat.JSONEachRow,
                settings).get(60, TimeUnit.SECONDS)) {
            // inserted
        }
    }
}
