package com.clickhouse.analytics.local.chdb;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few functions of chDB's C API ({@code chdb.h}) this project calls, bound through the FFM API.
 *
 * <p>Only raw bindings live here: no locking, no result decoding. {@link ChdbEngine} owns the
 * connection and serializes queries. The library installs its own handlers for SIGSEGV and friends,
 * so a JVM that loads it must have been started with HotSpot signal chaining
 * ({@code LD_PRELOAD=<java.home>/lib/libjsig.so}); {@link LocalClickHouse} starts {@link ChdbServer}
 * that way.
 */
final class ChdbLibrary {

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle connect;
    private final MethodHandle closeConn;
    private final MethodHandle queryN;
    private final MethodHandle queryWithParamsN;
    private final MethodHandle resultBuffer;
    private final MethodHandle resultLength;
    private final MethodHandle resultError;
    private final MethodHandle resultRowsRead;
    private final MethodHandle resultBytesRead;
    private final MethodHandle resultRowsWritten;
    private final MethodHandle resultBytesWritten;
    private final MethodHandle resultElapsed;
    private final MethodHandle destroyQueryResult;

    private ChdbLibrary(SymbolLookup symbols) {
        connect = bind(symbols, "chdb_connect", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
        closeConn = bind(symbols, "chdb_close_conn", FunctionDescriptor.ofVoid(ADDRESS));
        queryN = bind(symbols, "chdb_query_n",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        queryWithParamsN = bind(symbols, "chdb_query_with_params_n",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG,
                        ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        resultBuffer = bind(symbols, "chdb_result_buffer", FunctionDescriptor.of(ADDRESS, ADDRESS));
        resultLength = bind(symbols, "chdb_result_length", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        resultError = bind(symbols, "chdb_result_error", FunctionDescriptor.of(ADDRESS, ADDRESS));
        resultRowsRead = bind(symbols, "chdb_result_rows_read", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        resultBytesRead = bind(symbols, "chdb_result_bytes_read", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        resultRowsWritten = bind(symbols, "chdb_result_rows_written", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        resultBytesWritten = bind(symbols, "chdb_result_bytes_written", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        resultElapsed = bind(symbols, "chdb_result_elapsed", FunctionDescriptor.of(JAVA_DOUBLE, ADDRESS));
        destroyQueryResult = bind(symbols, "chdb_destroy_query_result", FunctionDescriptor.ofVoid(ADDRESS));
    }

    /** Loads {@code libchdb.so} for the life of the process (the engine cannot be unloaded cleanly). */
    static ChdbLibrary load(Path libchdb) {
        return new ChdbLibrary(SymbolLookup.libraryLookup(libchdb, Arena.global()));
    }

    /** {@code chdb_connect}: returns the {@code chdb_connection*} (NULL on failure). */
    MemorySegment connect(int argc, MemorySegment argv) {
        try {
            return (MemorySegment) connect.invokeExact(argc, argv);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void closeConn(MemorySegment connectionPointer) {
        try {
            closeConn.invokeExact(connectionPointer);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment queryN(MemorySegment connection, MemorySegment query, long queryLength, MemorySegment format, long formatLength) {
        try {
            return (MemorySegment) queryN.invokeExact(connection, query, queryLength, format, formatLength);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment queryWithParamsN(MemorySegment connection, MemorySegment query, long queryLength,
                                   MemorySegment format, long formatLength, MemorySegment names, MemorySegment nameLengths,
                                   MemorySegment values, MemorySegment valueLengths, long count) {
        try {
            return (MemorySegment) queryWithParamsN.invokeExact(connection, query, queryLength, format, formatLength,
                    names, nameLengths, values, valueLengths, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment resultBuffer(MemorySegment result) {
        try {
            return (MemorySegment) resultBuffer.invokeExact(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long resultLength(MemorySegment result) {
        return invokeLong(resultLength, result);
    }

    MemorySegment resultError(MemorySegment result) {
        try {
            return (MemorySegment) resultError.invokeExact(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long resultRowsRead(MemorySegment result) {
        return invokeLong(resultRowsRead, result);
    }

    long resultBytesRead(MemorySegment result) {
        return invokeLong(resultBytesRead, result);
    }

    long resultRowsWritten(MemorySegment result) {
        return invokeLong(resultRowsWritten, result);
    }

    long resultBytesWritten(MemorySegment result) {
        return invokeLong(resultBytesWritten, result);
    }

    double resultElapsed(MemorySegment result) {
        try {
            return (double) resultElapsed.invokeExact(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void destroyQueryResult(MemorySegment result) {
        try {
            destroyQueryResult.invokeExact(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static long invokeLong(MethodHandle handle, MemorySegment result) {
        try {
            return (long) handle.invokeExact(result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MethodHandle bind(SymbolLookup symbols, String name, FunctionDescriptor descriptor) {
        MemorySegment address = symbols.find(name)
                .orElseThrow(() -> new IllegalStateException("libchdb.so has no symbol " + name + " (wrong chDB version?)"));
        return LINKER.downcallHandle(address, descriptor);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
