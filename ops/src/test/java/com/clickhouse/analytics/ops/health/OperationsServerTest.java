package com.clickhouse.analytics.ops.health;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import com.codahale.metrics.MetricRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one JSON shape of /health and /ready, /metrics and the 404, on a real Undertow port. */
class OperationsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void closeClient() {
        http.close(); // its selector and worker threads would outlive the class (LeakCheck)
    }

    private HttpResponse<String> get(OperationsServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthReadinessAndMetrics() throws Exception {
        AtomicReference<Optional<String>> alive = new AtomicReference<>(Optional.empty());
        AtomicReference<Optional<String>> ready = new AtomicReference<>(Optional.of("Kafka does not answer \"yet\""));
        MetricRegistry registry = new MetricRegistry();
        registry.counter("cpa_test_total").inc(3);
        try (OperationsServer server = new OperationsServer("127.0.0.1", 0, alive::get, ready::get, registry).start()) {
            assertResponse(200, "{\"status\":\"ok\"}", get(server, "/health"));
            assertResponse(503, "{\"status\":\"not_ready\",\"error\":\"Kafka does not answer \\\"yet\\\"\"}", get(server, "/ready"));
            ready.set(Optional.empty());
            assertResponse(200, "{\"status\":\"ready\"}", get(server, "/ready"));
            alive.set(Optional.of("consumer loop stopped"));
            assertResponse(503, "{\"status\":\"error\",\"error\":\"consumer loop stopped\"}", get(server, "/health"));
            assertResponse(404, "{\"status\":\"error\",\"error\":\"no such endpoint\"}", get(server, "/nothing"));

            HttpResponse<String> metrics = get(server, "/metrics");
            assertEquals(200, metrics.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.headers().firstValue("Content-Type").orElseThrow());
            assertEquals("# TYPE cpa_test_total counter\ncpa_test_total 3\n", metrics.body());
        }
    }

    private static void assertResponse(int status, String body, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(body, response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
    }
}
