package com.clickhouse.analytics.gateway.http;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The headers a preflight allows: each browser SDK's, so none of its requests is blocked by the browser. */
class CorsHandlerTest {

    private static Set<String> allowed(String requested) {
        return Set.copyOf(List.of(CorsHandler.allowedHeaders(requested).split(", ")));
    }

    @Test
    void analyticsNextRetryCountHeaderIsAllowed() {
        // @segment/analytics-next sends X-Retry-Count on every retry of a batch (and of a message after its
        // first attempt): refusing it in the preflight would make the browser drop exactly the retries
        Set<String> allowed = allowed("authorization,content-type,x-retry-count");
        assertTrue(allowed.containsAll(Set.of("authorization", "content-type", "x-retry-count")), allowed.toString());
    }

    @Test
    void unknownRequestedHeadersAreNotEchoed() {
        Set<String> allowed = allowed("x-posthog-foo, x-evil, " + "x".repeat(10));
        assertTrue(allowed.contains("x-posthog-foo"));
        assertFalse(allowed.contains("x-evil"));
        assertEquals(CorsHandler.ALLOWED_HEADERS.size() + 1, allowed.size());
    }
}
