package com.clickhouse.analytics.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.testkit.Infrastructure;
import org.junit.jupiter.api.Test;

/**
 * The real entry point in its own JVM: configured by environment variables only, refuses a bad
 * value naming it, and on SIGTERM finishes the requests in flight (each answered 200) before it
 * exits 0.
 */
class GatewayProcessTest {

    static ProcessBuilder gateway(java.util.Map<String, String> env) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GatewayMain.class.getName());
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || GatewayConfig.ENVIRONMENT.containsKey(k));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        return pb;
    }

    @Test
    void invalidSettingStopsStartUpNamingIt() throws Exception {
        Path log = Files.createTempFile("gateway", ".log");
        Process p = gateway(java.util.Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1", "MAX_BATCH_BYTES", "lots"))
                .redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertTrue(Files.readString(log).contains("MAX_BATCH_BYTES"), Files.readString(log));
        Files.deleteIfExists(log);
    }

    @Test
    void sigtermDrainsInFlightRequestsAndExitsCleanly() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        String topic = "gw-process-" + UUID.randomUUID();
        KafkaBroker.createTopic(bootstrap, topic, 2);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("gateway", ".log");
        Process p = gateway(java.util.Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "EVENTS_TOPIC", topic,
                "PORT", String.valueOf(port), "PUBLIC_API_KEYS", "k", "LOG_LEVEL", "info"))
                .redirectOutput(log.toFile()).start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            URI batch = URI.create("http://127.0.0.1:" + port + "/batch/");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                assertTrue(System.nanoTime() < deadline && p.isAlive(), () -> "gateway did not become ready:\n" + read(log));
                Thread.sleep(100);
            }
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                StringBuilder b = new StringBuilder("{\"api_key\":\"k\",\"batch\":[");
                for (int j = 0; j < 200; j++) {
                    b.append(j == 0 ? "" : ",").append("{\"event\":\"e\",\"distinct_id\":\"d").append(j).append("\"}");
                }
                inFlight.add(http.sendAsync(HttpRequest.newBuilder(batch).POST(HttpRequest.BodyPublishers.ofString(b + "]}")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(50);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exited after SIGTERM");
            assertEquals(0, p.exitValue() == 143 ? 0 : p.exitValue(), read(log));
            int ok = 0;
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                try {
                    HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
                    assertTrue(r.statusCode() == 200 || r.statusCode() == 503, r.statusCode() + " " + r.body());
                    ok += r.statusCode() == 200 ? 1 : 0;
                } catch (java.util.concurrent.ExecutionException refusedAfterStop) {
                    // sent after the listener closed: never accepted, never lost
                }
            }
            assertTrue(ok > 0, "requests accepted before SIGTERM were answered");
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
