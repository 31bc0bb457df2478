package com.clickhouse.analytics.schema.migration;

import java.util.Objects;

import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailure;
import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailures;
import com.clickhouse.analytics.ops.logging.Messages;

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
        super(Messages.oneLine(message));
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public MigrationException(Reason reason, String message, Throwable cause) {
        super(Messages.oneLine(message), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    /**
     * The migrator's reading of a failed ClickHouse call ({@link ClickHouseFailures} classifies it):
     * no answer is {@link Reason#UNREACHABLE}, refused credentials {@link Reason#AUTHENTICATION},
     * anything else the statement's failure, {@link Reason#SQL}.
     *
     * @param doing what was being done, e.g. {@code "V001__init.sql statement 2 (line 30) `CREATE TABLE …`"}
     */
    static MigrationException of(Throwable failure, String doing) {
        ClickHouseFailure f = ClickHouseFailures.classify(failure);
        if (f.authentication()) {
            return new MigrationException(Reason.AUTHENTICATION, "ClickHouse refused the user or password: " + f.message(), f.error());
        }
        if (f.origin() == ClickHouseFailure.Origin.UNREACHABLE) {
            return new MigrationException(Reason.UNREACHABLE, "cannot reach ClickHouse: " + f.message(), f.error());
        }
        return new MigrationException(Reason.SQL, doing + " failed: " + f.message(), f.error());
    }
}
