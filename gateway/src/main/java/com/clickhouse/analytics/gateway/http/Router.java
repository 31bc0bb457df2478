package com.clickhouse.analytics.gateway.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Exact-path routing that treats {@code /x} and {@code /x/} alike, plus one prefix route for
 * posthog-js's {@code /array/{token}/config[.js]}. Attaches the route's name for metrics; unknown
 * paths are a JSON 404.
 */
public final class Router implements HttpHandler {

    private record Route(String name, HttpHandler handler) {
    }

    private final Map<String, Route> exact = new LinkedHashMap<>();
    private final Map<String, Route> prefixes = new LinkedHashMap<>();
    private final Responses responses;

    public Router(Responses responses) {
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    /** Routes {@code path} (given without trailing slash) to {@code handler}, named {@code name}. */
    public Router exact(String path, String name, HttpHandler handler) {
        exact.put(strip(path), new Route(name, Objects.requireNonNull(handler, "handler")));
        return this;
    }

    /** Routes every path under {@code prefix} (which ends with '/'). */
    public Router prefix(String prefix, String name, HttpHandler handler) {
        prefixes.put(prefix, new Route(name, Objects.requireNonNull(handler, "handler")));
        return this;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String path = strip(exchange.getRelativePath());
        Route route = exact.get(path);
        if (route == null) {
            for (Map.Entry<String, Route> p : prefixes.entrySet()) {
                if (path.startsWith(p.getKey())) {
                    route = p.getValue();
                    break;
                }
            }
        }
        if (route == null) {
            exchange.setPersistent(false);
            responses.error(exchange, new GatewayError(Kind.NOT_FOUND, "no such endpoint"));
            return;
        }
        exchange.putAttachment(RequestMetricsHandler.ROUTE, route.name());
        route.handler().handleRequest(exchange);
    }

    private static String strip(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Router[");
        exact.forEach((path, route) -> b.append("\n  ").append(path).append(" -> ").append(route.handler()));
        prefixes.forEach((path, route) -> b.append("\n  ").append(path).append("* -> ").append(route.handler()));
        return b.append("\n]").toString();
    }
}
