package com.clickhouse.analytics.ops.health;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;

/**
 * {@code GET /health} and {@code GET /ready} of every service, with one JSON shape:
 * <pre>
 *   /health  200 {"status":"ok"}       503 {"status":"error","error":"why"}
 *   /ready   200 {"status":"ready"}    503 {"status":"not_ready","error":"why"}
 * </pre>
 * Liveness says whether the process works (a failing probe restarts the pod); readiness whether
 * it can do its job now (a failing probe only takes it out of rotation). The handler calls its
 * {@link Check} on the calling thread: a check that blocks goes behind a {@code BlockingHandler}.
 */
public final class HealthHandler implements HttpHandler {

    private final String name;
    private final Check check;
    private final String okBody;
    private final String failedStatus;

    private HealthHandler(String name, Check check, String okStatus, String failedStatus) {
        this.name = name;
        this.check = Objects.requireNonNull(check, "check");
        this.okBody = "{\"status\":\"" + okStatus + "\"}";
        this.failedStatus = failedStatus;
    }

    /** {@code /health}: 200 while {@code check} finds no problem. */
    public static HealthHandler liveness(Check check) {
        return new HealthHandler("liveness", check, "ok", "error");
    }

    /** {@code /ready}: 200 while {@code check} finds no problem. */
    public static HealthHandler readiness(Check check) {
        return new HealthHandler("readiness", check, "ready", "not_ready");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Optional<String> problem = check.problem();
        if (problem.isEmpty()) {
            send(exchange, StatusCodes.OK, okBody);
        } else {
            send(exchange, StatusCodes.SERVICE_UNAVAILABLE,
                    "{\"status\":\"" + failedStatus + "\",\"error\":" + JsonText.quote(problem.get()) + "}");
        }
    }

    /** Writes a JSON body, once per exchange; used for every JSON answer of the services' operations ports. */
    static void send(HttpServerExchange exchange, int status, String body) {
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return "HealthHandler[" + name + "]";
    }
}
