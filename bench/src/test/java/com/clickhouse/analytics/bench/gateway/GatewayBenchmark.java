package com.clickhouse.analytics.bench.gateway;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.clickhouse.analytics.gateway.GatewayMain;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.local.process.ProcessStats;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.EventCodec;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Drives a gateway running in its own JVM (so its peak RSS is its own) against a real broker on
 * this machine, with 100-event batches of ~400-byte posthog-js-like events over keep-alive
 * connections, and measures a bare KafkaProducer sending the same records to the same broker.
 * Prints events/s, p50/p99 latency and the gateway's VmHWM. Run with {@code ./cpa bench gateway}.
 *
 * <p>The load comes from {@link LoadDriver}: one selector thread, one request in flight per connection.
 *
 * <p>System properties: {@code bench.seconds} (measured seconds per run, default 15),
 * {@code bench.warmup} (default 5, before each measured run), {@code bench.jitWarmup} (default 20: once
 * per subject before its first run, so that both the bare producer and the gateway are measured
 * after the JIT has compiled their hot paths — the gateway's C2 compilations took a tenth of its CPU
 * for the first 20 s), {@code bench.connections} (default "30,100"),
 * {@code bench.gatewayHeap} (default 192m), {@code bench.gatewayGc} (default ParallelGC).
 */
public final class GatewayBenchmark {

    static final String KEY = "phc_benchmark_key";
    static final int EVENTS_PER_BATCH = 100;
    static final int PARTITIONS = Integer.getInteger("bench.partitions", 6);
    static final String COMPRESSION = System.getProperty("bench.compression", "lz4");
    static final int LINGER_MS = Integer.getInteger("bench.lingerMs", 3); // the gateway's default

