package com.clickhouse.analytics.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory under {@code java.io.tmpdir} that this JVM owns: deleted with everything in it when
 * closed, or at the latest when the JVM exits. Local brokers and ClickHouse servers keep their data
 * there — one gateway benchmark writes about 3 GB of Kafka log — so leaving them behind filled the
 * disk after a few dozen runs.
 */
public final class TemporaryDirectory implements AutoCloseable {

    private final Path path;
    private final Thread onExit;

    private TemporaryDirectory(Path path) {
        this.path = path;
        // Shutdown hooks run concurrently: a child process may still be writing here while it is
        // being stopped, so the hook tries again once the children have had a moment to go.
        this.onExit = new Thread(() -> {
            for (int attempt = 0; attempt < 3 && Files.exists(path); attempt++) {
                quietlyDelete();
                sleep(attempt * 300L);
            }
        }, "delete-" + path.getFileName());
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    public static TemporaryDirectory create(String prefix) {
        try {
            return new TemporaryDirectory(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    public Path path() {
        return path;
    }

    /** Deletes the directory now. Idempotent. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException exiting) {
            // the JVM is already shutting down; the hook deletes it
        }
        deleteTree(path);
    }

    /** Deletes {@code dir} and everything below it, if it exists. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    private void quietlyDelete() {
        try {
            deleteTree(path);
        } catch (UncheckedIOException raced) {
            // a file appeared or vanished while walking: the next attempt sees the rest
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TemporaryDirectory[" + path + "]";
    }
}
