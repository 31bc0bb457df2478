package com.clickhouse.analytics.bench.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.clickhouse.analytics.bench.Cpu;
import com.clickhouse.analytics.bench.StackSql;
import com.clickhouse.analytics.local.process.TemporaryDirectory;
import com.clickhouse.analytics.stack.LocalStack;
import com.clickhouse.analytics.stack.StackSettings;

/**
 * The whole local stack under a fixed load: {@link LocalStack} (gateway, broker, writer, ClickHouse,
 * each its own process, on free loopback ports) and an open-loop load generator posting PostHog
 * {@code /batch} requests of {@value #EVENTS_PER_REQUEST} posthog-js-like events at a fixed rate.
 * Reports the rate that landed in ClickHouse, freshness (request sent → the row's
 * {@code inserted_at}, taken by ClickHouse when it writes the insert, on the same host clock),
 * the answers other than 200, and the CPU per event of each process (and of the generator itself).
 *
 * <pre>./cpa bench e2e [events/s=10000] [seconds=60]</pre>
 *
 * <p>Bounded: at most {@value #MAX_IN_FLIGHT} requests in flight (a send that would exceed it waits,
 * and the offered rate says so), sending stops when the period ends, and the rows are awaited for at most 120 s after the last send.
 * Exits by itself; the stack stops with it. Output lines starting with {@code RESULT} are the ones
 * to paste (docs/benchmarks.md).
 */
public final class EndToEndBenchmark {

    static final int EVENTS_PER_REQUEST = 100;
    static final int MAX_IN_FLIGHT = 256;
    static final String PROBE = "e2e_probe";

