package com.clickhouse.analytics.local.chdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

import com.clickhouse.analytics.local.LocalInfrastructure;
import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.data.ClickHouseCityHash;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire details a client relies on, checked on the raw HTTP exchange. */
class ClickHouseHttpInterfaceTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final ClickHouseEndpoint endpoint = LocalInfrastructure.clickHouse();

    @AfterAll
    static void closeClient() {
        HTTP.close();
    }

    @Test
    void pingAnswersOk() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint.url() + "/ping")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("Ok.\n", response.body());
    }

    @Test
    void compressedResponsesAreClickHouseBlocksWithCityHashChecksums() throws Exception {
        HttpResponse<byte[]> response = post("/?compress=1", "SELECT number FROM numbers(300000) FORMAT RowBinary");
        assertEquals(200, response.statusCode());
        ByteBuffer body = ByteBuffer.wrap(response.body()).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        int blocks = 0;
        while (body.hasRemaining()) {
            long low = body.getLong();
            long high = body.getLong();
            int start = body.position();
            assertEquals((byte) 0x82, body.get(), "LZ4 method byte");
            int compressedSize = body.getInt();
            int plainSize = body.getInt();
            long[] expected = ClickHouseCityHash.cityHash128(response.body(), start, compressedSize);
            assertEquals(expected[0], low, "checksum, low half");
            assertEquals(expected[1], high, "checksum, high half");
            byte[] block = new byte[plainSize];
            LZ4Factory.safeInstance().safeDecompressor().decompress(response.body(), start + 9, compressedSize - 9, block, 0);
            plain.writeBytes(block);
            body.position(start + compressedSize);
            blocks++;
        }
        assertTrue(blocks >= 3, "2.4 MB in 1 MiB blocks: " + blocks);
        ByteBuffer numbers = ByteBuffer.wrap(plain.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(300_000 * 8, numbers.remaining());
        for (long i = 0; i < 300_000; i++) {
            assertEquals(i, numbers.getLong());
        }
    }

    @Test
    void ourCityHashIsClickHousesForEveryLengthClass() {
        byte[] data = new byte[2_000];
        new java.util.Random(7).nextBytes(data);
        for (int length = 0; length < data.length; length += length < 300 ? 1 : 37) {
            assertArrayEquals(ClickHouseCityHash.cityHash128(data, 3, length), CityHash128.hash(data, 3, length), "length " + length);
        }
    }

    @Test
    void respondsWithTheClickHouseHeaders() throws Exception {
        HttpResponse<byte[]> response = post("/?query_id=my-query&default_format=JSONEachRow", "SELECT 1 AS one");
        assertEquals(200, response.statusCode());
        assertEquals("my-query", response.headers().firstValue("X-ClickHouse-Query-Id").orElseThrow());
        assertEquals("JSONEachRow", response.headers().firstValue("X-ClickHouse-Format").orElseThrow());
        assertTrue(response.headers().firstValue("X-ClickHouse-Summary").orElseThrow().contains("\"read_rows\":\"1\""));
        assertEquals("{\"one\":1}\n", new String(response.body(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> explicit = post("/?default_format=JSONEachRow", "SELECT 2 AS two FORMAT CSV");
        assertEquals("CSV", explicit.headers().firstValue("X-ClickHouse-Format").orElseThrow());
        assertEquals("2\n", new String(explicit.body(), StandardCharsets.UTF_8));
    }

    @Test
    void acceptsTheQueryInTheUrlOfAGetAndTheClickHouseUserHeaders() throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(endpoint.url() + "/?query=" + encode("SELECT 40 + 2")))
                .header("X-ClickHouse-User", endpoint.user()).header("X-ClickHouse-Key", endpoint.password()).build();
        HttpResponse<String> response = HTTP.send(get, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("42\n", response.body());

        HttpRequest wrong = HttpRequest.newBuilder(URI.create(endpoint.url() + "/?query=" + encode("SELECT 1")))
                .header("X-ClickHouse-User", endpoint.user()).header("X-ClickHouse-Key", "not-it").build();
        HttpResponse<String> refused = HTTP.send(wrong, HttpResponse.BodyHandlers.ofString());
        assertEquals(403, refused.statusCode());
        assertEquals("516", refused.headers().firstValue("X-ClickHouse-Exception-Code").orElseThrow());
        assertTrue(refused.body().startsWith("Code: 516. DB::Exception: " + endpoint.user() + ": Authentication failed"),
                refused.body());
    }

    @Test
    void settingsApplyToOneQueryOnly() throws Exception {
        String query = encode("SELECT getSetting('max_threads')");
        assertEquals("1\n", text(post("/?max_threads=1&query=" + query, "")));
        assertNotEquals("1\n", text(post("/?max_threads=3&query=" + query, "")));
        assertNotEquals("1\n", text(post("/?query=" + query, "")));
        HttpResponse<byte[]> unknown = post("/?no_such_setting=1", "SELECT 1");
        assertEquals(404, unknown.statusCode());
        assertEquals("115", unknown.headers().firstValue("X-ClickHouse-Exception-Code").orElseThrow());
    }

    @Test
    void theDatabaseComesFromTheParameterOrTheHeader() throws Exception {
        String database = "http_db_" + System.nanoTime();
        assertEquals(200, post("/", "CREATE DATABASE " + database).statusCode());
        assertEquals(database + "\n", text(post("/?database=" + database, "SELECT currentDatabase()")));
        HttpRequest withHeader = authorized(URI.create(endpoint.url() + "/"))
                .header("X-ClickHouse-Database", database)
                .POST(HttpRequest.BodyPublishers.ofString("SELECT currentDatabase()")).build();
        assertEquals(database + "\n", HTTP.send(withHeader, HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("default\n", text(post("/", "SELECT currentDatabase()")));
        HttpResponse<byte[]> missing = post("/?database=no_such_db", "SELECT 1");
        assertEquals(404, missing.statusCode());
        assertEquals("81", missing.headers().firstValue("X-ClickHouse-Exception-Code").orElseThrow());
        post("/", "DROP DATABASE " + database);
    }

    @Test
    void insertsGzipBodiesAndStatementsWithInlineData() throws Exception {
        String table = "inline_" + System.nanoTime();
        post("/", "CREATE TABLE " + table + " (id UInt32, s String) ENGINE = MergeTree ORDER BY id");
        assertEquals(200, post("/", "INSERT INTO " + table + " FORMAT JSONEachRow\n{\"id\":1,\"s\":\"body\"}").statusCode());
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write("2\tzipped\n3\tzipped\n".getBytes(StandardCharsets.UTF_8));
        }
        HttpRequest request = authorized(URI.create(endpoint.url() + "/?query="
                + encode("INSERT INTO " + table + " FORMAT TabSeparated")))
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped.toByteArray())).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("X-ClickHouse-Summary").orElseThrow().contains("\"written_rows\":\"2\""));
        assertEquals("1\tbody\n2\tzipped\n3\tzipped\n", text(post("/", "SELECT * FROM " + table + " ORDER BY id")));
        HttpResponse<byte[]> bad = post("/?query=" + encode("INSERT INTO " + table + " FORMAT JSONEachRow"), "{\"id\":\"x\"}");
        assertEquals(400, bad.statusCode());
        assertTrue(text(bad).startsWith("Code: "), text(bad));
        post("/", "DROP TABLE " + table);
    }

    @Test
    void aClientThatDisconnectsMidBodyInsertsNothingAndLeavesTheServerUsable() throws Exception {
        String table = "cut_" + System.nanoTime();
        post("/", "CREATE TABLE " + table + " (id UInt32, s String) ENGINE = MergeTree ORDER BY id");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            rows.append(i).append("\trow ").append(i).append('\n'); // whole rows: a plain end of file would look valid
        }
        byte[] chunk = rows.toString().getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(endpoint.url());
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            String basic = Base64.getEncoder().encodeToString((endpoint.user() + ":" + endpoint.password())
                    .getBytes(StandardCharsets.UTF_8));
            out.write(("POST /?query=" + encode("INSERT INTO " + table + " FORMAT TabSeparated") + " HTTP/1.1\r\n"
                    + "Host: " + uri.getHost() + "\r\nAuthorization: Basic " + basic + "\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(200); // the engine has the rows; the terminating chunk never comes
        }
        // The engine runs one query at a time, in arrival order: this count sees the insert's outcome.
        assertEquals("0\n", text(post("/", "SELECT count() FROM " + table)));
        assertEquals("1\n", text(post("/", "SELECT 1")));
        post("/", "DROP TABLE " + table);
    }

    @Test
    void aLargeInsertTheEngineRejectsGetsTheEnginesErrorAndInsertsNothing() throws Exception {
        String table = "rejected_" + System.nanoTime();
        post("/", "CREATE TABLE " + table + " (id UInt32, s String) ENGINE = MergeTree ORDER BY id");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 300_000; i++) {
            rows.append(i == 150_000 ? "not a number" : Integer.toString(i)).append("\tsome text ").append(i).append('\n');
        }
        String body = rows.toString(); // several MB: far more than a pipe holds when the engine stops reading
        HttpResponse<byte[]> badRow = post("/?query=" + encode("INSERT INTO " + table + " FORMAT TabSeparated"), body);
        assertEquals(400, badRow.statusCode(), text(badRow));
        assertTrue(text(badRow).startsWith("Code: 27."), text(badRow));
        HttpResponse<byte[]> noTable = post("/?query=" + encode("INSERT INTO no_such_" + table + " FORMAT TabSeparated"), body);
        assertEquals(404, noTable.statusCode(), text(noTable));
        assertEquals("60", noTable.headers().firstValue("X-ClickHouse-Exception-Code").orElseThrow());
        assertEquals("0\n", text(post("/", "SELECT count() FROM " + table)));
        post("/", "DROP TABLE " + table);
    }

    private HttpResponse<byte[]> post(String pathAndQuery, String body) throws IOException, InterruptedException {
        HttpRequest request = authorized(URI.create(endpoint.url() + pathAndQuery))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder authorized(URI uri) {
        String basic = Base64.getEncoder().encodeToString((endpoint.user() + ":" + endpoint.password()).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(uri).header("Authorization", "Basic " + basic);
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
