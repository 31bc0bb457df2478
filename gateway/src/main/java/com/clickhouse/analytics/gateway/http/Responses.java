package com.clickhouse.analytics.gateway.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayMetrics;
import com.clickhouse.analytics.ops.health.JsonText;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every response the gateway sends — the one place a {@link GatewayError} becomes HTTP:
 * {@code {"status":"error","error":"…"}} with the error's status, {@code Retry-After} when it is
 * retryable, the error tag counted in metrics. Safe to call from any thread, once per exchange.
 */
public final class Responses {

    private static final Logger LOG = LoggerFactory.getLogger(Responses.class);
    private static final String JSON = "application/json";

    private final GatewayMetrics metrics;
    private final String retryAfterSeconds;

    public Responses(GatewayMetrics metrics, Duration retryAfter) {
        this.metrics = metrics;
        this.retryAfterSeconds = Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

    public void ok(HttpServerExchange exchange, int ingested, int dropped) {
        json(exchange, 200, "{\"status\":\"ok\",\"ingested\":" + ingested + ",\"dropped\":" + dropped + "}");
    }

    public void error(HttpServerExchange exchange, GatewayError error) {
        metrics.error(error.tag());
        if (error.loggable()) {
            LOG.warn("{} {}: {}", error.status(), error.tag(), error.getMessage());
        }
        if (error.retryable()) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER,
                    error.retryAfterSeconds() > 0 ? Long.toString(error.retryAfterSeconds()) : retryAfterSeconds);
        }
        json(exchange, error.status(), "{\"status\":\"error\",\"error\":" + quote(error.getMessage()) + "}");
    }

    /** A defect of the gateway itself: logged with its stack, answered without details. */
    public void internal(HttpServerExchange exchange, Throwable t) {
        LOG.error("unexpected failure handling {}", exchange.getRequestPath(), t);
        metrics.error("internal");
        json(exchange, 500, "{\"status\":\"error\",\"error\":\"internal error\"}");
    }

    public void json(HttpServerExchange exchange, int status, String body) {
        send(exchange, status, JSON, body);
    }

    public void send(HttpServerExchange exchange, int status, String contentType, String body) {
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.getResponseSender().send(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** 204 with the given header set; the body is empty. */
    public void noContent(HttpServerExchange exchange, HttpString header, String value) {
        exchange.setStatusCode(204);
        exchange.getResponseHeaders().put(header, value);
        exchange.endExchange();
    }

    static String quote(String s) {
        return JsonText.quote(s);
    }
}
