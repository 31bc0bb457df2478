package com.clickhouse.analytics.bench.freshness;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.clickhouse.analytics.bench.StackSql;
import com.clickhouse.analytics.local.process.TemporaryDirectory;
import com.clickhouse.analytics.stack.LocalStack;
import com.clickhouse.analytics.stack.StackSettings;

/**
 * Freshness: with the whole local stack running, sends a steady stream of events (default 10,000
 * events/s for 60 s, 100 events per request) and measures per event the time from the gateway's
 * 200 to the row being in ClickHouse. The row's arrival time is the events table's
 * {@code inserted_at} column ({@code DEFAULT now64(3)}, taken by ClickHouse when it writes the
 * insert), on the same host clock as the sender's.
 *
 * <pre>./cpa bench freshness [events/s] [seconds]</pre>
 */
public final class FreshnessBenchmark {

    private static final int EVENTS_PER_REQUEST = 100;

    private FreshnessBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        try (TemporaryDirectory dir = TemporaryDirectory.create("cpa-freshness-")) {
            StackSettings settings = StackSettings.onFreePorts(dir.path());
            System.out.printf("freshness: starting the local stack in %s%n", dir.path());
            try (LocalStack stack = new LocalStack(settings, System.getProperty("java.class.path")).start()) {
                run(settings, rate, seconds);
            }
        }
    }

    private static void run(StackSettings settings, int rate, int seconds) throws Exception {
        // The client's executor is the benchmark's to shut down (HttpClient.close leaves a given executor
        // running): its threads are not daemons, and left running they kept the JVM alive after the result.
        try (ExecutorService senders = Executors.newFixedThreadPool(4);
             HttpClient http = HttpClient.newBuilder().executor(senders).build()) {
            measure(settings, http, rate, seconds);
        }
    }

    private static void measure(StackSettings settings, HttpClient http, int rate, int seconds) throws Exception {
        int requestsPerSecond = Math.max(1, rate / EVENTS_PER_REQUEST);
        int totalRequests = requestsPerSecond * seconds;
        long[] ackedAtMillis = new long[totalRequests];
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ConcurrentHashMap<Integer, String> errors = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        // A daemon, so that an exception before its shutdownNow below cannot keep the JVM alive either.
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / requestsPerSecond;
        System.out.printf("freshness: %d events/s (%d requests/s of %d events) for %d s%n", rate, requestsPerSecond,
                EVENTS_PER_REQUEST, seconds);
        ticker.scheduleAtFixedRate(() -> {
            int request = next.getAndIncrement();
            if (request >= totalRequests) {
                return;
            }
            http.sendAsync(HttpRequest.newBuilder(URI.create(settings.gatewayUrl() + "/batch/"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body(settings.apiKey(), request))).build(),
                    HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                        if (error == null && response.statusCode() == 200) {
                            ackedAtMillis[request] = System.currentTimeMillis();
                        } else {
                            failed.incrementAndGet();
                            errors.putIfAbsent(request, error != null ? error.toString() : response.statusCode() + " " + response.body());
                        }
                        done.incrementAndGet();
                    });
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 60);
        while (done.get() < totalRequests && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        ticker.shutdownNow();
        if (failed.get() > 0) {
            System.out.printf("freshness: %d requests failed, e.g. %s%n", failed.get(), errors.values().iterator().next());
        }

        // Wait until every accepted event is in ClickHouse, then read each row's arrival time.
        long accepted = (long) (totalRequests - failed.get()) * EVENTS_PER_REQUEST;
        StackSql sql = new StackSql(settings);
        long visibleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Long.parseLong(sql.query("SELECT count() FROM events WHERE event = 'freshness_probe'").strip()) < accepted) {
            if (System.nanoTime() > visibleDeadline) {
                throw new IllegalStateException("not every accepted event arrived within 120 s");
            }
            Thread.sleep(500);
        }
        String rows = sql.query("SELECT JSONExtractUInt(properties, 'request') AS r, toUnixTimestamp64Milli(inserted_at) FROM events "
                + "WHERE event = 'freshness_probe' FORMAT TabSeparated");
        List<Long> lagMillis = new ArrayList<>();
        for (String line : rows.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] cols = line.split("\t");
            int request = Integer.parseInt(cols[0]);
            long insertedAt = Long.parseLong(cols[1]);
            if (ackedAtMillis[request] > 0) {
                lagMillis.add(Math.max(0, insertedAt - ackedAtMillis[request]));
            }
        }
        long[] sorted = lagMillis.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("freshness: %d events measured; gateway 200 -> row in ClickHouse: p50 %d ms, p95 %d ms, p99 %d ms, max %d ms%n",
                sorted.length, percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    private static String body(String apiKey, int request) {
        StringBuilder body = new StringBuilder(EVENTS_PER_REQUEST * 300);
        body.append("{\"api_key\":\"").append(apiKey).append("\",\"batch\":[");
        for (int i = 0; i < EVENTS_PER_REQUEST; i++) {
            body.append(i == 0 ? "" : ",")
                    .append("{\"event\":\"freshness_probe\",\"distinct_id\":\"user-").append((request * 7 + i) % 5000)
                    .append("\",\"properties\":{\"request\":").append(request).append(",\"i\":").append(i)
                    .append(",\"$current_url\":\"https://app.example/page/").append(i % 20)
                    .append("\",\"$session_id\":\"s-").append(request % 500).append("\",\"$browser\":\"Chrome\"}}");
        }
        return body.append("]}").toString();
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
