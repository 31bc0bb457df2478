package com.clickhouse.analytics.gateway;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.Deflater;

import com.clickhouse.analytics.gateway.normalize.UuidV7;
import com.clickhouse.analytics.schema.record.PartitionKey;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.testkit.Infrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every body shape in every encoding, on every capture route, ends up on the topic intact. */
public class CaptureRoundTripTest {

    private static TestGateway gw;
    private static TopicReader reader;

    @BeforeAll
    static void start() {
        gw = TestGateway.onSharedBroker(Map.of());
        reader = new TopicReader(Infrastructure.shared().kafkaBootstrapServers(), gw.topic);
    }

    @AfterAll
    static void stop() {
        reader.close();
        gw.close();
    }

    enum Shape {
        ENVELOPE_API_KEY, ENVELOPE_TOKEN, BARE_ARRAY, SINGLE_EVENT;

        String body(List<UUID> uuids, String distinctId) {
            List<String> events = new ArrayList<>();
            for (UUID u : uuids) {
                String token = this == BARE_ARRAY ? ",\"token\":\"" + TestGateway.KEY + "\"" : "";
                events.add("{\"event\":\"$pageview\",\"uuid\":\"" + u + "\",\"properties\":{\"distinct_id\":\"" + distinctId
                        + "\",\"$current_url\":\"https://app.example.com/ü\",\"marker\":\"" + name() + "\"" + token + "},"
                        + "\"timestamp\":\"2026-03-01T10:00:00.000Z\"}");
            }
            return switch (this) {
                case ENVELOPE_API_KEY -> "{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":[" + String.join(",", events) + "]}";
                case ENVELOPE_TOKEN -> "{\"token\":\"" + TestGateway.KEY + "\",\"historical_migration\":false,\"batch\":["
                        + String.join(",", events) + "]}";
                case BARE_ARRAY -> "[" + String.join(",", events) + "]";
                case SINGLE_EVENT -> events.getFirst().replaceFirst("\\{", "{\"api_key\":\"" + TestGateway.KEY + "\",");
            };
        }

        int count() {
            return this == SINGLE_EVENT ? 1 : 3;
        }
    }

    enum Encoding {
        PLAIN, GZIP_HEADER, GZIP_MAGIC_ONLY, GZIP_JS_QUERY, DEFLATE_HEADER, BASE64_BODY, BASE64_HINT, FORM_BASE64,
        FORM_PLAIN, FORM_GZIP_BASE64, CURL_FORM_JSON, GET_DATA_BASE64, GET_DATA_PLAIN
    }

    static final String[] ROUTES = {"/batch/", "/batch", "/e/", "/e", "/i/v0/e/", "/i/v0/e", "/capture/", "/capture",
            "/track/", "/track", "/engage/", "/engage"};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int i = 0;
        for (Shape s : Shape.values()) {
            for (Encoding e : Encoding.values()) {
                out.add(Arguments.of(s, e, ROUTES[i++ % ROUTES.length]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} as {1} to {2}")
    @MethodSource("cases")
    void shapeAndEncodingRoundTrip(Shape shape, Encoding encoding, String route) {
        List<UUID> uuids = new ArrayList<>();
        for (int i = 0; i < shape.count(); i++) {
            uuids.add(UuidV7.at(System.currentTimeMillis()));
        }
        String distinctId = "user-" + shape + "-" + encoding;
        String json = shape.body(uuids, distinctId);

        HttpResponse<String> response = send(route, json, encoding);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("{\"status\":\"ok\",\"ingested\":" + shape.count() + ",\"dropped\":0}", response.body());
        for (TopicReader.Produced p : reader.await(uuids)) {
            assertArrayEquals(PartitionKey.of(TestGateway.KEY, distinctId), p.key());
            assertEquals(TestGateway.KEY, p.event().apiKey());
            assertEquals("$pageview", p.event().event());
            assertEquals(distinctId, p.event().distinctId());
            assertEquals("https://app.example.com/ü", p.event().get(RecordField.CURRENT_URL));
            assertTrue(p.event().properties().contains("\"marker\":\"" + shape + "\""), p.event().properties());
        }
    }

    private static HttpResponse<String> send(String route, String json, Encoding encoding) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        String b64 = Base64.getEncoder().encodeToString(bytes);
        return switch (encoding) {
            case PLAIN -> gw.post(route, bytes, "Content-Type", "application/json");
            case GZIP_HEADER -> gw.post(route, TestGateway.gzip(bytes), "Content-Encoding", "gzip", "Content-Type", "application/json");
            case GZIP_MAGIC_ONLY -> gw.post(route, TestGateway.gzip(bytes), "Content-Type", "text/plain");
            case GZIP_JS_QUERY -> gw.post(route + "?compression=gzip-js&ver=1.200.0&_=" + System.currentTimeMillis(),
                    TestGateway.gzip(bytes), "Content-Type", "text/plain");
            case DEFLATE_HEADER -> gw.post(route, deflate(bytes), "Content-Encoding", "deflate");
            case BASE64_BODY -> gw.post(route, b64, "Content-Type", "text/plain");
            case BASE64_HINT -> gw.post(route + "?compression=base64", b64, "Content-Type", "text/plain");
            case FORM_BASE64 -> gw.post(route, "data=" + url(b64), "Content-Type", "application/x-www-form-urlencoded");
            case FORM_PLAIN -> gw.post(route, "data=" + url(json) + "&ver=1.0", "Content-Type", "application/x-www-form-urlencoded");
            case FORM_GZIP_BASE64 -> gw.post(route, "compression=gzip-js&data="
                            + url(Base64.getEncoder().encodeToString(TestGateway.gzip(bytes))),
                    "Content-Type", "application/x-www-form-urlencoded");
            case CURL_FORM_JSON -> gw.post(route, json, "Content-Type", "application/x-www-form-urlencoded");
            case GET_DATA_BASE64 -> gw.get(route + "?data=" + url(b64));
            case GET_DATA_PLAIN -> gw.get(route + "?data=" + url(json));
        };
    }

    static String url(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public static byte[] deflate(byte[] data) {
        Deflater d = new Deflater();
        d.setInput(data);
        d.finish();
        byte[] out = new byte[data.length + 64];
        int n = d.deflate(out);
        d.end();
        return java.util.Arrays.copyOf(out, n);
    }
}
