package com.clickhouse.analytics.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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

    static final String USER_VARIABLE = "CPA_CLICKHOUSE_USER";
    static final String PASSWORD_VARIABLE = "CPA_CLICKHOUSE_PASSWORD";

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

        Path spool = dataDir.resolve("spool");
        Files.createDirectories(spool);
        try (Stream<Path> leftovers = Files.list(spool)) {
            for (Path leftover : leftovers.toList()) {
                Files.deleteIfExists(leftover); // bodies of requests that died with a previous run
            }
        }
        ChdbEngine engine = ChdbEngine.open(ChdbLibrary.load(library), dataDir.resolve("engine"));
        String timezone;
        try (ChdbResult result = engine.execute("default", Map.of(), "SELECT timezone()", "TabSeparatedRaw", Map.of())) {
            timezone = result.text().strip();
        }
        Undertow server = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setIoThreads(1)
                .setWorkerThreads(8) // bodies spool in parallel; the engine itself runs one query at a time
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, Long.MAX_VALUE)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 300_000)
                .setHandler(new ClickHouseHttpHandler(engine, user, password, spool, timezone))
                .build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            engine.close(); // flushes and releases the storage so the next start finds it clean
        }, "chdb-server-stop"));
        System.out.println("ChdbServer: serving " + dataDir + " on http://127.0.0.1:" + port);
    }
}
