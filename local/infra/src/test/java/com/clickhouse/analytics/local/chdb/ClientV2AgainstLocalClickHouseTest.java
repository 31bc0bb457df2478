package com.clickhouse.analytics.local.chdb;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.LocalInfrastructure;
import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.data.ClickHouseFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official client (client-v2) against whatever ClickHouse the resolver provides — locally, chDB. */
class ClientV2AgainstLocalClickHouseTest {

    private static final int ROWS = 200_000;
    private static final long BASE_MILLIS = 1_735_689_600_000L; // 2025-01-01T00:00:00Z

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private static ClickHouseEndpoint endpoint;
    private static String database;
    private static Client client;

    @BeforeAll
    static void connect() {
        endpoint = LocalInfrastructure.clickHouse();
        database = "client_v2_" + System.nanoTime();
        client = clientAs(endpoint.user(), endpoint.password(), false);
        client.execute("CREATE DATABASE " + database).join();
    }

    @AfterAll
    static void disconnect() {
        client.execute("DROP DATABASE IF EXISTS " + database).join();
        client.close();
    }

    @Test
    void pings() {
        assertTrue(client.ping(5_000));
    }

    @Test
    void insertsTwoHundredThousandRowBinaryRowsInOneStreamAndReadsThemBack() throws Exception {
        client.execute("CREATE TABLE " + database + ".rb (id UInt64, ts DateTime64(3, 'UTC'), event LowCardinality(String), "
                + "props Map(String, String)) ENGINE = ReplacingMergeTree ORDER BY id").join();
        ByteArrayOutputStream rows = new ByteArrayOutputStream(ROWS * 48);
        for (int i = 0; i < ROWS; i++) {
            writeLong(rows, i);
            writeLong(rows, BASE_MILLIS + i);
            writeString(rows, "event_" + (i % 7));
            writeVarInt(rows, 2);
            writeString(rows, "k");
            writeString(rows, "v" + i);
            writeString(rows, "plan");
            writeString(rows, i % 2 == 0 ? "free" : "paid");
        }
        try (InsertResponse response = client.insert(database + ".rb", new ByteArrayInputStream(rows.toByteArray()),
                ClickHouseFormat.RowBinary).get(120, TimeUnit.SECONDS)) {
            assertEquals(ROWS, response.getWrittenRows(), "X-ClickHouse-Summary written_rows");
        }
        assertCountAndSamples("rb");
    }

