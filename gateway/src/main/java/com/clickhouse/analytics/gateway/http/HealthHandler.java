package com.clickhouse.analytics.gateway.http;

import java.util.Objects;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** {@code GET /health}: the process is alive and serving; says nothing about Kafka. */
public final class HealthHandler implements HttpHandler {

    private final Responses responses;

    public HealthHandler(Responses responses) {
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        responses.json(exchange, 200, "{\"status\":\"ok\"}");
    }

    @Override
    public String toString() {
        return "HealthHandler";
    }
}
