package com.clickhouse.analytics.writer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.process.ChildProcess;
import com.clickhouse.analytics.local.process.FreePorts;

/** {@link WriterMain} as a real child process, so tests can SIGTERM or SIGKILL it. */
public final class WriterProcess implements AutoCloseable {

    private final ChildProcess process;
    private final int port;
    /** One per process, closed with it: a client's selector thread would otherwise outlive the test class. */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Heap and GC of writer processes: the system property {@code cpa.writer.jvmOptions} (space-separated) to try others. */
    static final String JVM_OPTIONS = System.getProperty("cpa.writer.jvmOptions", "-Xmx320m -Xmn160m -XX:+UseSerialGC");

    private WriterProcess(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static WriterProcess start(String name, String bootstrap, ClickHouseEndpoint clickHouse, String database, String topic,
                               String group, Map<String, String> extra) {
        int port = FreePorts.pick();
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("EVENTS_TOPIC", topic);
        env.put("DLQ_TOPIC", topic + "_dlq");
        env.put("WRITER_GROUP_ID", group);
        env.put("CLICKHOUSE_URL", clickHouse.url());
        env.put("CLICKHOUSE_USER", clickHouse.user());
        env.put("CLICKHOUSE_PASSWORD", clickHouse.password());
        env.put("CLICKHOUSE_DATABASE", database);
        env.put("PORT", Integer.toString(port));
        env.put("LOG_LEVEL", "info");
        env.putAll(extra);
        try {
            Path log = Files.createDirectories(Path.of("target", "writer-logs")).resolve(name + "-" + System.nanoTime() + ".log");
            List<String> jvm = new java.util.ArrayList<>(List.of(JVM_OPTIONS.strip().split("\\s+")));
            jvm.add("--enable-native-access=ALL-UNNAMED");
            ChildProcess child = ChildProcess.startJvm(name, jvm, System.getProperty("java.class.path"), WriterMain.class.getName(),
                    List.of(), env, log);
            return new WriterProcess(child, port);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Status and body of {@code GET path}, or status -1 when nothing answers. */
    public HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one metric on {@code /metrics}, NaN when it is not there. */
    public double metric(String name) throws Exception {
        return ExactlyOnceTest.metric(get("/metrics").body(), name);
    }

    void kill() {
        process.kill();
    }

    /** SIGTERM and wait; the process's HTTP client goes with it. */
    public int stop() {
        try {
            return process.stop(Duration.ofSeconds(40));
        } finally {
            http.close();
        }
    }

    public String logTail() {
        return process.logTail(60);
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.stop(Duration.ofSeconds(40));
            }
        } finally {
            http.close();
        }
    }
}
