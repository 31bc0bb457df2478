package com.clickhouse.analytics.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.testkit.Infrastructure;
import org.junit.jupiter.api.Test;

/**
 * Managed Kafka does not create topics on first use: a gateway whose topic is missing stays not
 * ready, says which topic and how to create it, and turns ready once the topic exists.
 */
class MissingTopicTest {

    @Test
    void notReadyNamingTheTopicUntilItExists() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        String topic = "not-yet-" + UUID.randomUUID();
        try (TestGateway gw = TestGateway.start(bootstrap, Map.of("EVENTS_TOPIC", topic), Clock.systemUTC())) {
            HttpResponse<String> ready = await(gw, 503, "does not exist");
            assertTrue(ready.body().contains("topic " + topic + " does not exist"), ready.body());
            assertTrue(ready.body().contains("topics entry point"), "says how to create it: " + ready.body());

            KafkaBroker.createTopic(bootstrap, topic, 1);
            assertEquals("{\"status\":\"ready\"}", await(gw, 200, "ready").body());
        }
    }

    /** Until /ready answers {@code status} with {@code text} in its body (before the first probe it says "not probed yet"). */
    private static HttpResponse<String> await(TestGateway gw, int status, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<String> response = gw.get("/ready");
        while ((response.statusCode() != status || !response.body().contains(text)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            response = gw.get("/ready");
        }
        assertEquals(status, response.statusCode(), response.body());
        return response;
    }
}
