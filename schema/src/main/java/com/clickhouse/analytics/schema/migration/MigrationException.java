package com.clickhouse.analytics.schema.migration;

import java.util.Objects;

/**
 * Why a migration run stopped. The message is one line, names what failed (server, file,
 * statement) and never contains a password; {@link Migrate} prints it as is and exits with the
 * reason's {@linkplain Reason#exitCode() code}.
 */
public final class MigrationException extends Exception {

    /** The classes of failure an operator acts on differently. */
    public enum Reason {
        /** A setting (URL, database name, migrations directory) is missing or malformed. */
        CONFIGURATION(2),
        /** No ClickHouse answered at the URL: refused, unknown host, timeout, TLS failure. */
        UNREACHABLE(3),
        /** ClickHouse answered and refused the user or password. */
        AUTHENTICATION(4),
        /** A migration file cannot be used: bad name, duplicate version, unterminated string… */
        INVALID_MIGRATION(5),
        /** An applied migration's file changed since it was applied. */
        CHECKSUM_MISMATCH(6),
        /** ClickHouse rejected a statement. */
        SQL(7);

        private final int exitCode;

        Reason(int exitCode) {
            this.exitCode = exitCode;
        }

        /** The process exit code {@link Migrate} uses for this reason; never 0. */
        public int exitCode() {
            return exitCode;
        }
    }

    private final Reason reason;

    public MigrationException(Reason reason, String message) {
        super(oneLine(message));
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public MigrationException(Reason reason, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    public static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
