package com.clickhouse.analytics.gateway.http;

import java.util.Objects;

import com.clickhouse.analytics.metrics.PrometheusText;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** {@code GET /metrics}: the registry in Prometheus text format. */
public final class MetricsHandler implements HttpHandler {

    private final PrometheusText exporter;
    private final Responses responses;

    public MetricsHandler(PrometheusText exporter, Responses responses) {
        this.exporter = Objects.requireNonNull(exporter, "exporter");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        responses.send(exchange, 200, PrometheusText.CONTENT_TYPE, exporter.scrape());
    }

    @Override
    public String toString() {
        return "MetricsHandler";
    }
}