    private EndToEndBenchmark() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        try (TemporaryDirectory dir = TemporaryDirectory.create("cpa-e2e-")) {
            StackSettings settings = StackSettings.onFreePorts(dir.path());
            System.out.printf(Locale.ROOT, "e2e: load average %s; starting the local stack in %s%n", loadAverage(), dir.path());
            try (LocalStack stack = new LocalStack(settings, System.getProperty("java.class.path")).start();
                 ExecutorService http = Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().factory());
                 HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(http).build()) {
                new EndToEndBenchmark().run(stack, client, rate, seconds);
            }
        } catch (Throwable failed) {
            failed.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private void run(LocalStack stack, HttpClient client, int rate, int seconds) throws Exception {
        StackSettings settings = stack.settings();
        int requestsPerSecond = Math.max(1, rate / EVENTS_PER_REQUEST);
        int total = requestsPerSecond * seconds;
        long[] sentAtMillis = new long[total];
        AtomicLong okRequests = new AtomicLong();
        Map<String, AtomicInteger> otherAnswers = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        AtomicInteger done = new AtomicInteger();
        URI batch = URI.create(settings.gatewayUrl() + "/batch/");
        Bodies bodies = new Bodies(settings.apiKey(), 2026);

        // Warm the path (JIT, connections, topic metadata, the writer's first batches) for a few seconds at a
        // tenth of the rate, and wait until those events landed; they are not measured.
        int warmUpRequests = warmUp(client, batch, bodies, Math.max(1, requestsPerSecond / 10), 5);
        StackSql sql = new StackSql(settings);
        long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (sql.longValue("SELECT count() FROM events WHERE event = 'e2e_warmup'") < (long) warmUpRequests * EVENTS_PER_REQUEST
                && System.nanoTime() < warmDeadline) {
            Thread.sleep(200);
        }

        Map<String, Long> pids = new java.util.LinkedHashMap<>(stack.pids());
        pids.put("load generator", ProcessHandle.current().pid());
        System.out.printf(Locale.ROOT, "e2e: %,d events/s (%d requests/s of %d events) for %d s; load average %s%n", rate,
                requestsPerSecond, EVENTS_PER_REQUEST, seconds, loadAverage());
        Cpu before = Cpu.of(pids);
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / requestsPerSecond;
        long start = System.nanoTime();
        long firstSendMillis = System.currentTimeMillis();
        long stopAt = start + TimeUnit.SECONDS.toNanos(seconds);
        int sent = 0;
        // Stops at the end of the period even when the in-flight bound held sends back: the run stays bounded.
        for (int request = 0; request < total && System.nanoTime() < stopAt; request++, sent++) {
            long due = start + request * periodNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            inFlight.acquire();
            int r = request;
            HttpRequest post = HttpRequest.newBuilder(batch).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(bodies.body(PROBE, r, Instant.now()))).build();
            sentAtMillis[r] = System.currentTimeMillis();
            client.sendAsync(post, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                if (error == null && response.statusCode() == 200) {
                    okRequests.incrementAndGet();
                } else {
                    sentAtMillis[r] = 0;
                    String answer = error != null ? error.getClass().getSimpleName() : Integer.toString(response.statusCode());
                    otherAnswers.computeIfAbsent(answer, a -> new AtomicInteger()).incrementAndGet();
                }
                inFlight.release();
                done.incrementAndGet();
            });
        }
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        long lastSendMillis = System.currentTimeMillis();
        long answersDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.get() < sent && System.nanoTime() < answersDeadline) {
            Thread.sleep(50);
        }
        long accepted = okRequests.get() * EVENTS_PER_REQUEST;

        long rowsDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long landed;
        while ((landed = sql.longValue("SELECT count() FROM events WHERE event = '" + PROBE + "'")) < accepted
                && System.nanoTime() < rowsDeadline) {
            Thread.sleep(200);
        }
        Cpu spent = Cpu.of(pids).since(before);
        long lastRowMillis = sql.longValue("SELECT toUnixTimestamp64Milli(max(inserted_at)) FROM events WHERE event = '" + PROBE + "'");
        long firstRowMillis = sql.longValue("SELECT toUnixTimestamp64Milli(min(inserted_at)) FROM events WHERE event = '" + PROBE + "'");
        // The pipeline's sustained rate: every probe row over the span from the first to the last landing.
        double landedPerSecond = landed / Math.max(0.001, (lastRowMillis - firstRowMillis) / 1000.0);
        long landedInWindow = sql.longValue("SELECT count() FROM events WHERE event = '" + PROBE + "' AND toUnixTimestamp64Milli(inserted_at) <= "
                + lastSendMillis);

        // Freshness per event: rows grouped by request and insert time (the events of one request mostly share an insert).
        List<long[]> lags = new ArrayList<>(); // {lag ms, events}
        String grouped = sql.query("SELECT JSONExtractUInt(properties, 'e2e_request') AS r, toUnixTimestamp64Milli(inserted_at) AS t, count() "
                + "FROM events WHERE event = '" + PROBE + "' GROUP BY r, t FORMAT TabSeparated");
        for (String line : grouped.split("\n")) {
            if (!line.isBlank()) {
                String[] cols = line.split("\t");
                int r = Integer.parseInt(cols[0]);
                if (r < total && sentAtMillis[r] > 0) {
                    lags.add(new long[] {Math.max(0, Long.parseLong(cols[1]) - sentAtMillis[r]), Long.parseLong(cols[2])});
                }
            }
        }
        lags.sort((a, b) -> Long.compare(a[0], b[0]));
        long non200 = otherAnswers.values().stream().mapToLong(AtomicInteger::get).sum();
        double windowSeconds = (lastSendMillis - firstSendMillis) / 1000.0;
        System.out.printf(Locale.ROOT, "e2e: sent %,d of %,d requests in %.1f s (%,.0f events/s offered of %,d asked; fewer when %d "
                        + "requests in flight held the generator back), %,d answered 200, %d other answers %s%n", sent, total, sendSeconds,
                sent * (double) EVENTS_PER_REQUEST / sendSeconds, rate, MAX_IN_FLIGHT, okRequests.get(), non200, otherAnswers);
        System.out.printf(Locale.ROOT, "e2e: %,d of %,d accepted events landed: %,.0f events/s from the first row to the last "
                        + "(%,.0f events/s landed while sending); last row %,d ms after the last send%n", landed, accepted, landedPerSecond,
                landedInWindow / windowSeconds, lastRowMillis - lastSendMillis);
        System.out.printf(Locale.ROOT, "e2e: freshness (sent → row in ClickHouse): p50 %d ms, p90 %d ms, p99 %d ms, max %d ms%n",
                percentile(lags, 50), percentile(lags, 90), percentile(lags, 99), percentile(lags, 100));
        System.out.printf(Locale.ROOT, "e2e: CPU from the first send to the last row, per event landed: %s%n",
                spent.perRow(Math.max(1, landed), "event"));
        StringBuilder result = new StringBuilder(String.format(Locale.ROOT,
                "RESULT e2e rate=%d seconds=%d offered_per_s=%.0f landed_per_s=%.0f freshness_p50_ms=%d freshness_p99_ms=%d non_200=%d not_landed_after_120s=%d",
                rate, seconds, sent * (double) EVENTS_PER_REQUEST / sendSeconds, landedPerSecond, percentile(lags, 50), percentile(lags, 99), non200, accepted - landed));
        long events = Math.max(1, landed);
        spent.seconds().forEach((name, s) -> result.append(String.format(Locale.ROOT, " cpu_us_per_event_%s=%.2f",
                name.replace(' ', '_'), 1e6 * s / events)));
        result.append(" load=").append(loadAverage().split(" ")[0]);
        System.out.println(result);
    }

    /** Sends warm-up requests; returns how many answered 200. */
    private static int warmUp(HttpClient client, URI batch, Bodies bodies, int requestsPerSecond, int seconds) throws Exception {
        List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> answers = new ArrayList<>();
        for (int i = 0; i < requestsPerSecond * seconds; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(batch).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(bodies.body("e2e_warmup", i, Instant.now()))).build(),
                    HttpResponse.BodyHandlers.discarding()));
            Thread.sleep(1000 / requestsPerSecond);
        }
        int ok = 0;
        for (var answer : answers) {
            ok += answer.get(60, TimeUnit.SECONDS).statusCode() == 200 ? 1 : 0;
        }
        return ok;
    }

    /** The weighted percentile of {@code {lag, events}} pairs sorted by lag. */
    static long percentile(List<long[]> sorted, int p) {
        long all = sorted.stream().mapToLong(l -> l[1]).sum();
        if (all == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * all));
        long seen = 0;
        for (long[] lag : sorted) {
            seen += lag[1];
            if (seen >= rank) {
                return lag[0];
            }
        }
        return sorted.getLast()[0];
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /**
     * posthog-js-shaped {@code /batch} bodies: pageviews and autocaptures of 20,000 visitors with
     * posthog-js's own properties ({@code $browser}, {@code $os}, {@code $device_type}, screen,
     * session and window ids, {@code $lib}), a uuid per event, and the request's number for the
     * freshness join.
     */
    static final class Bodies {
        private final String apiKey;
        private final Random random;

        Bodies(String apiKey, long seed) {
            this.apiKey = apiKey;
            this.random = new Random(seed);
        }

        String body(String event, int request, Instant now) {
            StringBuilder b = new StringBuilder(EVENTS_PER_REQUEST * 900);
            String time = now.toString();
            b.append("{\"api_key\":\"").append(apiKey).append("\",\"sent_at\":\"").append(time).append("\",\"batch\":[");
            for (int i = 0; i < EVENTS_PER_REQUEST; i++) {
                int visitor = random.nextInt(20_000);
                String path = "/products/" + random.nextInt(500);
                boolean autocapture = random.nextInt(5) == 0;
                b.append(i == 0 ? "" : ",").append("{\"event\":\"").append(event).append("\",\"uuid\":\"")
                        .append(new UUID((random.nextLong() & ~0xF000L) | 0x7000L, (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L))
                        .append("\",\"distinct_id\":\"visitor-").append(visitor).append("\",\"timestamp\":\"").append(time)
                        .append("\",\"properties\":{\"e2e_request\":").append(request)
                        .append(",\"e2e_kind\":\"").append(autocapture ? "$autocapture" : "$pageview")
                        .append("\",\"$current_url\":\"https://shop.example.com").append(path)
                        .append("\",\"$host\":\"shop.example.com\",\"$pathname\":\"").append(path)
                        .append("\",\"$browser\":\"Chrome\",\"$browser_version\":131,\"$os\":\"Mac OS X\",\"$os_version\":\"14.5.0\"")
                        .append(",\"$device_type\":\"Desktop\",\"$screen_height\":1117,\"$screen_width\":1728,\"$viewport_height\":992")
                        .append(",\"$viewport_width\":1728,\"$lib\":\"web\",\"$lib_version\":\"1.200.2\",\"$referrer\":\"$direct\"")
                        .append(",\"$referring_domain\":\"$direct\",\"$session_id\":\"").append(new UUID(visitor, request / 3000))
                        .append("\",\"$window_id\":\"").append(new UUID(visitor, 7)).append("\",\"$pageview_id\":\"").append(request)
                        .append('-').append(i).append("\",\"$is_identified\":false,\"$process_person_profile\":true")
                        .append(autocapture ? ",\"$event_type\":\"click\",\"$ce_version\":1" : "")
                        .append(",\"token\":\"").append(apiKey).append("\"}");
                if (autocapture) {
                    b.append(",\"elements_chain\":\"button.btn:text=\\\"Add to cart\\\"nth-child=\\\"2\\\";div.product:nth-child=\\\"1\\\"\"");
                }
                b.append('}');
            }
            return b.append("]}").toString();
        }
    }
}