    @Test
    void insertsTwoHundredThousandJsonEachRowRowsInOneStreamWithAJsonColumn() throws Exception {
        client.execute("CREATE TABLE " + database + ".js (id UInt64, ts DateTime64(3, 'UTC'), event LowCardinality(String), "
                + "props Map(String, String), attrs JSON) ENGINE = ReplacingMergeTree ORDER BY id").join();
        StringBuilder rows = new StringBuilder(ROWS * 120);
        for (int i = 0; i < ROWS; i++) {
            rows.append("{\"id\":").append(i).append(",\"ts\":\"").append(TIMESTAMP.format(Instant.ofEpochMilli(BASE_MILLIS + i))).append('"')
                    .append(",\"event\":\"event_").append(i % 7).append("\",\"props\":{\"k\":\"v").append(i)
                    .append("\",\"plan\":\"").append(i % 2 == 0 ? "free" : "paid").append("\"},\"attrs\":{\"n\":")
                    .append(i).append(",\"tag\":\"t").append(i % 3).append("\"}}\n");
        }
        try (InsertResponse response = client.insert(database + ".js",
                new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)), ClickHouseFormat.JSONEachRow)
                .get(120, TimeUnit.SECONDS)) {
            assertEquals(ROWS, response.getWrittenRows());
        }
        assertCountAndSamples("js");
        GenericRecord attrs = client.queryAll("SELECT toString(attrs.tag) AS tag, toInt64(attrs.n) AS n FROM "
                + database + ".js WHERE id = 12345").getFirst();
        assertEquals("t0", attrs.getString("tag"));
        assertEquals(12345, attrs.getLong("n"));
    }

    @Test
    void compressedRequestBodiesAreDecompressed() throws Exception {
        client.execute("CREATE TABLE " + database + ".zipped (id UInt64, s String) ENGINE = MergeTree ORDER BY id").join();
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            rows.append("{\"id\":").append(i).append(",\"s\":\"row ").append(i).append("\"}\n");
        }
        try (Client compressing = clientAs(endpoint.user(), endpoint.password(), true);
             InsertResponse ignored = compressing.insert(database + ".zipped",
                     new ByteArrayInputStream(rows.toString().getBytes(StandardCharsets.UTF_8)), ClickHouseFormat.JSONEachRow)
                     .get(60, TimeUnit.SECONDS)) {
            assertEquals(5_000, client.queryAll("SELECT count() FROM " + database + ".zipped").getFirst().getLong(1));
        }
    }

    @Test
    void bindsQueryParameters() {
        List<GenericRecord> rows = client.queryAll("SELECT {n:UInt32} * 2 AS doubled, concat({s:String}, '!') AS shout, "
                + "{day:Date} AS day", Map.of("n", 21, "s", "it's", "day", "2025-03-04"));
        assertEquals(42, rows.getFirst().getLong("doubled"));
        assertEquals("it's!", rows.getFirst().getString("shout"));
        assertEquals("2025-03-04", rows.getFirst().getString("day"));
    }

    @Test
    void aRepeatedInsertWithTheSameDeduplicationTokenIsANoOp() throws Exception {
        client.execute("CREATE TABLE " + database + ".dedup (id UInt64) ENGINE = MergeTree ORDER BY id "
                + "SETTINGS non_replicated_deduplication_window = 100").join();
        byte[] first = "{\"id\":1}\n{\"id\":2}\n".getBytes(StandardCharsets.UTF_8);
        InsertSettings token = new InsertSettings().setDeduplicationToken("events-0-0-1");
        for (int attempt = 0; attempt < 3; attempt++) {
            client.insert(database + ".dedup", new ByteArrayInputStream(first), ClickHouseFormat.JSONEachRow, token)
                    .get(30, TimeUnit.SECONDS).close();
        }
        InsertSettings otherToken = new InsertSettings().setDeduplicationToken("events-0-2-3");
        client.insert(database + ".dedup", new ByteArrayInputStream(first), ClickHouseFormat.JSONEachRow, otherToken)
                .get(30, TimeUnit.SECONDS).close();
        assertEquals(4, client.queryAll("SELECT count() FROM " + database + ".dedup").getFirst().getLong(1),
                "three tries with one token count once; a new token inserts again");
        assertEquals("", client.queryAll("SELECT getSetting('insert_deduplication_token') AS t").getFirst().getString("t"),
                "a per-query setting does not leak into the next query");
    }

    /**
     * Without a session, a server's HTTP interface runs {@code SET} and {@code USE} for that request
     * alone. The local server has one engine session for everyone, so it must undo them.
     */
    @Test
    void aSetOrUseStatementDoesNotLeakIntoLaterRequests() throws Exception {
        String setting = "SELECT toString(getSetting('max_result_rows')) AS v";
        String before = client.queryAll(setting).getFirst().getString("v");
        client.execute("SET max_result_rows = 7").get(30, TimeUnit.SECONDS).close();
        assertEquals(before, client.queryAll(setting).getFirst().getString("v"), "SET leaked into the next request");

        ServerException unknown = serverError(() -> client.execute("SET max_result_rows = 9, no_such_setting = 1").join());
        assertEquals(115, unknown.getCode(), unknown.getMessage());
        assertEquals(before, client.queryAll(setting).getFirst().getString("v"), "a failed SET leaked");

        client.execute("USE system").get(30, TimeUnit.SECONDS).close();
        assertEquals("default", client.queryAll("SELECT currentDatabase() AS db").getFirst().getString("db"),
                "USE leaked into the next request");
    }

    @Test
    void anUnknownTableFailsAsOnAServer() {
        ServerException e = serverError(() -> client.queryAll("SELECT * FROM " + database + ".nope"));
        assertEquals(60, e.getCode(), e.getMessage());
        assertEquals(404, e.getTransportProtocolCode());
        assertTrue(e.getMessage().contains("UNKNOWN_TABLE"), e.getMessage());
    }

    @Test
    void aSyntaxErrorFailsAsOnAServer() {
        ServerException e = serverError(() -> client.queryAll("SELEC 1"));
        assertEquals(62, e.getCode(), e.getMessage());
        assertEquals(400, e.getTransportProtocolCode());
        assertTrue(e.getMessage().contains("Syntax error"), e.getMessage());
    }

    @Test
    void wrongCredentialsFailAsOnAServer() {
        for (String[] credentials : new String[][] {{endpoint.user(), endpoint.password() + "x"}, {"nobody", endpoint.password()}}) {
            try (Client wrong = clientAs(credentials[0], credentials[1], false)) {
                ServerException e = serverError(() -> wrong.queryAll("SELECT 1"));
                assertEquals(516, e.getCode(), e.getMessage());
                assertEquals(403, e.getTransportProtocolCode());
                assertTrue(e.getMessage().contains("Authentication failed"), e.getMessage());
            }
        }
    }

    /**
     * The ServerException a failing call carries. queryAll wraps it in a ClientException (with a real
     * server too), so the cause chain is searched; execute and insert surface it directly.
     */
    static ServerException serverError(org.junit.jupiter.api.function.Executable call) {
        Throwable thrown = assertThrows(Exception.class, call);
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof ServerException server) {
                return server;
            }
        }
        throw new AssertionError("no ServerException in " + thrown, thrown);
    }

    private static void assertCountAndSamples(String table) {
        GenericRecord totals = client.queryAll("SELECT count() AS c, sum(id) AS s, uniqExact(event) AS e FROM "
                + database + "." + table).getFirst();
        assertEquals(ROWS, totals.getLong("c"));
        assertEquals((long) ROWS * (ROWS - 1) / 2, totals.getLong("s"));
        assertEquals(7, totals.getLong("e"));
        List<GenericRecord> samples = client.queryAll("SELECT id, toUnixTimestamp64Milli(ts) AS ms, toString(event) AS event, "
                + "props['k'] AS k, props['plan'] AS plan FROM " + database + "." + table
                + " WHERE id IN (0, 1, 77777, 199999) ORDER BY id");
        assertEquals(4, samples.size());
        for (GenericRecord row : samples) {
            long id = row.getLong("id");
            assertEquals(BASE_MILLIS + id, row.getLong("ms"));
            assertEquals("event_" + (id % 7), row.getString("event"));
            assertEquals("v" + id, row.getString("k"));
            assertEquals(id % 2 == 0 ? "free" : "paid", row.getString("plan"));
        }
    }

    static Client clientAs(String user, String password, boolean compressRequests) {
        return new Client.Builder()
                .addEndpoint(endpoint.url())
                .setUsername(user)
                .setPassword(password)
                .compressClientRequest(compressRequests)
                .setSocketTimeout(120, ChronoUnit.SECONDS)
                .build();
    }

    private static void writeLong(ByteArrayOutputStream out, long value) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (value >>> (8 * i)));
        }
    }

    private static void writeVarInt(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static void writeString(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        writeVarInt(out, bytes.length);
        out.writeBytes(bytes);
    }
}
