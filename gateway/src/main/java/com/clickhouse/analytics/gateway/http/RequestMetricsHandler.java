package com.clickhouse.analytics.gateway.http;

import java.util.Objects;

import com.clickhouse.analytics.gateway.GatewayMetrics;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/**
 * Counts every request by route and status and times it, when the exchange completes (so
 * asynchronously answered requests are measured to their real end). The route name is the one the
 * {@link Router} attached; requests that matched none count as {@code other}.
 */
public final class RequestMetricsHandler implements HttpHandler {

    static final AttachmentKey<String> ROUTE = AttachmentKey.create(String.class);

    private final GatewayMetrics metrics;
    private final HttpHandler next;

    public RequestMetricsHandler(GatewayMetrics metrics, HttpHandler next) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        long start = System.nanoTime();
        exchange.addExchangeCompleteListener((ex, nextListener) -> {
            try {
                String route = ex.getAttachment(ROUTE);
                metrics.request(route == null ? "other" : route, ex.getStatusCode(), System.nanoTime() - start);
            } finally {
                nextListener.proceed();
            }
        });
        next.handleRequest(exchange);
    }

    @Override
    public String toString() {
        return "RequestMetricsHandler -> " + next;
    }
}
