package com.clickhouse.analytics.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import com.clickhouse.analytics.testkit.Infrastructure;
import org.junit.jupiter.api.Test;

/** With MANAGEMENT_PORT, /metrics leaves the internet-facing port; health and readiness answer on both. */
class ManagementPortTest {

    @Test
    void metricsOnlyOnTheManagementPort() throws Exception {
        try (TestGateway gw = TestGateway.start(Infrastructure.shared().kafkaBootstrapServers(), Map.of("MANAGEMENT_PORT", "0"),
                Clock.systemUTC());
             HttpClient http = HttpClient.newHttpClient()) {
            int management = gw.gateway.managementPort();
            assertTrue(management > 0 && management != gw.gateway.port(), "a port of its own: " + management);
            assertEquals(404, gw.get("/metrics").statusCode(), "no metrics on the public port");
            assertEquals(200, gw.get("/health").statusCode());

            HttpResponse<String> metrics = get(http, management, "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("cpa_gateway_kafka_ready"), metrics.body());
            assertEquals(200, get(http, management, "/health").statusCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (get(http, management, "/ready").statusCode() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(200, get(http, management, "/ready").statusCode());
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
