package com.clickhouse.analytics.local.clickhouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.clickhouse.analytics.local.chdb.ChdbDownload;
import com.clickhouse.analytics.local.chdb.ChdbServer;
import com.clickhouse.analytics.local.process.ChildProcess;
import com.clickhouse.analytics.local.process.FreePorts;
import com.clickhouse.analytics.local.process.TemporaryDirectory;

/**
 * A local ClickHouse started by the project: a real {@code clickhouse} server binary when one of a
 * supported version (24.8+) is installed, else the ClickHouse engine packaged as chDB, served on
 * the ClickHouse HTTP interface by {@link ChdbServer} in a child JVM.
 *
 * <p>Data persists in the data directory across {@link #stop()} / {@link #start()}; the port and
 * credentials stay the same. The child dies with this JVM (see {@link ChildProcess}). A port that is
 * already taken is refused up front rather than discovered as a confusing start-up failure.
 */
public final class LocalClickHouse implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Path dataDir;
    private final int port;
    private final String user;
    private final String password;
    /** The directory {@link #startTemporary()} created, deleted on {@link #close()}; null otherwise. */
    private final TemporaryDirectory owned;
    private ChildProcess process;

    private LocalClickHouse(Path dataDir, TemporaryDirectory owned, int port, String user, String password) {
        this.dataDir = dataDir.toAbsolutePath();
        this.owned = owned;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /**
     * Starts a local ClickHouse on a free port in a temporary data directory, with a random password;
     * the directory is deleted by {@link #close()} (or when this JVM exits).
     */
    public static LocalClickHouse startTemporary() {
        byte[] secret = new byte[12];
        new SecureRandom().nextBytes(secret);
        TemporaryDirectory dir = TemporaryDirectory.create("cpa-clickhouse-");
        return new LocalClickHouse(dir.path(), dir, FreePorts.pick(), "default", HexFormat.of().formatHex(secret)).start();
    }

    /** Starts a local ClickHouse with persistent storage in {@code dataDir} on a fixed port (the local stack). */
    public static LocalClickHouse start(Path dataDir, int httpPort, String user, String password) {
        return new LocalClickHouse(dataDir, null, httpPort, user, password).start();
    }

    public ClickHouseEndpoint endpoint() {
        return new ClickHouseEndpoint("http://127.0.0.1:" + port, user, password);
    }

    public Path dataDir() {
        return dataDir;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The server process's id while it runs (the launcher prints it; tests check it stays the same). */
    public synchronized java.util.OptionalLong pid() {
        return process == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(process.pid());
    }

    /** The child's log, for diagnostics. */
    public synchronized Optional<Path> logFile() {
        return Optional.ofNullable(process).map(ChildProcess::logFile);
    }

    /** (Re)starts on the same port and data; returns once {@code /ping} answers. Idempotent. */
    public synchronized LocalClickHouse start() {
        if (isRunning()) {
            return this;
        }
        if (FreePorts.inUse(port)) {
            throw new IllegalStateException("ClickHouse HTTP port " + port + " is already in use (is another copy running?)");
        }
        try {
            Files.createDirectories(dataDir);
            Optional<ClickHouseBinary> binary = ClickHouseBinary.find(System.getenv());
            process = binary.isPresent()
                    ? binary.get().start(dataDir, port, user, password)
                    : startChdb(ChdbDownload.inUserCache().library());
            if (owned != null) {
                owned.writtenBy(ProcessHandle.of(process.pid()).orElse(null));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
        return this;
    }

    private ChildProcess startChdb(Path library) {
        Path javaHome = Path.of(System.getProperty("java.home"));
        Path jsig = javaHome.resolve("lib").resolve("libjsig.so");
        if (!Files.isRegularFile(jsig)) {
            throw new IllegalStateException("this JDK has no " + jsig + ", which chDB needs for signal chaining");
        }
        return ChildProcess.startJvm("chdb-server",
                List.of("-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"),
                System.getProperty("java.class.path"), ChdbServer.class.getName(),
                List.of(library.toString(), dataDir.toString(), Integer.toString(port)),
                Map.of("LD_PRELOAD", jsig.toString(), "TZ", "UTC",
                        ChdbServer.USER_VARIABLE, user, ChdbServer.PASSWORD_VARIABLE, password),
                dataDir.resolve("server.log"));
    }

    /** Stops the server (SIGTERM; the engine closes its storage), keeping the data. */
    public synchronized void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(30));
            process = null;
        }
    }

    /** Stops the server; a temporary server's data is deleted. */
    @Override
    public void close() {
        stop();
        if (owned != null) {
            owned.close();
        }
    }

    private void awaitReady() {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            awaitReady(http);
        }
    }

    private void awaitReady(HttpClient http) {
        HttpRequest ping = HttpRequest.newBuilder(URI.create(endpoint().url() + "/ping")).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String tail = process.logTail(40);
                process = null;
                throw new IllegalStateException("the local ClickHouse exited during start-up:\n" + tail);
            }
            try {
                if (http.send(ping, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for ClickHouse", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for ClickHouse", e);
            }
        }
        String tail = process.logTail(40);
        stop();
        throw new IllegalStateException("the local ClickHouse did not answer /ping within " + READY_TIMEOUT.toSeconds() + " s:\n" + tail);
    }

    @Override
    public String toString() {
        return "LocalClickHouse[" + endpoint() + ", " + dataDir + "]";
    }
}
