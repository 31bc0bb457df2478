package com.clickhouse.analytics.local.chdb;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * One successful query's output, still in the engine's native memory: {@link #data()} is read in
 * place (no copy onto the Java heap) and must not be touched after {@link #close()}, which frees it.
 */
final class ChdbResult implements AutoCloseable {

    private final ChdbLibrary library;
    private final MemorySegment handle;
    private final MemorySegment data;
    private final QueryStatistics statistics;
    private boolean closed;

    ChdbResult(ChdbLibrary library, MemorySegment handle, MemorySegment data, QueryStatistics statistics) {
        this.library = library;
        this.handle = handle;
        this.data = data;
        this.statistics = statistics;
    }

    MemorySegment data() {
        return data;
    }

    QueryStatistics statistics() {
        return statistics;
    }

    String text() {
        return new String(data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            library.destroyQueryResult(handle);
        }
    }
}
