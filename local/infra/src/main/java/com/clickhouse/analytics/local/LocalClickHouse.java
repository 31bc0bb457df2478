package com.clickhouse.analytics.local;

/**
 * A local ClickHouse started by the project: a real {@code clickhouse} server binary when one of a
 * supported version is installed, else the ClickHouse engine packaged as chDB served on the HTTP
 * interface from a child JVM. (Placeholder until the local ClickHouse lands.)
 */
public final class LocalClickHouse implements AutoCloseable {

    private LocalClickHouse() {
    }

    /** Starts a local ClickHouse on a free port in a temporary data directory. */
    public static LocalClickHouse startTemporary() {
        throw new IllegalStateException("the local ClickHouse is not available yet; set CLICKHOUSE_URL");
    }

    /** Starts a local ClickHouse on a fixed port with a persistent data directory. */
    public static LocalClickHouse start(java.nio.file.Path dataDir, int httpPort, String user, String password) {
        throw new IllegalStateException("the local ClickHouse is not available yet");
    }

    public ClickHouseEndpoint endpoint() {
        throw new IllegalStateException("not started");
    }

    @Override
    public void close() {
    }
}
