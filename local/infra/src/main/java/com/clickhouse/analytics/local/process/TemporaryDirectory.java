package com.clickhouse.analytics.local.process;

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

    private static final long WRITER_EXIT_WAIT_SECONDS = 15;

    private final Path path;
    private final Thread onExit;
    private volatile ProcessHandle writer;

    private TemporaryDirectory(Path path) {
        this.path = path;
        this.onExit = new Thread(this::deleteOnExit, "delete-" + path.getFileName());
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /**
     * Names the child process that writes here. Shutdown hooks run concurrently, and a broker that
     * is being stopped by its own hook still writes checkpoints: the exit hook waits for it to be
     * gone before deleting.
     */
    public void writtenBy(ProcessHandle process) {
        this.writer = process;
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

    private void deleteOnExit() {
        ProcessHandle w = writer;
        if (w != null) {
            try {
                w.onExit().get(WRITER_EXIT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception stillRunning) {
                // delete what can be deleted; the process's own hook kills it
            }
        }
        try {
            deleteTree(path);
        } catch (UncheckedIOException raced) {
            // a file appeared or vanished while walking: nothing more to do at exit
        }
    }

    @Override
    public String toString() {
        return "TemporaryDirectory[" + path + "]";
    }
}
