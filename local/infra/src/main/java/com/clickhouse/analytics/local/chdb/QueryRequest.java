package com.clickhouse.analytics.local.chdb;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

/**
 * What one HTTP request asks of ClickHouse, read the way a ClickHouse server reads it: credentials
 * (Basic auth, else {@code X-ClickHouse-User}/{@code X-ClickHouse-Key}, else {@code user}/{@code password}
 * parameters, else {@code default} with no password); database from the {@code database} parameter or
 * {@code X-ClickHouse-Database}; every URL parameter that is not part of the HTTP protocol itself is a
 * setting for this query; {@code param_x} binds {@code {x:Type}}.
 */
record QueryRequest(String user, String password, String queryId, String database, String queryParameter,
                    String defaultFormat, Map<String, String> settings, Map<String, String> parameters,
                    boolean compressResponse, boolean decompressRequest, String contentEncoding) {

    /** URL parameters that steer the HTTP interface rather than name a setting. */
    private static final Set<String> PROTOCOL_PARAMETERS = Set.of("query", "database", "default_format", "compress",
            "decompress", "user", "password", "quota_key", "query_id", "session_id", "session_timeout",
            "session_check", "buffer_size", "wait_end_of_query", "role", "stacktrace", "client_protocol_version",
            "http_response_headers");
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    static QueryRequest from(HttpServerExchange exchange) {
        Map<String, Deque<String>> query = exchange.getQueryParameters();
        String user = "default";
        String password = "";
        String authorization = header(exchange, Headers.AUTHORIZATION_STRING);
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            user = colon < 0 ? decoded : decoded.substring(0, colon);
            password = colon < 0 ? "" : decoded.substring(colon + 1);
        } else if (header(exchange, "X-ClickHouse-User") != null) {
            user = header(exchange, "X-ClickHouse-User");
            password = orEmpty(header(exchange, "X-ClickHouse-Key"));
        } else if (first(query, "user") != null) {
            user = first(query, "user");
            password = orEmpty(first(query, "password"));
        }
        String queryId = first(query, "query_id");
        if (queryId == null) {
            queryId = header(exchange, "X-ClickHouse-Query-Id");
        }
        if (queryId == null || queryId.isBlank()) {
            queryId = UUID.randomUUID().toString();
        }
        String database = first(query, "database");
        if (database == null) {
            database = header(exchange, "X-ClickHouse-Database");
        }
        String defaultFormat = first(query, "default_format");
        if (defaultFormat == null) {
            defaultFormat = header(exchange, "X-ClickHouse-Format");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Map.Entry<String, Deque<String>> entry : query.entrySet()) {
            String name = entry.getKey();
            String value = entry.getValue().peekLast();
            if (name.startsWith("param_")) {
                parameters.put(name.substring("param_".length()), value);
            } else if (!PROTOCOL_PARAMETERS.contains(name)) {
                if (!SETTING_NAME.matcher(name).matches()) {
                    throw new ClickHouseException(new ClickHouseError(115, "UNKNOWN_SETTING",
                            "Code: 115. DB::Exception: Unknown setting '" + name + "'. (UNKNOWN_SETTING)"));
                }
                settings.put(name, value);
            }
        }
        return new QueryRequest(user, password, queryId, database, first(query, "query"),
                defaultFormat == null || defaultFormat.isBlank() ? "TabSeparated" : defaultFormat,
                settings, parameters, "1".equals(first(query, "compress")), "1".equals(first(query, "decompress")),
                header(exchange, Headers.CONTENT_ENCODING_STRING));
    }

    private static String header(HttpServerExchange exchange, String name) {
        HeaderValues values = exchange.getRequestHeaders().get(name);
        return values == null ? null : values.getFirst();
    }

    private static String first(Map<String, Deque<String>> query, String name) {
        Deque<String> values = query.get(name);
        return values == null ? null : values.peekFirst();
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    @Override
    public String toString() {
        return "QueryRequest[" + queryId + ", user " + user + ", database " + database + "]"; // never the password
    }
}
