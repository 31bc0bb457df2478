package com.clickhouse.analytics.gateway.authorize;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

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

    private final Authorizer authorizer = new Authorizer(List.of("old", "new"), Set.of("https://app.example.com"));

    static RawBatch batch(String envelopeKey, String... eventKeys) {
        List<RawBatch.RawEvent> events = new ArrayList<>();
        for (String k : eventKeys) {
            events.add(new RawBatch.RawEvent("e", "d", "{}", null, null, null, k, false, PassThrough.NONE, null));
        }
        return new RawBatch(envelopeKey, null, false, events);
    }

    /** origin, envelope key, event key → outcome (a key, or the status). */
    @ParameterizedTest(name = "origin={0} key={1} event key={2} -> {3}")
    @CsvSource(nullValues = "-", value = {
            "-, old, -, old",
            "-, new, -, new",
            "-, -, new, new",
            "-, other, -, 401",
            "-, -, -, 401",
            "-, '', -, 401",
            "https://app.example.com, -, -, ''",
            "https://APP.example.com/, -, -, ''",
            "https://app.example.com, old, -, old",
            "https://app.example.com, bad, -, 401",
            "https://evil.example.com, old, -, 403",
            "null, old, -, 403",
            "-, old, new, 400",
            "-, old, old, old",
    })
    void decides(String origin, String key, String eventKey, String outcome) {
        RawBatch b = eventKey == null ? batch(key, (String) null) : batch(key, eventKey);
        if (outcome.matches("\\d{3}")) {
            GatewayError e = assertThrows(GatewayError.class, () -> authorizer.authorize(origin, b));
            assertEquals(Integer.parseInt(outcome), e.status());
            assertFalse(e.getMessage().contains("old") || e.getMessage().contains("new"), "never echo keys");
        } else {
            assertEquals(outcome, assertDoesNotThrow(origin, b));
        }
    }

    private String assertDoesNotThrow(String origin, RawBatch b) {
        try {
            return authorizer.authorize(origin, b);
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
        assertFalse(new Authorizer(List.of(), Set.of()).valid(""));
    }
}
