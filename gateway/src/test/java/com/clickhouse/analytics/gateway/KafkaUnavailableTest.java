package com.clickhouse.analytics.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import com.clickhouse.analytics.local.kafka.KafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker really stops: requests get 503 with Retry-After within the produce bound, /ready turns
 * false, a full produce buffer sheds load at once; when the broker returns the same gateway
 * recovers by itself.
 */
class KafkaUnavailableTest {

    private static final Duration PRODUCE_TIMEOUT = Duration.ofSeconds(2);

    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.onFreePorts().start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    static String batch(String distinctId, int events, int padding) {
        StringBuilder b = new StringBuilder("{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":[");
        String pad = "x".repeat(padding);
        for (int i = 0; i < events; i++) {
            b.append(i == 0 ? "" : ",").append("{\"event\":\"e\",\"distinct_id\":\"").append(distinctId).append(i)
                    .append("\",\"properties\":{\"pad\":\"").append(pad).append("\"}}");
        }
        return b.append("]}").toString();
    }

    @Test
    void brokerDownMeans503WithinTheBoundThenRecoveryWithoutRestart() throws Exception {
        TestGateway gw = TestGateway.start(broker.bootstrapServers(), Map.of(), Map.of(
                "gateway.kafka.produce-timeout", PRODUCE_TIMEOUT.toMillis() + "ms",
                "gateway.readiness-interval", "250ms",
                "gateway.kafka.max-in-flight-bytes", "200000",
                "gateway.kafka.buffer-memory", "1048576"), Clock.systemUTC());
        try (gw) {
            awaitTrue(() -> gw.get("/ready").statusCode() == 200, "ready while the broker runs");
            assertEquals(200, gw.post("/batch/", batch("before", 10, 10)).statusCode());

            broker.stop();

            long start = System.nanoTime();
            HttpResponse<String> down = gw.post("/batch/", batch("down", 10, 10));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(503, down.statusCode(), down.body());
            assertTrue(down.headers().firstValue("Retry-After").isPresent());
            assertTrue(down.body().contains("\"status\":\"error\""), down.body());
            assertTrue(took.compareTo(PRODUCE_TIMEOUT.plusSeconds(2)) < 0, "503 after " + took);
            awaitTrue(() -> gw.get("/ready").statusCode() == 503, "/ready false while the broker is down");

            // Load shedding: requests that would overflow the in-flight budget are refused at once.
            List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
            String big = batch("flood", 50, 2000); // ~100 KB each, budget 200 KB
            for (int i = 0; i < 6; i++) {
                flood.add(CompletableFuture.supplyAsync(() -> gw.post("/batch/", big)));
            }
            long shedStart = System.nanoTime();
            boolean fastShed = false;
            for (CompletableFuture<HttpResponse<String>> f : flood) {
                HttpResponse<String> r = f.get();
                assertEquals(503, r.statusCode(), r.body());
                if (r.body().contains("buffer is full")) {
                    fastShed = true;
                }
            }
            assertTrue(fastShed, "some requests were shed for a full buffer");
            assertTrue(Duration.ofNanos(System.nanoTime() - shedStart).compareTo(PRODUCE_TIMEOUT.plusSeconds(3)) < 0);
            assertTrue(gw.get("/health").statusCode() == 200, "alive while Kafka is down");

            broker.start();

            awaitTrue(() -> gw.get("/ready").statusCode() == 200, "/ready true once the broker is back");
            awaitTrue(() -> gw.post("/batch/", batch("after", 10, 10)).statusCode() == 200, "events accepted again");
            String metrics = gw.get("/metrics").body();
            assertTrue(metrics.contains("cpa_gateway_kafka_errors_total{error=\"TimeoutException\"}"), metrics);
            assertTrue(metrics.contains("cpa_gateway_requests_total{route=\"batch\",status=\"503\"}"), metrics);
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.getName().contains("cpa-gateway") && t.isAlive() && !t.getName().contains("readiness-")),
                "no producer or admin thread left after close");
    }

    /**
     * A frozen broker keeps its connections open and answers nothing. Each request still gets its
     * 503 within the produce timeout plus one second — also the ones after the first failure, whose
     * sends wait for metadata before their delivery timeout starts.
     */
    @Test
    void aFrozenBrokerMeans503WithinTheProduceTimeoutPlusOneSecond() throws Exception {
        TestGateway gw = TestGateway.start(broker.bootstrapServers(), Map.of(), Map.of(
                "gateway.kafka.produce-timeout", PRODUCE_TIMEOUT.toMillis() + "ms",
                "gateway.readiness-interval", "250ms"), Clock.systemUTC());
        try (gw) {
            awaitTrue(() -> gw.get("/ready").statusCode() == 200, "ready while the broker runs");
            assertEquals(200, gw.post("/batch/", batch("before-freeze", 10, 10)).statusCode());
            broker.freeze(true);
            try {
                // Scheduling slack on a loaded 2-core machine: 500 ms beyond the promise.
                Duration bound = PRODUCE_TIMEOUT.plusSeconds(1).plusMillis(500);
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> frozen = gw.post("/batch/", batch("frozen-" + i, 10, 10));
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertEquals(503, frozen.statusCode(), frozen.body());
                    assertTrue(took.compareTo(bound) < 0, "request " + i + ": 503 after " + took + ", bound " + bound);
                }
            } finally {
                broker.freeze(false);
            }
            awaitTrue(() -> gw.post("/batch/", batch("thawed", 10, 10)).statusCode() == 200, "events accepted once thawed");
        }
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(200);
        }
    }
}
