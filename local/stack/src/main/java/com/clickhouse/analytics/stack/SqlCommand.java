package com.clickhouse.analytics.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * {@code ./cpa sql "SELECT …"}: runs one statement on the local ClickHouse over its HTTP
 * interface and prints the result as a table, so nobody needs another client to see their events.
 */
public final class SqlCommand {

    private final StackSettings settings;
    private final HttpClient http;

    public SqlCommand(StackSettings settings, HttpClient http) {
        this.settings = settings;
        this.http = http;
    }

    /** Returns the process exit code: 0 on success, 1 on a ClickHouse error, 2 if it is not running. */
    public int run(String sql, PrintStream out, PrintStream err) throws InterruptedException {
        String url = settings.clickHouseUrl() + "/?default_format=PrettyCompactMonoBlock&database="
                + URLEncoder.encode(settings.database(), StandardCharsets.UTF_8);
        String credentials = settings.clickHouseUser() + ":" + settings.clickHousePassword();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMinutes(5))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() == 200) {
                out.print(response.body());
                return 0;
            }
            err.print(response.body());
            return 1;
        } catch (ConnectException e) {
            err.println("cpa: no ClickHouse at " + settings.clickHouseUrl() + " — is ./cpa up running?");
            return 2;
        } catch (IOException e) {
            err.println("cpa: " + e.getMessage());
            return 2;
        }
    }
}
