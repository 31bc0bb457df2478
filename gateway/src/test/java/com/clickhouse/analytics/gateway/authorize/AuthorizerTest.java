package com.clickhouse.analytics.gateway.authorize;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.ops.config.ProjectKeys;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.decode.RawBatch;
import com.clickhouse.analytics.schema.record.PassThrough;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthorizerTest {

    /** Two bare keys (each its own project), two keys of project {@code shop}; an origin of no project and one of {@code shop}. */
    private final Authorizer authorizer = new Authorizer(ProjectKeys.parse(List.of("old", "new", "shop:s1", "shop:s2")),
            Map.of("https://app.example.com", "", "https://shop.example.com", "shop"));

    static RawBatch batch(String envelopeKey, String... eventKeys) {
        List<RawBatch.RawEvent> events = new ArrayList<>();
        for (String k : eventKeys) {
            events.add(new RawBatch.RawEvent("e", "d", "{}", null, null, null, k, false, PassThrough.NONE, null));
        }
        return new RawBatch(envelopeKey, null, false, events);
    }

    /** origin, envelope key, event key → outcome ({@code key/project}, or the status). */
    @ParameterizedTest(name = "origin={0} key={1} event key={2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "-, old, -, old/old",
            "-, new, -, new/new",
            "-, -, new, new/new",
            "-, s1, -, s1/shop",
            "-, s2, -, s2/shop",
            "-, shop, -, 401",
            "-, other, -, 401",
            "-, -, -, 401",
            "-, '', -, 401",
            "https://app.example.com, -, -, /",
            "https://APP.example.com/, -, -, /",
            "https://app.example.com, old, -, old/old",
            "https://app.example.com, s1, -, s1/shop",
            "https://app.example.com, bad, -, 401",
            "https://shop.example.com, -, -, /shop",
            "https://shop.example.com, s2, -, s2/shop",
            "https://shop.example.com, old, -, 403",
            "https://shop.example.com, bad, -, 401",
            "https://evil.example.com, old, -, 403",
            "null, old, -, 403",
            "-, old, new, 400",
            "-, s1, s2, 400",
            "-, old, old, old/old",
    })
    void decides(String origin, String key, String eventKey, String outcome) {
        RawBatch b = eventKey == null ? batch(key, (String) null) : batch(key, eventKey);
        if (outcome.matches("\\d{3}")) {
            GatewayError e = assertThrows(GatewayError.class, () -> authorizer.authorize(origin, b));
            assertEquals(Integer.parseInt(outcome), e.status());
            assertFalse(e.getMessage().contains("old") || e.getMessage().contains("new") || e.getMessage().contains("s1")
                    || e.getMessage().contains("s2"), "never echo keys");
            if ("https://shop.example.com".equals(origin) && "old".equals(key)) {
                assertEquals("the api key belongs to another project than the one this origin sends to", e.getMessage());
            }
        } else {
            assertEquals(outcome, assertDoesNotThrow(origin, b));
        }
    }

    private String assertDoesNotThrow(String origin, RawBatch b) {
        try {
            Authorizer.Authorized a = authorizer.authorize(origin, b);
            return a.apiKey() + "/" + a.project();
        } catch (GatewayError e) {
            throw new AssertionError("unexpected " + e.status() + " " + e.getMessage());
        }
    }

    @Test
    void comparesEveryKey() {
        assertTrue(authorizer.valid("old"));
        assertTrue(authorizer.valid("new"));
        assertFalse(authorizer.valid("ol"));
        assertFalse(authorizer.valid("oldd"));
        assertTrue(authorizer.valid("s1"));
        assertEquals("shop", authorizer.projectOf("s2"));
        assertEquals(null, authorizer.projectOf("shop"), "a project is not a key");
        assertFalse(new Authorizer(ProjectKeys.parse(List.of()), Map.of()).valid(""));
    }
}
