package com.clickhouse.analytics.ops.health;

import java.net.InetSocketAddress;

import com.clickhouse.analytics.ops.metrics.MetricsHandler;
import com.clickhouse.analytics.ops.metrics.PrometheusText;
import com.codahale.metrics.MetricRegistry;
import io.undertow.Undertow;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.StatusCodes;

/**
 * A small HTTP port that serves only {@code GET /health}, {@code GET /ready} and
 * {@code GET /metrics} (the writer's port; a management port for any service). Readiness checks may
 * block, so they run on a worker thread; every other path is a JSON 404.
 */
public final class OperationsServer implements AutoCloseable {

    private final Undertow server;

    public OperationsServer(String host, int port, Check liveness, Check readiness, MetricRegistry registry) {
        RoutingHandler routes = new RoutingHandler()
                .get("/health", HealthHandler.liveness(liveness))
                .get("/ready", new BlockingHandler(HealthHandler.readiness(readiness)))
                .get("/metrics", new MetricsHandler(new PrometheusText(registry)))
                .setFallbackHandler(exchange -> HealthHandler.send(exchange, StatusCodes.NOT_FOUND,
                        "{\"status\":\"error\",\"error\":\"no such endpoint\"}"));
        this.server = Undertow.builder()
                .addHttpListener(port, host)
                .setIoThreads(1)
                .setWorkerThreads(2)
                .setHandler(routes)
                .build();
    }

    public OperationsServer start() {
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
}
