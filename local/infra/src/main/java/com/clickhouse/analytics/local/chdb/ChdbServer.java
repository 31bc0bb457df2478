package com.clickhouse.analytics.local.chdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;

/**
 * Main class of the child JVM that serves chDB on the ClickHouse HTTP interface.
 *
 * <p>Arguments: {@code <libchdb.so> <data dir> <port>}; the user and password come from the
 * environment ({@code CPA_CLICKHOUSE_USER}, {@code CPA_CLICKHOUSE_PASSWORD}) so they never show in a
 * process list. The JVM must run with {@code LD_PRELOAD=<java.home>/lib/libjsig.so}: chDB installs
 * handlers for the signals HotSpot itself relies on, and only signal chaining lets both work (without
 * it the JVM hangs or crashes under GC pressure). The storage lives in {@code <data dir>/engine}.
 */
public final class ChdbServer {

    public static final String USER_VARIABLE = "CPA_CLICKHOUSE_USER";
    public static final String PASSWORD_VARIABLE = "CPA_CLICKHOUSE_PASSWORD";
    /** Seconds an insert may wait for more of its body while it holds the engine (default 30, as a server's {@code http_receive_timeout}). */
    static final String BODY_READ_TIMEOUT_VARIABLE = "CPA_CLICKHOUSE_BODY_READ_TIMEOUT_SECONDS";

    private ChdbServer() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: ChdbServer <libchdb.so> <data dir> <port>");
        }
        if (!System.getenv().getOrDefault("LD_PRELOAD", "").contains("libjsig")) {
            throw new IllegalStateException("ChdbServer needs LD_PRELOAD=<java.home>/lib/libjsig.so (signal chaining)");
        }
        Path library = Path.of(args[0]);
        Path dataDir = Path.of(args[1]).toAbsolutePath();
        int port = Integer.parseInt(args[2]);
        Map<String, String> env = System.getenv();
        String user = env.getOrDefault(USER_VARIABLE, "default");
        String password = env.getOrDefault(PASSWORD_VARIABLE, "");

        Duration bodyReadTimeout = Duration.ofSeconds(positive(env, BODY_READ_TIMEOUT_VARIABLE, 30));

        Path pipes = dataDir.resolve("pipes");
        Files.createDirectories(pipes);
        try (Stream<Path> leftovers = Files.list(pipes)) {
            for (Path leftover : leftovers.toList()) {
                Files.deleteIfExists(leftover); // pipes of requests that died with a previous run
            }
        }
        ChdbEngine engine = ChdbEngine.open(ChdbLibrary.load(library), dataDir.resolve("engine"));
        String timezone;
        try (ChdbResult result = engine.execute("default", Map.of(), "SELECT timezone()", "TabSeparatedRaw", Map.of())) {
            timezone = result.text().strip();
        }
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("insert-body-watchdog").daemon().factory());
        Undertow server = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setIoThreads(1)
                .setBufferSize(64 * 1024) // fewer, larger socket reads for big insert bodies
                .setWorkerThreads(8) // requests queue for the engine, which runs one query at a time
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, Long.MAX_VALUE)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 300_000)
                .setHandler(new ClickHouseHttpHandler(engine, user, password, pipes, timezone, bodyReadTimeout, watchdog))
                .build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            watchdog.shutdownNow();
            engine.close(); // flushes and releases the storage so the next start finds it clean
        }, "chdb-server-stop"));
        System.out.println("ChdbServer: serving " + dataDir + " on http://127.0.0.1:" + port);
    }

    private static long positive(Map<String, String> env, String name, long absent) {
        String value = env.get(name);
        if (value == null) {
            return absent;
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive whole number of seconds, not '" + value + "'");
    }
}
