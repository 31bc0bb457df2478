package com.clickhouse.analytics.local.chdb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import com.clickhouse.analytics.local.process.TemporaryDirectory;

/**
 * Puts {@code libchdb.so} of a pinned chDB release into a per-user cache, once: {@code npm pack}
 * fetches the npm package {@code @chdb/lib-linux-x64-gnu} (nothing is installed), the tarball must
 * match the pinned {@code dist.integrity} (sha512), and the library is extracted to a temporary
 * file that is atomically renamed into place. A file lock makes concurrent first fetches — two test
 * JVMs, say — wait for one another instead of corrupting the cache; a present {@code libchdb.so} is
 * therefore always complete.
 */
public final class ChdbDownload {

    /** The pinned release: ClickHouse 26.5 inside. */
    public static final String VERSION = "26.5.3";
    static final String PACKAGE = "@chdb/lib-linux-x64-gnu";
    /** npm's {@code dist.integrity} of {@code lib-linux-x64-gnu-26.5.3.tgz}. */
    static final String INTEGRITY =
            "sha512-fPrLmRt5Moor9yGz4mazbrNje4t7X9KB2mTGkXFWRxRBs2iKy8yh6jx11xsa0Qr3iDFMU/yHqd+bVdYJXu3QaQ==";
    /** Overrides the download with a local file (offline machines). */
    static final String LIBRARY_VARIABLE = "CPA_LIBCHDB";

    private static final String MEMBER = "package/libchdb.so";
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(15);

    private final Path cacheDir;

    ChdbDownload(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** The default cache: {@code $XDG_CACHE_HOME} or {@code ~/.cache}, then {@code clickhouse-product-analytics/chdb/<version>}. */
    public static ChdbDownload inUserCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return new ChdbDownload(root.resolve("clickhouse-product-analytics").resolve("chdb").resolve(VERSION));
    }

    /** The library to load: the override, the cached copy, or a fresh verified download. */
    public Path library() {
        String override = System.getenv(LIBRARY_VARIABLE);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override);
            if (!Files.isRegularFile(path)) {
                throw new IllegalStateException(LIBRARY_VARIABLE + " names " + path + ", which is not a file");
            }
            return path;
        }
        Path library = cacheDir.resolve("libchdb.so");
        if (Files.isRegularFile(library)) {
            return library;
        }
        try {
            Files.createDirectories(cacheDir);
            synchronized (ChdbDownload.class) { // a file lock is per JVM, not per thread
                try (FileChannel channel = FileChannel.open(cacheDir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                    if (!Files.isRegularFile(library)) { // another JVM may have finished while we waited
                        fetchInto(library);
                    }
                }
            }
            return library;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare chDB in " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    private void fetchInto(Path library) throws IOException {
        Path work = Files.createTempDirectory(cacheDir, "fetch-");
        try {
            Path tarball = npmPack(work);
            verify(tarball);
            Path extracted = work.resolve("libchdb.so.partial");
            extract(tarball, extracted);
            extracted.toFile().setExecutable(true);
            Files.move(extracted, library, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            TemporaryDirectory.deleteTree(work);
        }
    }

    private static Path npmPack(Path work) throws IOException {
        Path log = work.resolve("npm.log");
        List<String> command = List.of("npm", "pack", PACKAGE + "@" + VERSION, "--silent");
        Process npm;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(Map.of("npm_config_update_notifier", "false", "npm_config_fund", "false"));
            npm = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("chDB is fetched with npm, which did not start (" + e.getMessage()
                    + "); install Node.js/npm, or set " + LIBRARY_VARIABLE + " to a libchdb.so of chDB " + VERSION, e);
        }
        try {
            if (!npm.waitFor(NPM_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm pack " + PACKAGE + "@" + VERSION + " took over "
                        + NPM_TIMEOUT.toMinutes() + " minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            npm.destroyForcibly();
            throw new IllegalStateException("interrupted while fetching chDB", e);
        }
        try (Stream<Path> files = Files.list(work)) {
            List<Path> tarballs = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).toList();
            if (npm.exitValue() != 0 || tarballs.size() != 1) {
                throw new IllegalStateException("npm pack " + PACKAGE + "@" + VERSION + " failed (exit " + npm.exitValue()
                        + "; is the npm registry reachable?):\n" + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
            return tarballs.getFirst();
        }
    }

    static void verify(Path tarball) throws IOException {
        MessageDigest sha512;
        try {
            sha512 = MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(tarball), sha512)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        String actual = "sha512-" + Base64.getEncoder().encodeToString(sha512.digest());
        if (!actual.equals(INTEGRITY)) {
            throw new IllegalStateException("the downloaded " + PACKAGE + "@" + VERSION + " does not match its pinned checksum: "
                    + actual + " instead of " + INTEGRITY);
        }
    }

    /** Extracts one member of a gzipped tar (ustar: 512-byte headers, octal sizes). */
    static void extract(Path tarball, Path target) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                String path = prefix.isEmpty() ? name : prefix + "/" + name;
                long size = Long.parseLong(field(header, 124, 12).strip(), 8);
                long padded = (size + 511) / 512 * 512;
                if (path.equals(MEMBER)) {
                    try (OutputStream out = Files.newOutputStream(target)) {
                        copy(in, out, size);
                    }
                    return;
                }
                in.skipNBytes(padded);
            }
        }
        throw new IllegalStateException(MEMBER + " is missing from " + tarball.getFileName());
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("truncated tar member");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }


    @Override
    public String toString() {
        return "ChdbDownload[" + PACKAGE + "@" + VERSION + " in " + cacheDir + "]";
    }
}
