package com.clickhouse.analytics.ops.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;

/** {@code GET /metrics} of every service: the registry in Prometheus text format. */
public final class MetricsHandler implements HttpHandler {

    private final PrometheusText exporter;

    public MetricsHandler(PrometheusText exporter) {
        this.exporter = Objects.requireNonNull(exporter, "exporter");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(StatusCodes.OK);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, PrometheusText.CONTENT_TYPE);
        exchange.getResponseSender().send(ByteBuffer.wrap(exporter.scrape().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return "MetricsHandler";
    }
}
