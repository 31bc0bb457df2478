package com.clickhouse.analytics.gateway;

import java.util.Objects;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** {@code GET /metrics}: the registry in Prometheus text format. */
public final class MetricsHandler implements HttpHandler {

    private final PrometheusExporter exporter;
    private final Responses responses;

    public MetricsHandler(PrometheusExporter exporter, Responses responses) {
        this.exporter = Objects.requireNonNull(exporter, "exporter");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        responses.send(exchange, 200, PrometheusExporter.CONTENT_TYPE, exporter.scrape());
    }

    @Override
    public String toString() {
        return "MetricsHandler";
    }
}
