package com.clickhouse.analytics.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads what the pipeline wrote, over the local ClickHouse's HTTP interface. */
final class ClickHouseQueries implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StackSettings settings;
    private final HttpClient http = HttpClient.newHttpClient();

    ClickHouseQueries(StackSettings settings) {
        this.settings = settings;
    }

    @Override
    public void close() {
        http.close();
    }

    /** Rows of {@code sql} as JSON objects (64-bit integers quoted, as ClickHouse does by default). */
    List<JsonNode> rows(String sql) {
        String credentials = settings.clickHouseUser() + ":" + settings.clickHousePassword();
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.clickHouseUrl() + "/?database=" + settings.database()))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(sql + " FORMAT JSONEachRow"))
                .timeout(Duration.ofSeconds(30))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("query failed (" + response.statusCode() + "): " + response.body() + "\n" + sql);
            }
            List<JsonNode> rows = new ArrayList<>();
            for (String line : response.body().split("\n")) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new AssertionError("query failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    long count(String sql) {
        return rows(sql).getFirst().elements().next().asLong();
    }

    /** Polls {@code sql} until {@code done} accepts its rows; the writer flushes about every second. */
    List<JsonNode> await(String sql, Predicate<List<JsonNode>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> rows = rows(sql);
        while (!done.test(rows)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("after " + timeout.toSeconds() + " s still " + rows + " for\n" + sql);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            rows = rows(sql);
        }
        return rows;
    }
}
