package com.clickhouse.analytics.ops.clickhouse;

/**
 * What a failed ClickHouse call means, as {@link ClickHouseFailures#classify} decided it. Each tier
 * turns it into its own error (the writer a {@code WriterException}, the migrator a
 * {@code MigrationException}); none needs to know a ClickHouse error code.
 *
 * @param kind           what the caller should do about it
 * @param origin         who failed: the server, the network, or the client library
 * @param code           the server's error code, 0 unless {@code origin} is {@link Origin#SERVER}
 * @param authentication the server refused the user, the password or the client's address
 * @param alreadyExists  the object a {@code CREATE} makes exists already (a lost race with a concurrent creator)
 * @param message        one line, bounded, without the server's stack trace; never a password
 * @param error          the exception behind it, without the futures' wrapping
 */
public record ClickHouseFailure(Kind kind, Origin origin, int code, boolean authentication, boolean alreadyExists,
                                String message, Throwable error) {

    /** What to do about a failure. */
    public enum Kind {
        /** ClickHouse is unreachable, slow, busy or failed for a reason of its own: wait and try the same again. */
        RETRYABLE,
        /** The data of the request is unacceptable (a value the table rejects): trying it again fails again. */
        RECORD_CAUSED,
        /** Neither waiting nor other data helps: credentials, permissions, a missing table, the schema. */
        FATAL
    }

    /** Where the failure arose. */
    public enum Origin {
        /** The server answered with an error code. */
        SERVER,
        /** No answer: connection refused or reset, unknown host, timeout, TLS failure. */
        UNREACHABLE,
        /** The client library failed on its own (or a bug of ours); the server may never have seen the request. */
        CLIENT
    }
}
