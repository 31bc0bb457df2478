package com.clickhouse.analytics.local.chdb;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One chDB connection on one data directory, used by one query at a time.
 *
 * <p>The connection is a session: {@code USE} and {@code SET} stick to it. A request therefore runs
 * as one locked unit — switch database, apply its settings, run, put the settings back — so no other
 * request ever sees them. That includes a request whose statement is itself {@code SET …} or
 * {@code USE …}: as on a server's HTTP interface without a session, it succeeds (or fails) with the
 * engine's answer and has no effect on later requests. The lock is fair: requests are served in
 * arrival order.
 *
 * <p>Results are returned still in native memory ({@link ChdbResult}); the lock is released before
 * the caller streams them, since a finished result no longer involves the engine.
 */
final class ChdbEngine implements AutoCloseable {

    private final ChdbLibrary library;
    private final MemorySegment connectionPointer;
    private final MemorySegment connection;
    private final ReentrantLock lock = new ReentrantLock(true);
    private String currentDatabase = "default";
    private boolean closed;

    private ChdbEngine(ChdbLibrary library, MemorySegment connectionPointer) {
        this.library = library;
        this.connectionPointer = connectionPointer;
        this.connection = connectionPointer.reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0);
    }

    /**
     * Opens (creating if needed) the engine's storage in {@code dataDir}.
     *
     * <p>{@code dataDir/metadata} is created before connecting: chDB 26.5 starts the database
     * catalog's background tasks only when that directory already exists at connect time, and one
     * of them is the cleanup that {@code DROP … SYNC} waits for. On a brand-new data directory the
     * first DDL creates the directory too late, and every {@code DROP DATABASE|TABLE … SYNC} of that
     * run then waits for ever (chdb-io/chdb-core#173; a restart on the same directory did not hang).
     *
     * @throws UncheckedIOException if the metadata directory cannot be created
     */
    static ChdbEngine open(ChdbLibrary library, Path dataDir) {
        try {
            Files.createDirectories(dataDir.resolve("metadata"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Arena arena = Arena.ofConfined()) {
            String[] args = {"clickhouse", "--path=" + dataDir.toAbsolutePath()};
            MemorySegment argv = arena.allocate(ADDRESS, args.length);
            for (int i = 0; i < args.length; i++) {
                argv.setAtIndex(ADDRESS, i, arena.allocateFrom(args[i]));
            }
            MemorySegment pointer = library.connect(args.length, argv);
            if (pointer.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("chdb_connect failed for " + dataDir);
            }
            return new ChdbEngine(library, pointer);
        }
    }

    /**
     * Runs {@code sql} in {@code database} with per-query {@code settings} and {@code {name:Type}}
     * {@code parameters}; the output is in {@code format} unless the statement names its own.
     *
     * @throws ClickHouseException with the engine's error when the query (or the database switch,
     *         or a setting) fails; the session is left as it was
     */
    ChdbResult execute(String database, Map<String, String> settings, String sql, String format,
                       Map<String, String> parameters) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("engine closed");
            }
            useDatabase(database);
            if (settings.isEmpty()) {
                return runScoped(sql, format, parameters);
            }
            Map<String, String> previous = currentValues(settings.keySet());
            apply(settings);
            try {
                return runScoped(sql, format, parameters);
            } finally {
                apply(previous);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs a statement, undoing what a {@code SET} or {@code USE} statement did to the session. */
    private ChdbResult runScoped(String sql, String format, Map<String, String> parameters) {
        switch (SqlStatement.leadingKeyword(sql)) {
            case "SET" -> {
                Map<String, String> before = changedSettings();
                try {
                    return run(sql, format, parameters);
                } finally {
                    restoreChangedSince(before);
                }
            }
            case "USE" -> {
                try {
                    return run(sql, format, parameters);
                } finally {
                    currentDatabase = null; // unknown now: the next request switches explicitly
                }
            }
            default -> {
                return run(sql, format, parameters);
            }
        }
    }

    /** The session's settings that differ from their defaults, by name. */
    private Map<String, String> changedSettings() {
        Map<String, String> values = new LinkedHashMap<>();
        try (ChdbResult result = run("SELECT name, value FROM system.settings WHERE changed", "TabSeparatedRaw", Map.of())) {
            for (String line : result.text().split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    values.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        }
        return values;
    }

    /** Puts back every setting whose value is not what it was in {@code before} (its default if it was unchanged). */
    private void restoreChangedSince(Map<String, String> before) {
        Map<String, String> restore = new LinkedHashMap<>();
        try (ChdbResult result = run("SELECT name, value, default FROM system.settings WHERE changed",
                "TabSeparatedRaw", Map.of())) {
            for (String line : result.text().split("\n")) {
                String[] fields = line.split("\t", -1);
                if (fields.length == 3) {
                    String wanted = before.getOrDefault(fields[0], fields[2]);
                    if (!wanted.equals(fields[1])) {
                        restore.put(fields[0], wanted);
                    }
                }
            }
        }
        apply(restore);
    }

    /** A statement with no output, in the current session state (tests and set-up). */
    void executeQuietly(String sql) {
        lock.lock();
        try {
            run(sql, "TabSeparated", Map.of()).close();
        } finally {
            lock.unlock();
        }
    }

    private void useDatabase(String database) {
        String wanted = database == null || database.isBlank() ? "default" : database;
        if (!wanted.equals(currentDatabase)) {
            run("USE " + quoteIdentifier(wanted), "TabSeparated", Map.of()).close();
            currentDatabase = wanted;
        }
    }

    private Map<String, String> currentValues(Iterable<String> names) {
        StringBuilder sql = new StringBuilder("SELECT name, value FROM system.settings WHERE name IN (");
        String separator = "";
        for (String name : names) {
            sql.append(separator).append(quoteString(name));
            separator = ", ";
        }
        sql.append(')');
        Map<String, String> values = new LinkedHashMap<>();
        try (ChdbResult result = run(sql.toString(), "TabSeparatedRaw", Map.of())) {
            for (String line : result.text().split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    values.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        }
        return values; // unknown names are absent: SET will then report UNKNOWN_SETTING as a server does
    }

    private void apply(Map<String, String> settings) {
        if (settings.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder("SET ");
        String separator = "";
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            sql.append(separator).append(setting.getKey()).append(" = ").append(quoteString(setting.getValue()));
            separator = ", ";
        }
        run(sql.toString(), "TabSeparated", Map.of()).close();
    }

    private ChdbResult run(String sql, String format, Map<String, String> parameters) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] query = sql.getBytes(StandardCharsets.UTF_8);
            byte[] formatBytes = format.getBytes(StandardCharsets.UTF_8);
            MemorySegment querySegment = arena.allocateFrom(JAVA_BYTE, query);
            MemorySegment formatSegment = arena.allocateFrom(JAVA_BYTE, formatBytes);
            long started = System.nanoTime();
            MemorySegment result;
            if (parameters.isEmpty()) {
                result = library.queryN(connection, querySegment, query.length, formatSegment, formatBytes.length);
            } else {
                List<byte[]> names = new ArrayList<>();
                List<byte[]> values = new ArrayList<>();
                parameters.forEach((name, value) -> {
                    names.add(name.getBytes(StandardCharsets.UTF_8));
                    values.add(value.getBytes(StandardCharsets.UTF_8));
                });
                int count = names.size();
                MemorySegment namePointers = arena.allocate(ADDRESS, count);
                MemorySegment nameLengths = arena.allocate(JAVA_LONG, count);
                MemorySegment valuePointers = arena.allocate(ADDRESS, count);
                MemorySegment valueLengths = arena.allocate(JAVA_LONG, count);
                for (int i = 0; i < count; i++) {
                    namePointers.setAtIndex(ADDRESS, i, arena.allocateFrom(JAVA_BYTE, names.get(i)));
                    nameLengths.setAtIndex(JAVA_LONG, i, names.get(i).length);
                    valuePointers.setAtIndex(ADDRESS, i, arena.allocateFrom(JAVA_BYTE, values.get(i)));
                    valueLengths.setAtIndex(JAVA_LONG, i, values.get(i).length);
                }
                result = library.queryWithParamsN(connection, querySegment, query.length, formatSegment,
                        formatBytes.length, namePointers, nameLengths, valuePointers, valueLengths, count);
            }
            return toResult(result, System.nanoTime() - started);
        }
    }

    private ChdbResult toResult(MemorySegment result, long elapsedNanos) {
        if (result.equals(MemorySegment.NULL)) {
            throw new ClickHouseException(ClickHouseError.parse("the engine returned no result"));
        }
        MemorySegment error = library.resultError(result);
        if (!error.equals(MemorySegment.NULL)) {
            String text = error.reinterpret(Long.MAX_VALUE).getString(0);
            library.destroyQueryResult(result);
            throw new ClickHouseException(ClickHouseError.parse(text));
        }
        long length = library.resultLength(result);
        MemorySegment buffer = library.resultBuffer(result);
        MemorySegment data = length == 0 || buffer.equals(MemorySegment.NULL)
                ? MemorySegment.ofArray(new byte[0])
                : buffer.reinterpret(length);
        long writtenRows = library.resultRowsWritten(result);
        QueryStatistics statistics = new QueryStatistics(library.resultRowsRead(result), library.resultBytesRead(result),
                writtenRows, library.resultBytesWritten(result), writtenRows, length, elapsedNanos);
        return new ChdbResult(library, result, data, statistics);
    }

    static String quoteString(String value) {
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\'' || c == '\\') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.append('\'').toString();
    }

    static String quoteIdentifier(String name) {
        return '`' + name.replace("\\", "\\\\").replace("`", "\\`") + '`';
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                library.closeConn(connectionPointer);
            }
        } finally {
            lock.unlock();
        }
    }
}
