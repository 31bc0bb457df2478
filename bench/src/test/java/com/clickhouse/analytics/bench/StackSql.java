package com.clickhouse.analytics.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.clickhouse.analytics.stack.StackSettings;

/**
 * Minimal HTTP SQL against a local stack's ClickHouse, for reading a benchmark's results: the
 * benchmark must not share the pipeline's client.
 */
public record StackSql(StackSettings settings) {

    /** The answer's body (ClickHouse's default format, TabSeparated, unless the query names one). */
    public String query(String sql) throws Exception {
        String credentials = settings.clickHouseUser() + ":" + settings.clickHousePassword();
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newHttpClient()) {
            response = client.send(HttpRequest.newBuilder(URI.create(settings.clickHouseUrl() + "/?database=" + settings.database()))
                            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                            .timeout(Duration.ofSeconds(60))
                            .POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.body());
        }
        return response.body();
    }

    /** The one number a query such as {@code SELECT count() …} answers (0 for an empty or NULL answer). */
    public long longValue(String sql) throws Exception {
        String value = query(sql).strip();
        return value.isEmpty() || value.equals("\\N") ? 0 : Long.parseLong(value);
    }
}
