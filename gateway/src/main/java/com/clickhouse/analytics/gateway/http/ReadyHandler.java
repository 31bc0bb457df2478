package com.clickhouse.analytics.gateway.http;

import java.util.Objects;

import com.clickhouse.analytics.gateway.kafka.KafkaReadiness;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** {@code GET /ready}: 200 while Kafka is reachable, 503 otherwise and during shutdown. */
public final class ReadyHandler implements HttpHandler {

    private final KafkaReadiness readiness;
    private final Responses responses;

    public ReadyHandler(KafkaReadiness readiness, Responses responses) {
        this.readiness = Objects.requireNonNull(readiness, "readiness");
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (readiness.ready()) {
            responses.json(exchange, 200, "{\"status\":\"ready\"}");
        } else {
            responses.json(exchange, 503, "{\"status\":\"not_ready\",\"error\":" + Responses.quote(readiness.problem()) + "}");
        }
    }

    @Override
    public String toString() {
        return "ReadyHandler";
    }
}
