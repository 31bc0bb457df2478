package com.clickhouse.analytics.gateway;

import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.clickhouse.analytics.gateway.normalize.UuidV7;
import com.clickhouse.analytics.testkit.TestSeed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A corpus of well over a thousand malformed requests — truncated and garbage gzip, gzip bombs,
 * 10,000-deep nesting, invalid UTF-8, huge numbers and strings, wrong types in every field — gets
 * only 4xx answers; afterwards the gateway is healthy, still accepts events and its heap has not
 * grown.
 */
class HostileInputTest {

    private static final int LIMIT = 1 << 20;
    private static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.onSharedBroker(Map.of("MAX_BATCH_BYTES", String.valueOf(LIMIT)));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    record Hostile(String name, String query, byte[] body, String... headers) {
    }

    static final String VALID = "{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":[{\"event\":\"$pageview\",\"distinct_id\":\"u1\","
            + "\"uuid\":\"0190b6b2-7c3e-7d4a-9b1e-123456789abc\",\"timestamp\":\"2026-01-01T00:00:00Z\","
            + "\"properties\":{\"$current_url\":\"https://x.example/\",\"n\":[1,2,{\"a\":null}]}}]}";

    static List<Hostile> corpus() {
        Random random = new Random(TestSeed.seed(42));
        List<Hostile> out = new ArrayList<>();
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        // Truncated JSON: every prefix that cannot be a complete value.
        for (int cut = 1; cut < valid.length - 1; cut += 1) {
            out.add(new Hostile("truncated json " + cut, "", Arrays.copyOf(valid, cut)));
        }
        // Garbage.
        for (int i = 0; i < 150; i++) {
            byte[] g = new byte[1 + random.nextInt(2000)];
            random.nextBytes(g);
            if (g.length > 1 && g[0] == 0x1f) {
                g[0] = 0x20;
            }
            out.add(new Hostile("garbage " + i, "", g));
        }
        // Truncated and corrupted gzip, with and without hints.
        byte[] gz = TestGateway.gzip(valid);
        for (int cut = 2; cut < gz.length - 8; cut += 3) {
            out.add(new Hostile("truncated gzip " + cut, cut % 2 == 0 ? "?compression=gzip-js" : "", Arrays.copyOf(gz, cut)));
        }
        for (int i = 0; i < 60; i++) {
            byte[] g = new byte[20 + random.nextInt(500)];
            random.nextBytes(g);
            g[0] = 0x1f;
            g[1] = (byte) 0x8b;
            out.add(new Hostile("garbage gzip " + i, "", g, "Content-Encoding", i % 2 == 0 ? "gzip" : "identity"));
        }
        for (int i = 0; i < 30; i++) {
            out.add(new Hostile("text claimed gzip " + i, "", valid, "Content-Encoding", "gzip"));
        }
        // Gzip bombs: small on the wire, far over the limit decompressed; also nested in base64.
        byte[] bomb = TestGateway.gzip(new byte[20 * LIMIT]);
        for (int i = 0; i < 5; i++) {
            out.add(new Hostile("gzip bomb " + i, i % 2 == 0 ? "?compression=gzip-js" : "", bomb));
            out.add(new Hostile("gzip bomb header " + i, "", bomb, "Content-Encoding", "gzip"));
        }
        out.add(new Hostile("gzip bomb in base64", "", Base64.getEncoder().encode(TestGateway.gzip(new byte[4 * LIMIT]))));
        out.add(new Hostile("double gzip bomb", "", TestGateway.gzip(bomb), "Content-Encoding", "gzip"));
        // Deep nesting, in every position.
        for (int depth : new int[] {101, 1000, 10_000, 100_000}) {
            out.add(new Hostile("deep arrays " + depth, "", ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8)));
            out.add(new Hostile("deep objects " + depth, "", deepObject(depth, "").getBytes(StandardCharsets.UTF_8)));
            out.add(new Hostile("deep properties " + depth, "", ("{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"e\","
                    + "\"distinct_id\":\"d\",\"properties\":" + deepObject(depth, "") + "}").getBytes(StandardCharsets.UTF_8)));
            out.add(new Hostile("deep unclosed " + depth, "", "{\"a\":[".repeat(depth).getBytes(StandardCharsets.UTF_8)));
            out.add(new Hostile("deep gzip " + depth, "", TestGateway.gzip("[".repeat(depth) + "]".repeat(depth))));
        }
        // Invalid UTF-8 inside strings, names and between tokens.
        byte[][] badUtf8 = {{(byte) 0xff}, {(byte) 0xc3}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xc0, (byte) 0xaf}};
        String[] templates = {"{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"%s\",\"distinct_id\":\"d\"}",
                "{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"e\",\"distinct_id\":\"%s\"}",
                "{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"e\",\"distinct_id\":\"d\",\"uuid\":\"%s\"}",
                "{\"%s\":1}", "[%s]", "{\"api_key\":\"%s\"}"};
        for (String t : templates) {
            for (byte[] b : badUtf8) {
                for (int repeat = 1; repeat <= 12; repeat++) {
                    String[] parts = t.split("%s");
                    byte[] body = concat(parts[0].getBytes(StandardCharsets.UTF_8), repeatBytes(b, repeat),
                            parts.length > 1 ? parts[1].getBytes(StandardCharsets.UTF_8) : new byte[0]);
                    out.add(new Hostile("bad utf8 " + t + " " + repeat, "", body));
                }
            }
        }
        // Huge numbers and strings where they cannot be valid.
        for (String number : List.of("1e999999999", "-" + "9".repeat(5000), "9".repeat(100_000), "1." + "0".repeat(100_000),
                "123456789012345678901234567890")) {
            out.add(new Hostile("huge number offset", "", ("{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"e\",\"distinct_id\":\"d\","
                    + "\"offset\":" + number + "}").getBytes(StandardCharsets.UTF_8)));
            out.add(new Hostile("huge number timestamp", "", ("{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"e\",\"distinct_id\":\"d\","
                    + "\"timestamp\":" + number + "}").getBytes(StandardCharsets.UTF_8)));
            out.add(new Hostile("huge number root", "", number.getBytes(StandardCharsets.UTF_8)));
        }
        String huge = "x".repeat(LIMIT - 200);
        for (String field : List.of("uuid", "timestamp", "api_key")) {
            out.add(new Hostile("huge string " + field, "", ("{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"e\",\"distinct_id\":\"d\",\""
                    + field + "\":\"" + huge + "\"}").getBytes(StandardCharsets.UTF_8)));
        }
        out.add(new Hostile("unterminated huge string", "", ("{\"event\":\"" + huge).getBytes(StandardCharsets.UTF_8)));
        out.add(new Hostile("over the limit", "", ("\"" + "x".repeat(LIMIT + 10) + "\"").getBytes(StandardCharsets.UTF_8)));
        // Wrong types everywhere.
        String[] wrong = {"1", "-1.5", "true", "false", "[]", "[1]", "{}", "{\"a\":1}", "\"\""};
        String[] fields = {"event", "distinct_id", "properties", "timestamp", "uuid", "offset", "api_key", "$set", "$set_once"};
        for (String field : fields) {
            for (String value : wrong) {
                if (!wrongFor(field, value)) {
                    continue;
                }
                String single = "{\"api_key\":\"" + TestGateway.KEY + "\",\"event\":\"e\",\"distinct_id\":\"d\",\"" + field + "\":" + value + "}";
                out.add(new Hostile("wrong type " + field + "=" + value, "", single.getBytes(StandardCharsets.UTF_8)));
                String batch = "{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":[{\"event\":\"e\",\"distinct_id\":\"d\",\"" + field + "\":" + value + "}]}";
                out.add(new Hostile("wrong type in batch " + field + "=" + value, "", batch.getBytes(StandardCharsets.UTF_8)));
            }
        }
        for (String value : List.of("1", "\"x\"", "{}", "null", "true")) {
            out.add(new Hostile("batch=" + value, "", ("{\"api_key\":\"" + TestGateway.KEY + "\",\"batch\":" + value + "}").getBytes(StandardCharsets.UTF_8)));
            out.add(new Hostile("array of " + value, "", ("[" + value + "]").getBytes(StandardCharsets.UTF_8)));
        }
        for (String root : List.of("null", "true", "1", "\"str\"", "", " ", "\n")) {
            out.add(new Hostile("root " + root, "", root.getBytes(StandardCharsets.UTF_8)));
        }
        // Broken base64, forms and hints.
        for (int i = 0; i < 40; i++) {
            byte[] g = new byte[5 + random.nextInt(300)];
            random.nextBytes(g);
            out.add(new Hostile("base64 of garbage " + i, "?compression=base64", Base64.getEncoder().encode(g)));
            out.add(new Hostile("broken base64 " + i, "?compression=base64", ("A" + "!".repeat(i + 1)).getBytes(StandardCharsets.UTF_8)));
        }
        for (String form : List.of("data=%ZZ", "data=%", "data=%E0%A4%A", "data=", "ver=1", "data=eyJhIjo", "compression=gzip-js&data=AAAA",
                "data=" + "%7B".repeat(20_000))) {
            out.add(new Hostile("form " + form.substring(0, Math.min(form.length(), 20)), "", form.getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/x-www-form-urlencoded"));
        }
        out.add(new Hostile("lz64", "?compression=lz64", "N4IgZg9hIC4gRgQwM4EIA".getBytes(StandardCharsets.UTF_8)));
        out.add(new Hostile("brotli", "", valid, "Content-Encoding", "br"));
        out.add(new Hostile("garbage deflate", "", "not deflate".getBytes(StandardCharsets.UTF_8), "Content-Encoding", "deflate"));
        return out;
    }

    private static boolean wrongFor(String field, String value) {
        return switch (field) {
            case "event", "uuid", "api_key" -> !value.startsWith("\"") || field.equals("uuid");
            case "distinct_id" -> value.startsWith("t") || value.startsWith("f") || value.startsWith("[") || value.startsWith("{");
            case "properties", "$set", "$set_once" -> !value.startsWith("{");
            case "timestamp" -> !value.equals("1") && !value.equals("-1.5");
            case "offset" -> !value.equals("1");
            default -> true;
        };
    }

    @Test
    void malformedBodiesGetOnly4xxAndTheGatewayStaysHealthy() throws Exception {
        List<Hostile> corpus = corpus();
        assertTrue(corpus.size() >= 1000, "corpus has " + corpus.size());
        long heapBefore = usedHeapAfterGc();
        List<String> failures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<String>> results = new ArrayList<>();
            for (Hostile h : corpus) {
                results.add(pool.submit(() -> {
                    HttpRequest.Builder b = HttpRequest.newBuilder(gw.uri("/batch/" + h.query())).timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(h.body()));
                    if (h.headers().length > 0) {
                        b.headers(h.headers());
                    }
                    try {
                        HttpResponse<String> r = gw.send(b.build());
                        int s = r.statusCode();
                        return s >= 400 && s < 500 && r.body().startsWith("{\"status\":\"error\"") ? null
                                : h.name() + " -> " + s + " " + r.body().substring(0, Math.min(200, r.body().length()));
                    } catch (RuntimeException e) {
                        return h.name() + " -> " + e;
                    }
                }));
            }
            for (Future<String> f : results) {
                String failure = f.get();
                if (failure != null) {
                    failures.add(failure);
                }
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + corpus.size() + " hostile requests were not answered 4xx");
        assertEquals(200, gw.get("/health").statusCode());
        assertEquals(200, gw.post("/batch/", VALID.replace("0190b6b2-7c3e-7d4a-9b1e-123456789abc",
                UuidV7.at(System.currentTimeMillis()).toString())).statusCode());
        long grown = usedHeapAfterGc() - heapBefore;
        assertTrue(grown < 64L * 1024 * 1024, "heap grew by " + grown / 1024 / 1024 + " MiB");
        String metrics = gw.get("/metrics").body();
        assertTrue(!metrics.contains("status=\"5"), "no 5xx counted:\n" + metrics);
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String deepObject(int depth, String leaf) {
        return "{\"a\":".repeat(depth) + "1" + leaf + "}".repeat(depth);
    }

    private static byte[] repeatBytes(byte[] b, int times) {
        byte[] out = new byte[b.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(b, 0, out, i * b.length, b.length);
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