    public static void main(String[] args) throws Exception {
        int seconds = Integer.getInteger("bench.seconds", 15);
        int warmup = Integer.getInteger("bench.warmup", 5);
        int jitWarmup = Integer.getInteger("bench.jitWarmup", 20);
        int[] connections = Arrays.stream(System.getProperty("bench.connections", "30,100").split(",")).mapToInt(Integer::parseInt).toArray();
        String heap = System.getProperty("bench.gatewayHeap", "192m");

        KafkaBroker broker = KafkaBroker.onFreePorts().start();
        Process gateway = null;
        try {
            String bootstrap = broker.bootstrapServers();
            KafkaBroker.createTopic(bootstrap, "bench-events", PARTITIONS);
            KafkaBroker.createTopic(bootstrap, "bench-bare", PARTITIONS);
            System.out.printf(Locale.ROOT, "machine: %d cores; broker %s; topic partitions %d; %d events/batch, %d B/event%n",
                    Runtime.getRuntime().availableProcessors(), bootstrap, PARTITIONS, EVENTS_PER_BATCH, sampleEvent(0).length());

            double bare = bareProducer(bootstrap, seconds, jitWarmup + warmup, new long[] {broker.pid(), ProcessHandle.current().pid()});
            System.out.printf(Locale.ROOT, "bare KafkaProducer (acks=all, idempotent, %s, linger %d ms, 256 KiB batches): %,.0f events/s%n",
                    COMPRESSION, LINGER_MS, bare);

            int port = freePort();
            Path log = Files.createTempFile("gateway-bench", ".log");
            gateway = startGateway(bootstrap, port, heap, log);
            awaitReady(port, gateway, log);
            List<byte[]> requests = requests(64);
            long[] pids = {gateway.pid(), broker.pid(), ProcessHandle.current().pid()};
            if (jitWarmup > 0) {
                new LoadDriver(port, requests).run(Arrays.stream(connections).max().orElseThrow(), 0,
                        TimeUnit.SECONDS.toNanos(jitWarmup), () -> { }, () -> { });
            }
            for (int c : connections) {
                Result r = drive(port, c, requests, seconds, warmup, pids);
                System.out.printf(Locale.ROOT, "gateway, %3d connections: %,.0f events/s (%,.0f req/s), p50 %.1f ms, p99 %.1f ms, "
                                + "non-200 %d; %.0f %% of bare producer%n",
                        c, r.eventsPerSecond, r.eventsPerSecond / EVENTS_PER_BATCH, r.p50Ms, r.p99Ms, r.errors,
                        100 * r.eventsPerSecond / bare);
                System.out.printf(Locale.ROOT, "  CPU per acknowledged event: gateway %.2f µs, broker %.2f µs, load generator %.2f µs "
                                + "(cores busy: %.2f of %d)%n",
                        r.cpuMicrosPerEvent[0], r.cpuMicrosPerEvent[1], r.cpuMicrosPerEvent[2], r.coresBusy,
                        Runtime.getRuntime().availableProcessors());
            }
            System.out.printf(Locale.ROOT, "gateway peak RSS (VmHWM): %d MiB (-Xmx%s)%n", ProcessStats.peakRssKb(gateway.pid()) / 1024, heap);
        } finally {
            if (gateway != null) {
                gateway.destroy();
                if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                    gateway.destroyForcibly();
                }
            }
            broker.close();
        }
    }

    /**
     * @param cpuMicrosPerEvent CPU time per acknowledged event of the gateway, the broker and this
     *                          JVM (the load generator) during the measured window
     * @param coresBusy         the three processes' CPU seconds per wall second
     */
    record Result(double eventsPerSecond, double p50Ms, double p99Ms, long errors, double[] cpuMicrosPerEvent, double coresBusy) {
    }

    static Result drive(int port, int connections, List<byte[]> requests, int seconds, int warmup, long[] pids) throws Exception {
        double[][] cpu = new double[2][];
        long[] wall = new long[2];
        LoadDriver.Window w = new LoadDriver(port, requests).run(connections, TimeUnit.SECONDS.toNanos(warmup),
                TimeUnit.SECONDS.toNanos(seconds),
                () -> {
                    cpu[0] = cpuSeconds(pids);
                    wall[0] = System.nanoTime();
                },
                () -> {
                    cpu[1] = cpuSeconds(pids);
                    wall[1] = System.nanoTime();
                });
        double elapsed = (wall[1] - wall[0]) / 1e9;
        long[] all = w.latencyNanos();
        Arrays.sort(all);
        double p50 = all.length == 0 ? Double.NaN : all[(int) (all.length * 0.50)] / 1e6;
        double p99 = all.length == 0 ? Double.NaN : all[Math.min(all.length - 1, (int) (all.length * 0.99))] / 1e6;
        long events = w.okRequests() * EVENTS_PER_BATCH;
        double[] perEvent = new double[pids.length];
        double busy = 0;
        for (int i = 0; i < pids.length; i++) {
            perEvent[i] = (cpu[1][i] - cpu[0][i]) * 1e6 / Math.max(1, events);
            busy += (cpu[1][i] - cpu[0][i]) / elapsed;
        }
        return new Result(events / elapsed, p50, p99, w.otherRequests(), perEvent, busy);
    }

    static double[] cpuSeconds(long[] pids) {
        double[] cpu = new double[pids.length];
        for (int i = 0; i < pids.length; i++) {
            cpu[i] = ProcessStats.cpuSeconds(pids[i]);
        }
        return cpu;
    }

    /** Reads one HTTP/1.1 response with Content-Length; returns its status. */
    static int readResponse(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int status = -1;
        int length = 0;
        while (true) {
            line.setLength(0);
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            if (line.isEmpty()) {
                break;
            }
            if (status < 0) {
                status = Integer.parseInt(line.substring(9, 12));
            } else if (line.length() > 15 && line.substring(0, 15).equalsIgnoreCase("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        in.readNBytes(length);
        return status;
    }

    static List<byte[]> requests(int count) {
        List<byte[]> out = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            StringBuilder b = new StringBuilder("{\"api_key\":\"" + KEY + "\",\"sent_at\":\"" + Instant.now() + "\",\"batch\":[");
            for (int i = 0; i < EVENTS_PER_BATCH; i++) {
                b.append(i == 0 ? "" : ",").append(sampleEvent(r * EVENTS_PER_BATCH + i));
            }
            byte[] body = b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            byte[] head = ("POST /batch/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nUser-Agent: posthog-node/4.2.0\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] req = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, req, head.length, body.length);
            out.add(req);
        }
        return out;
    }

    /** A posthog-js-like $pageview of about 400 bytes. */
    static String sampleEvent(int i) {
        int user = i % 5000;
        return "{\"event\":\"$pageview\",\"distinct_id\":\"user-" + user + "\",\"timestamp\":\"" + Instant.now() + "\","
                + "\"properties\":{\"$current_url\":\"https://app.example.com/products/" + (i % 977) + "?ref=home\","
                + "\"$host\":\"app.example.com\",\"$pathname\":\"/products/" + (i % 977) + "\",\"$browser\":\"Chrome\","
                + "\"$browser_version\":131,\"$os\":\"Mac OS X\",\"$screen_width\":1920,"
                + "\"$session_id\":\"0193a1b2-" + String.format("%04x", user) + "-7c3e-9b1e-4f5a6b7c8d9e\","
                + "\"$lib\":\"web\",\"$lib_version\":\"1.200.0\",\"plan\":\"pro\"}}";
    }

    static double bareProducer(String bootstrap, int seconds, int warmup, long[] pids) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, COMPRESSION);
        props.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        EventCodec codec = new EventCodec();
        List<byte[][]> records = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            int user = i % 5000;
            Event e = new Event(UUID.randomUUID(), KEY, "$pageview", "user-" + user, sampleProperties(i), Instant.now(), Instant.now(),
                    Instant.now(), "127.0.0.1", "posthog-node/4.2.0",
                    PassThrough.NONE.with(RecordField.SESSION_ID, "0193a1b2")
                            .with(RecordField.CURRENT_URL, "https://app.example.com/products/1?ref=home")
                            .with(RecordField.HOST, "app.example.com"));
            records.add(new byte[][] {e.partitionKey(), codec.encode(e)});
        }
        AtomicLong acked = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + seconds);
            long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
            long ackedAtStart = -1;
            double[] cpuAtStart = null;
            int i = 0;
            while (System.nanoTime() < end) {
                if (ackedAtStart < 0 && System.nanoTime() >= measureFrom) {
                    ackedAtStart = acked.get();
                    cpuAtStart = cpuSeconds(pids);
                }
                byte[][] r = records.get(i++ % records.size());
                producer.send(new ProducerRecord<>("bench-bare", r[0], r[1]), (m, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                    }
                });
            }
            long ackedAtEnd = acked.get();
            double[] cpu = cpuSeconds(pids);
            long acknowledged = Math.max(1, ackedAtEnd - ackedAtStart);
            System.out.printf(Locale.ROOT, "  CPU per acknowledged record: broker %.2f µs, producer %.2f µs%n",
                    (cpu[0] - cpuAtStart[0]) * 1e6 / acknowledged, (cpu[1] - cpuAtStart[1]) * 1e6 / acknowledged);
            return (ackedAtEnd - ackedAtStart) / (double) seconds;
        }
    }

    static String sampleProperties(int i) {
        String e = sampleEvent(i);
        return e.substring(e.indexOf("\"properties\":") + "\"properties\":".length(), e.length() - 1);
    }

    static Process startGateway(String bootstrap, int port, String heap, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xms" + heap, "-Xmx" + heap, "-Xmn" + System.getProperty("bench.gatewayYoung", "112m"),
                "-XX:+Use" + System.getProperty("bench.gatewayGc", "ParallelGC"),
                "-XX:MaxDirectMemorySize=64m", "-Xss512k"));
        String extra = System.getProperty("bench.gatewayJvmArgs", "");
        if (!extra.isBlank()) {
            command.addAll(Arrays.asList(extra.strip().split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        pb.environment().put("EVENTS_TOPIC", "bench-events");
        pb.environment().put("PUBLIC_API_KEYS", KEY);
        pb.environment().put("KAFKA_COMPRESSION_TYPE", COMPRESSION);
        pb.environment().put("KAFKA_LINGER_MS", String.valueOf(LINGER_MS));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        return p;
    }

    static void awaitReady(int port, Process gateway, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!gateway.isAlive()) {
                throw new IllegalStateException("gateway exited:\n" + Files.readString(log));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                if (readResponse(new BufferedInputStream(s.getInputStream())) == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("gateway not ready:\n" + Files.readString(log));
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
