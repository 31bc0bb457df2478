package com.clickhouse.analytics.local.chdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.clickhouse.analytics.local.npm.NpmFiles;

/**
 * Puts {@code libchdb.so} of a pinned chDB release into a per-user cache, once, from the npm
 * package {@code @chdb/lib-linux-x64-gnu} (fetched and verified by {@link NpmFiles}).
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

    private final Path cacheDir;
    private final NpmFiles files;

    ChdbDownload(Path cacheDir) {
        this.cacheDir = cacheDir;
        this.files = new NpmFiles(cacheDir, PACKAGE, VERSION, INTEGRITY, LIBRARY_VARIABLE);
    }

    /** The default cache: {@link NpmFiles#userCache()}, then {@code chdb/<version>}. */
    public static ChdbDownload inUserCache() {
        return new ChdbDownload(NpmFiles.userCache().resolve("chdb").resolve(VERSION));
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
        return files.files(List.of(MEMBER), true).getFirst();
    }

    @Override
    public String toString() {
        return "ChdbDownload[" + PACKAGE + "@" + VERSION + " in " + cacheDir + "]";
    }
}
