package com.clickhouse.analytics.writer;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.clickhouse.analytics.metrics.PrometheusText;
import com.codahale.metrics.MetricRegistry;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;

/**
 * The writer's small HTTP port: {@code GET /health} (200 while the consumer loop runs),
 * {@code GET /ready} (200 when ClickHouse and Kafka answer, else 503 naming what does not) and
 * {@code GET /metrics} (Prometheus text). Readiness checks block, so they run off the I/O thread.
 */
public final class HealthServer implements AutoCloseable {

    private final Undertow server;

    /**
     * @param readiness returns the reason the writer is not ready, or empty when it is
     */
    public HealthServer(String host, int port, BooleanSupplier alive, Supplier<Optional<String>> readiness, MetricRegistry registry) {
        PrometheusText prometheus = new PrometheusText(registry);
        HttpHandler routes = new RoutingHandler()
                .get("/health", exchange -> json(exchange, alive.getAsBoolean() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE,
                        alive.getAsBoolean() ? "{\"status\":\"ok\"}" : "{\"status\":\"error\",\"error\":\"consumer loop stopped\"}"))
                .get("/ready", new BlockingHandler(exchange -> {
                    Optional<String> problem = readiness.get();
                    json(exchange, problem.isEmpty() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE,
                            problem.map(p -> "{\"status\":\"error\",\"error\":\"" + p.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                                    .orElse("{\"status\":\"ok\"}"));
                }))
                .get("/metrics", exchange -> {
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, PrometheusText.CONTENT_TYPE);
                    exchange.getResponseSender().send(prometheus.scrape(), StandardCharsets.UTF_8);
                })
                .setFallbackHandler(exchange -> json(exchange, StatusCodes.NOT_FOUND, "{\"status\":\"error\",\"error\":\"not found\"}"));
        this.server = Undertow.builder()
                .addHttpListener(port, host)
                .setIoThreads(1)
                .setWorkerThreads(2)
                .setHandler(routes)
                .build();
    }

    public HealthServer start() {
        server.start();
        return this;
    }

    public int port() {
        return ((InetSocketAddress) server.getListenerInfo().getFirst().getAddress()).getPort();
    }

    @Override
    public void close() {
        server.stop();
    }

    private static void json(HttpServerExchange exchange, int status, String body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(body, StandardCharsets.UTF_8);
    }
}
