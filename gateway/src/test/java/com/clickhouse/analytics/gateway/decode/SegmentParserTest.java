package com.clickhouse.analytics.gateway.decode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.decode.SegmentParser.Call;
import com.clickhouse.analytics.schema.record.RecordField;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Segment → PostHog mapping, message type by message type, as the normalizer will see it. */
class SegmentParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SegmentParser segment = new SegmentParser(new BatchParser(3, 1 << 20), 3, 1 << 20, "company");

    private RawBatch parse(Call call, String body, String authorization) throws GatewayError {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return segment.parse(new PayloadDecoder.Json(b, b.length), call, authorization);
    }

    private RawBatch.RawEvent one(Call call, String body) throws GatewayError {
        RawBatch batch = parse(call, body, basic("wk"));
        assertEquals(1, batch.events().size());
        return batch.events().getFirst();
    }

    private static JsonNode props(RawBatch.RawEvent e) {
        try {
            return JSON.readTree(e.properties());
        } catch (Exception x) {
            throw new AssertionError(x);
        }
    }

    static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void trackKeepsItsNameAndPropertiesAndMapsTheContext() throws GatewayError {
        RawBatch.RawEvent e = one(Call.TRACK, """
                {"type":"track","event":"Order Completed","userId":"u1","anonymousId":"a1",
                 "messageId":"ajs-next-1234","originalTimestamp":"2026-03-01T10:00:00.000Z","timestamp":"2026-03-01T09:00:00Z",
                 "properties":{"revenue":12.5,"$lib":"mine"},
                 "context":{"ip":"203.0.113.9","userAgent":"Mozilla/5.0","library":{"name":"analytics-node-next","version":"3.1.0"},
                   "campaign":{"name":"spring","source":"news","medium":"email","term":"t","content":"c"},
                   "page":{"url":"https://shop.example.com:8443/cart?x=1","path":"/cart","referrer":"https://www.google.com/"},
                   "os":{"name":"iOS","version":"17"},"screen":{"width":390,"height":844},"timezone":"Europe/Berlin"}}
                """);
        assertEquals("Order Completed", e.event());
        assertEquals("u1", e.distinctId(), "userId wins over anonymousId");
        assertEquals("2026-03-01T10:00:00.000Z", e.timestamp(), "originalTimestamp wins over timestamp");
        assertEquals(SegmentParser.uuid("wk", "ajs-next-1234").toString(), e.uuid());
        assertEquals("wk", e.token() == null ? "wk" : e.token());
        JsonNode p = props(e);
        assertEquals(12.5, p.get("revenue").asDouble());
        assertEquals("mine", p.get("$lib").asText(), "the message's own properties win over the context");
        assertEquals("3.1.0", p.get("$lib_version").asText());
        assertEquals("203.0.113.9", p.get("$ip").asText());
        assertEquals("Mozilla/5.0", p.get("$raw_user_agent").asText());
        assertEquals("spring", p.get("utm_campaign").asText());
        assertEquals("news", p.get("utm_source").asText());
        assertEquals("email", p.get("utm_medium").asText());
        assertEquals("t", p.get("utm_term").asText());
        assertEquals("c", p.get("utm_content").asText());
        assertEquals("/cart", p.get("$pathname").asText());
        assertEquals("www.google.com", p.get("$referring_domain").asText());
        assertEquals("iOS", p.get("$os").asText());
        assertEquals(390, p.get("$screen_width").asInt());
        assertEquals("Europe/Berlin", p.get("$timezone").asText());
        assertEquals("https://shop.example.com:8443/cart?x=1", e.get(RecordField.CURRENT_URL));
        assertEquals("shop.example.com:8443", e.get(RecordField.HOST));
    }

    @Test
    void pageIsAPageviewWithUrlPathReferrerAndTitle() throws GatewayError {
        RawBatch.RawEvent e = one(Call.PAGE, """
                {"anonymousId":"a1","name":"Pricing","properties":{"title":"Pricing — Shop","url":"https://shop.example.com/pricing"},
                 "context":{"page":{"url":"https://ignored.example.com/","path":"/pricing","referrer":"https://ref.example.com/x","title":"ignored"}}}
                """);
        assertEquals("$pageview", e.event());
        assertEquals("a1", e.distinctId(), "anonymousId when there is no userId");
        JsonNode p = props(e);
        assertEquals("https://shop.example.com/pricing", p.get("$current_url").asText(), "properties.url over context.page.url");
        assertEquals("/pricing", p.get("$pathname").asText());
        assertEquals("https://ref.example.com/x", p.get("$referrer").asText());
        assertEquals("Pricing — Shop", p.get("title").asText());
        assertEquals("Pricing", p.get("name").asText());
        assertEquals("shop.example.com", e.get(RecordField.HOST));
        assertNull(e.uuid(), "no messageId: the normalizer makes a UUIDv7");
    }

    @Test
    void screenNamesTheScreen() throws GatewayError {
        RawBatch.RawEvent e = one(Call.SCREEN, "{\"userId\":7,\"name\":\"Home\",\"properties\":{\"tab\":1}}");
        assertEquals("$screen", e.event());
        assertEquals("7", e.distinctId(), "a numeric userId is its text");
        assertEquals("Home", props(e).get("$screen_name").asText());
    }

    @Test
    void identifySetsTraitsAndLinksTheAnonymousId() throws GatewayError {
        RawBatch.RawEvent e = one(Call.IDENTIFY, "{\"userId\":\"u1\",\"anonymousId\":\"a1\",\"traits\":{\"email\":\"x@example.com\",\"plan\":\"pro\"}}");
        assertEquals("$identify", e.event());
        assertEquals("u1", e.distinctId());
        assertEquals("a1", e.get(RecordField.ANON_DISTINCT_ID));
        assertEquals("{\"email\":\"x@example.com\",\"plan\":\"pro\"}", e.get(RecordField.SET));
        // traits under context.traits (older libraries), and no $anon_distinct_id without a userId
        RawBatch.RawEvent anonymous = one(Call.IDENTIFY, "{\"anonymousId\":\"a2\",\"context\":{\"traits\":{\"k\":1}}}");
        assertEquals("a2", anonymous.distinctId());
        assertNull(anonymous.get(RecordField.ANON_DISTINCT_ID));
        assertEquals("{\"k\":1}", anonymous.get(RecordField.SET));
    }

    @Test
    void aliasMergesThePreviousIdIntoTheUserId() throws GatewayError {
        RawBatch.RawEvent e = one(Call.ALIAS, "{\"userId\":\"u1\",\"previousId\":\"a1\"}");
        assertEquals("$create_alias", e.event());
        assertEquals("u1", e.distinctId());
        assertEquals("a1", e.get(RecordField.ALIAS));
    }

    @Test
    void groupIsAGroupidentifyOfTheConfiguredType() throws GatewayError {
        RawBatch.RawEvent e = one(Call.GROUP, "{\"userId\":\"u1\",\"groupId\":\"acme\",\"traits\":{\"employees\":40}}");
        assertEquals("$groupidentify", e.event());
        JsonNode p = props(e);
        assertEquals("company", p.get("$group_type").asText());
        assertEquals("acme", p.get("$group_key").asText());
        assertEquals(40, p.get("$group_set").get("employees").asInt());
        byte[] body = "{\"userId\":\"u\",\"groupId\":1}".getBytes(StandardCharsets.UTF_8);
        RawBatch.RawEvent org = new SegmentParser(new BatchParser(3, 1 << 20), 3, 1 << 20, "organization")
                .parse(new PayloadDecoder.Json(body, body.length), Call.GROUP, basic("k")).events().getFirst();
        assertEquals("organization", props(org).get("$group_type").asText());
        assertEquals("1", props(org).get("$group_key").asText());
    }

    @Test
    void batchMixesTypesTakesSentAtAndSharedContextAndDropsUnknownTypes() throws GatewayError {
        RawBatch b = parse(Call.BATCH, """
                {"writeKey":"wk","sentAt":"2026-03-01T10:00:05Z","context":{"library":{"name":"rudder","version":"3"}},
                 "batch":[{"type":"track","event":"e1","userId":"u1","messageId":"0b8e8d46-3c5e-4c1e-9a3f-1f6f2a8c9d10"},
                          {"type":"identify","userId":"u1","traits":{"a":1}},
                          {"type":"bogus","userId":"u1"}]}
                """, null);
        assertEquals("wk", b.apiKey(), "writeKey in the body without Basic auth");
        assertEquals("2026-03-01T10:00:05Z", b.sentAt());
        assertEquals(3, b.events().size());
        assertEquals("0b8e8d46-3c5e-4c1e-9a3f-1f6f2a8c9d10", b.events().get(0).uuid(), "a UUID messageId is kept");
        assertEquals("rudder", props(b.events().get(0)).get("$lib").asText(), "the batch's context");
        assertEquals("$identify", b.events().get(1).event());
        assertNull(b.events().get(2).event(), "an unknown type has no name: the normalizer drops it");
    }

    @Test
    void messageIdsBecomeStableNameBasedUuids() {
        UUID a = SegmentParser.uuid("wk", "node-next-1700000000-abc");
        assertEquals(a, SegmentParser.uuid("wk", "node-next-1700000000-abc"), "a retry gets the same uuid");
        assertNotEquals(a, SegmentParser.uuid("other", "node-next-1700000000-abc"), "the write key is part of the name");
        assertEquals(5, a.version());
        assertEquals(2, a.variant());
        // RFC 9562's published example: version 5 of www.example.com in the DNS namespace
        assertEquals(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"),
                SegmentParser.nameBased(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "www.example.com"));
    }

    @Test
    void writeKeysAndErrors() throws GatewayError {
        assertEquals("wk", SegmentParser.basicAuthUser(basic("wk")));
        assertEquals("wk", SegmentParser.basicAuthUser("basic " + Base64.getEncoder().encodeToString("wk".getBytes(StandardCharsets.UTF_8))));
        assertNull(SegmentParser.basicAuthUser("Bearer xyz"));
        assertNull(SegmentParser.basicAuthUser(null));
        assertEquals(GatewayError.Kind.UNAUTHORIZED, assertThrows(GatewayError.class, () -> SegmentParser.basicAuthUser("Basic %%%")).kind());
        assertTrue(assertThrows(GatewayError.class, () -> parse(Call.TRACK, "{\"writeKey\":\"b\",\"event\":\"e\",\"userId\":\"u\"}", basic("a")))
                .getMessage().contains("mixed api keys"));
        assertTrue(assertThrows(GatewayError.class, () -> parse(Call.TRACK, "{\"event\":", null)).getMessage().startsWith("malformed JSON"));
        assertTrue(assertThrows(GatewayError.class, () -> parse(Call.TRACK, "[1]", null)).getMessage().contains("JSON object"));
        assertTrue(assertThrows(GatewayError.class, () -> parse(Call.BATCH, "{\"batch\":{}}", null)).getMessage().contains("'batch'"));
        assertTrue(assertThrows(GatewayError.class, () -> parse(Call.TRACK, "{\"event\":\"e\",\"userId\":{}}", null)).getMessage().contains("userId"));
        assertTrue(assertThrows(GatewayError.class, () -> parse(Call.TRACK, "{\"event\":\"e\",\"userId\":\"u\",\"properties\":[]}", null))
                .getMessage().contains("properties"));
        GatewayError tooMany = assertThrows(GatewayError.class, () -> parse(Call.BATCH, "{\"batch\":[{},{},{},{}]}", null));
        assertEquals(GatewayError.Kind.TOO_LARGE, tooMany.kind());
        RawBatch keyless = parse(Call.TRACK, "{\"event\":\"e\",\"anonymousId\":\"a\"}", null);
        assertNull(keyless.apiKey(), "a keyless browser request: the Authorizer decides");
        assertFalse(keyless.events().isEmpty());
    }

    @Test
    void analyticsNextPostsToOneLetterPathsThatNameTheirCalls() {
        Map<String, Call> byPath = new HashMap<>();
        for (Call call : Call.values()) {
            assertEquals(call.path(), call.paths().getFirst(), "the long form first");
            for (String path : call.paths()) {
                assertNull(byPath.put(path, call), "two calls on /v1/" + path);
            }
        }
        // @segment/analytics-next: `${apiHost}/${type.charAt(0)}` per call, `${apiHost}/b` when batching
        assertEquals(Map.of("b", Call.BATCH, "t", Call.TRACK, "p", Call.PAGE, "s", Call.SCREEN, "i", Call.IDENTIFY,
                "a", Call.ALIAS, "g", Call.GROUP), byPath.entrySet().stream().filter(e -> e.getKey().length() == 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }
}
