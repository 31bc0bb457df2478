package com.clickhouse.analytics.gateway.http;

import java.util.Objects;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

/**
 * Answers posthog-js's start-up calls — {@code /decide} (older SDKs), {@code /flags} (newer) and
 * {@code /array/{token}/config[.js]} (remote config) — with a minimal configuration: no feature
 * flags, no recordings, gzip supported (so the SDK keeps compressing and sends
 * {@code text/plain} bodies that need no CORS preflight) and events sent to {@code /i/v0/e/} on this
 * gateway. Any request body is ignored and never read into memory.
 */
public final class SdkConfigHandler implements HttpHandler {

    static final String CONFIG = "\"supportedCompression\":[\"gzip\",\"gzip-js\"],"
            + "\"analytics\":{\"endpoint\":\"/i/v0/e/\"},"
            + "\"config\":{\"enable_collect_everything\":true},"
            + "\"featureFlags\":{},\"featureFlagPayloads\":{},\"flags\":{},\"errorsWhileComputingFlags\":false,"
            + "\"hasFeatureFlags\":false,\"quotaLimited\":[],"
            + "\"sessionRecording\":false,\"heatmaps\":false,\"surveys\":false,\"siteApps\":[],\"toolbarParams\":{},"
            + "\"isAuthenticated\":false,\"autocapture_opt_out\":false,\"autocaptureExceptions\":false,"
            + "\"capturePerformance\":false,\"captureDeadClicks\":false,\"elementsChainAsString\":true,"
            + "\"defaultIdentifiedOnly\":true";

    private final Responses responses;

    public SdkConfigHandler(Responses responses) {
        this.responses = Objects.requireNonNull(responses, "responses");
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.POST)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, POST, OPTIONS");
            responses.error(exchange, new GatewayError(Kind.METHOD_NOT_ALLOWED, "use GET or POST"));
            return;
        }
        if (exchange.getRequestContentLength() > 64 * 1024) {
            exchange.setPersistent(false); // close rather than drain a body nobody reads
        }
        String path = exchange.getRelativePath();
        if (path.startsWith("/array/")) {
            String token = token(path);
            if (path.endsWith(".js")) {
                String js = "(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};"
                        + "window._POSTHOG_REMOTE_CONFIG[" + Responses.quote(token) + "]={config:{\"token\":"
                        + Responses.quote(token) + "," + CONFIG + "},siteApps:[]};})();";
                responses.send(exchange, 200, "application/javascript", js);
            } else {
                responses.json(exchange, 200, "{\"token\":" + Responses.quote(token) + "," + CONFIG + "}");
            }
            return;
        }
        responses.json(exchange, 200, "{" + CONFIG + "}");
    }

    /** The {token} of /array/{token}/config, restricted to characters a key can have. */
    static String token(String path) {
        String rest = path.substring("/array/".length());
        int slash = rest.indexOf('/');
        String token = slash < 0 ? rest : rest.substring(0, slash);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < token.length() && b.length() < 128; i++) {
            char c = token.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                b.append(c);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "SdkConfigHandler";
    }
}
