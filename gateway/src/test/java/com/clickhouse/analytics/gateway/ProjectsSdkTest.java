package com.clickhouse.analytics.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.posthog.java.PostHog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Projects end to end with the real posthog-java SDK, the real broker and, through the real writer,
 * ClickHouse ({@link StoredEvents}): {@code PUBLIC_API_KEYS=app-key,shop:shop-old,shop:shop-new}, so
 * {@code app-key} is its own project and {@code shop} has two keys (a rotation), and
 * {@code ALLOWED_ORIGINS} names shop's site.
 */
class ProjectsSdkTest {

    private static TestGateway gateway;
    private static StoredEvents stored;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.onSharedBroker(Map.of("PUBLIC_API_KEYS", "app-key, shop:shop-old, shop:shop-new",
                "ALLOWED_ORIGINS", "https://app.example.com, shop=https://shop.example.com"));
        stored = StoredEvents.forTopic("projects", gateway.topic);
    }

    @AfterAll
    static void stop() {
        stored.close();
        gateway.close();
    }

    private static void send(String key, String distinctId, String event, Map<String, Object> properties) {
        PostHog posthog = new PostHog.Builder(key).host("http://127.0.0.1:" + gateway.gateway.port()).build();
        posthog.capture(distinctId, event, properties);
        posthog.shutdown(); // flushes
    }

    @Test
    void theSameDistinctIdIsTwoPersonsInTwoProjectsAndOneUnderTwoKeysOfOneProject() throws Exception {
        String user = "proj-" + UUID.randomUUID();
        send("app-key", user, "app_opened", Map.of("$set", Map.of("plan", "app")));
        send("shop-old", user, "cart_viewed", Map.of("$set", Map.of("plan", "shop")));
        send("shop-new", user, "order_completed", Map.of("revenue", 3));
        String where = "distinct_id = '" + user + "'";
        stored.awaitExactly(where, 3);

        assertEquals(List.of("app-key app-key app_opened", "shop-new shop order_completed", "shop-old shop cart_viewed"),
                stored.ch.query("SELECT api_key, project, event FROM {db}.events FINAL WHERE " + where + " ORDER BY api_key")
                        .stream().map(r -> r.getString(1) + " " + r.getString(2) + " " + r.getString(3)).toList(),
                "events.project: the key's project");
        UUID app = stored.personOf("app-key", user);
        UUID shop = stored.personOf("shop", user);
        assertNotNull(app);
        assertNotNull(shop);
        assertNotEquals(app, shop, "user " + user + " of app and of shop are two persons");
        Map<String, UUID> persons = stored.finalPersons(where);
        assertEquals(Map.of("app_opened", app, "cart_viewed", shop, "order_completed", shop), persons,
                "both keys of shop reach one person");
        assertEquals(List.of("app-key app", "shop shop"),
                stored.ch.query("SELECT project, JSONExtractString(properties, 'plan') FROM {db}.persons FINAL WHERE distinct_id = '" + user
                        + "' ORDER BY project")
                        .stream().map(r -> r.getString(1) + " " + r.getString(2)).toList(), "two persons rows, one per project");
    }

    @Test
    void aBrowserOnAProjectsOriginSendsIntoThatProjectAndNotWithAnotherProjectsKey() throws Exception {
        String user = "origin-" + UUID.randomUUID();
        String keyless = "{\"batch\":[{\"event\":\"$pageview\",\"distinct_id\":\"" + user + "\"}]}";
        HttpResponse<String> ok = gateway.post("/batch/", keyless, "Content-Type", "application/json", "Origin", "https://shop.example.com");
        assertEquals(200, ok.statusCode(), ok.body());
        HttpResponse<String> wrong = gateway.post("/batch/", "{\"api_key\":\"app-key\"," + keyless.substring(1),
                "Content-Type", "application/json", "Origin", "https://shop.example.com");
        assertEquals(403, wrong.statusCode(), wrong.body());
        assertTrue(wrong.body().contains("another project"), wrong.body());
        HttpResponse<String> plain = gateway.post("/batch/", keyless, "Content-Type", "application/json", "Origin", "https://app.example.com");
        assertEquals(200, plain.statusCode(), plain.body());

        stored.awaitExactly("distinct_id = '" + user + "'", 2);
        assertEquals(List.of(" ", " shop"), stored.ch.query("SELECT api_key, project FROM {db}.events FINAL WHERE distinct_id = '" + user
                        + "' ORDER BY project").stream().map(r -> r.getString(1) + " " + r.getString(2)).toList(),
                "keyless: the origin's project, or '' (as before) for an origin that names none");
        assertNotEquals(stored.personOf("shop", user), stored.personOf("", user));
    }
}
