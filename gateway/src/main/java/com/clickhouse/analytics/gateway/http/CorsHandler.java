package com.clickhouse.analytics.gateway.http;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import com.clickhouse.analytics.gateway.authorize.Authorizer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

/**
 * CORS for the browser-facing routes. A request from an allowed {@code Origin} gets that origin
 * echoed back with {@code Vary: Origin} and credentials allowed; a preflight gets 204 with the
 * methods, the headers the SDKs send (including tracing headers) and a day's {@code Max-Age}. A
 * request from any other origin is refused with 403 and no CORS headers at all. Requests without
 * {@code Origin} pass through untouched (backends; the {@link Authorizer} wants a key from them).
 */
public final class CorsHandler implements HttpHandler {

    static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    static final HttpString ALLOW_CREDENTIALS = new HttpString("Access-Control-Allow-Credentials");
    static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
    static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
    static final HttpString REQUEST_HEADERS = new HttpString("Access-Control-Request-Headers");

    /** What posthog-js, analytics-next and friends send, plus tracing headers injected by browser instrumentation. */
    static final Set<String> ALLOWED_HEADERS = Set.of("content-type", "content-encoding", "x-requested-with",
            "authorization", "baggage", "traceparent", "tracestate", "sentry-trace", "x-datadog-trace-id",
            "x-datadog-parent-id", "x-datadog-origin", "x-datadog-sampling-priority", "x-b3-traceid", "x-b3-spanid",
            "x-b3-sampled", "b3", "x-request-id", "x-posthog-token", "x-posthog-session-id", "x-posthog-window-id",
            "x-posthog-distinct-id", "cache-control", "pragma",
            // @segment/analytics-next counts its retries in this header: without it a retry's preflight fails
            "x-retry-count");

    private static final String METHODS = "GET, POST, OPTIONS";
    private static final String MAX_AGE_SECONDS = "86400";

    private final Authorizer authorizer;
    private final Responses responses;
    private final HttpHandler next;

    public CorsHandler(Authorizer authorizer, Responses responses, HttpHandler next) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        this.responses = Objects.requireNonNull(responses, "responses");
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderMap in = exchange.getRequestHeaders();
        String origin = in.getFirst(Headers.ORIGIN);
        boolean preflight = exchange.getRequestMethod().equals(Methods.OPTIONS);
        if (origin == null) {
            if (preflight) {
                responses.noContent(exchange, Headers.ALLOW, METHODS);
            } else {
                next.handleRequest(exchange);
            }
            return;
        }
        if (!authorizer.originAllowed(origin)) {
            exchange.setPersistent(false); // the body, if any, is not worth draining
            responses.error(exchange, new GatewayError(Kind.ORIGIN_NOT_ALLOWED, "origin not allowed"));
            return;
        }
        HeaderMap out = exchange.getResponseHeaders();
        out.put(ALLOW_ORIGIN, origin);
        out.put(ALLOW_CREDENTIALS, "true");
        out.add(Headers.VARY, "Origin");
        if (preflight) {
            out.put(ALLOW_METHODS, METHODS);
            out.put(ALLOW_HEADERS, allowedHeaders(in.getFirst(REQUEST_HEADERS)));
            out.put(MAX_AGE, MAX_AGE_SECONDS);
            responses.noContent(exchange, Headers.ALLOW, METHODS);
            return;
        }
        next.handleRequest(exchange);
    }

    /** The fixed list, plus requested headers that are known or namespaced tracing/PostHog ones. */
    static String allowedHeaders(String requested) {
        Set<String> allowed = new TreeSet<>(ALLOWED_HEADERS);
        if (requested != null) {
            for (String h : requested.split(",")) {
                String name = h.strip().toLowerCase(Locale.ROOT);
                if (name.startsWith("x-posthog-") || name.startsWith("x-amzn-trace") || name.startsWith("x-cloud-trace")
                        || name.startsWith("ot-") || name.startsWith("uber-trace")) {
                    if (name.length() <= 64 && name.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                        allowed.add(name);
                    }
                }
            }
        }
        return String.join(", ", allowed);
    }

    @Override
    public String toString() {
        return "CorsHandler[" + authorizer + "] -> " + next;
    }
}
