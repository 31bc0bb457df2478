package com.clickhouse.analytics.schema.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailures;
import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandResponse;
import com.clickhouse.client.api.query.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies versioned SQL migrations to one ClickHouse database and records them in its
 * {@code schema_migrations} table (version, name, checksum, applied_at).
 *
 * <p>A run: create the database if it is missing; create {@code schema_migrations} if missing;
 * read what was applied (with {@code FINAL}); refuse to go on if an applied file changed; apply
 * each pending migration in version order, statement by statement, and record it after its last
 * statement succeeded. Nothing pending: nothing is done.
 *
 * <p><b>Concurrency.</b> ClickHouse has no lock a migrator could take, so correctness comes from
 * the data instead: every statement of every migration is idempotent ({@code IF NOT EXISTS}), so
 * two runs that both find a version pending both apply it harmlessly; a {@code CREATE} that loses
 * a race against the other run's identical {@code CREATE} is retried and then finds the object;
 * and {@code schema_migrations} is a ReplacingMergeTree ordered by version, so the two records of
 * one version collapse into one row for every reader using {@code FINAL}. A run interrupted
 * half-way through a migration leaves it unrecorded and the next run applies it again. A
 * statement that fails makes the run apply its migration once more from the top before giving
 * up: a concurrent run may have moved a table under it (V009's {@code EXCHANGE}, see {@link #swapIn}).
 *
 * <p>Applied versions this build does not know (a newer build migrated the database, as during a
 * rolling upgrade) are not an error: they are logged and left alone.
 *
 * <p>The client is the caller's; the migrator does not close it. Not thread-safe; cheap to create.
 */
public final class SchemaMigrator {

    /** The table that records applied migrations, inside the migrated database. */
    public static final String HISTORY_TABLE = "schema_migrations";

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
    private static final int CREATE_ATTEMPTS = 5;
    private static final int SWAP_ATTEMPTS = 10;
    /** Database and table names are {@code \\w+} here, so they are safe in the column query's literals. */
    private static final Pattern EXCHANGE = Pattern.compile("EXCHANGE\\s+TABLES\\s+(\\w+)\\.(\\w+)\\s+AND\\s+(\\w+)\\.(\\w+)",
            Pattern.CASE_INSENSITIVE);

    private final Client client;
    private final DatabaseName database;
    private final List<Migration> migrations;
    private final Duration statementTimeout;
    private final ClusterDdl cluster;

    /**
     * @param migrations sorted by version with distinct versions, as {@link MigrationSource} returns them
     */
    public SchemaMigrator(Client client, DatabaseName database, List<Migration> migrations, Duration statementTimeout) {
        this(client, database, migrations, statementTimeout, null);
    }

    /**
     * @param cluster {@code null} for a single server (or ClickHouse Cloud, or a Replicated database);
     *                else every statement runs in its {@link ClusterDdl} form
     */
    public SchemaMigrator(Client client, DatabaseName database, List<Migration> migrations, Duration statementTimeout, ClusterDdl cluster) {
        this.cluster = cluster;
        this.client = Objects.requireNonNull(client, "client");
        this.database = Objects.requireNonNull(database, "database");
        this.migrations = List.copyOf(migrations);
        this.statementTimeout = Objects.requireNonNull(statementTimeout, "statementTimeout");
        for (int i = 1; i < this.migrations.size(); i++) {
            if (this.migrations.get(i - 1).version() >= this.migrations.get(i).version()) {
                throw new IllegalArgumentException("migrations must be sorted by distinct versions: "
                        + this.migrations.get(i - 1) + ", " + this.migrations.get(i));
            }
        }
        if (statementTimeout.isNegative() || statementTimeout.isZero()) {
            throw new IllegalArgumentException("statementTimeout must be positive: " + statementTimeout);
        }
    }

    public SchemaMigrator(Client client, DatabaseName database, List<Migration> migrations) {
        this(client, database, migrations, Duration.ofMinutes(5));
    }

    /**
     * Applies the bundled migrations to {@code database} with the caller's client: what a service
     * calls at start when {@code MIGRATE_ON_START=true}.
     *
     * @return the migrations this call applied, empty when the schema was already current
     * @throws MigrationException naming the reason (unreachable, credentials, changed file, SQL)
     */
    public static List<Migration> migrate(Client client, String database) throws MigrationException {
        DatabaseName name;
        try {
            name = DatabaseName.of(database);
        } catch (IllegalArgumentException e) {
            throw new MigrationException(MigrationException.Reason.CONFIGURATION, e.getMessage(), e);
        }
        return new SchemaMigrator(client, name, MigrationSource.bundled()).migrate(applied -> { });
    }

    /**
     * Brings the database up to the newest migration.
     *
     * @param onApplied told about each migration right after it was applied and recorded
     * @return the migrations this run applied, in order
     */
    public List<Migration> migrate(Consumer<Migration> onApplied) throws MigrationException {
        ensureDatabase();
        ensureHistoryTable();
        Map<Integer, AppliedMigration> applied = new LinkedHashMap<>();
        for (AppliedMigration a : applied()) {
            applied.put(a.version(), a);
        }
        verifyUnchanged(applied);
        List<Migration> done = new ArrayList<>();
        for (Migration migration : migrations) {
            if (applied.containsKey(migration.version())) {
                continue;
            }
            try {
                apply(migration);
            } catch (MigrationException e) {
                if (e.reason() != MigrationException.Reason.SQL) {
                    throw e;
                }
                // Once more from the first statement (each is idempotent): a concurrent migrator's
                // EXCHANGE can swap a table between two statements of this run, which then names a
                // table that is no longer the one it prepared. A real error fails again, the same way.
                LOG.warn("{}; running {} once more from its first statement", e.getMessage(), migration.fileName());
                pause(50 + ThreadLocalRandom.current().nextLong(200));
                apply(migration);
            }
            record(migration);
            LOG.info("applied migration {} to database {}", migration.fileName(), database);
            done.add(migration);
            onApplied.accept(migration);
        }
        if (cluster != null) {
            for (String sql : cluster.readTables(database)) {
                execute(new SqlStatement("(migrator)", 3, 0, sql), true);
            }
        }
        return List.copyOf(done);
    }

    /**
     * What {@code schema_migrations} says was applied, one row per version (read with {@code FINAL}),
     * sorted by version; empty when the table does not exist yet.
     */
    public List<AppliedMigration> applied() throws MigrationException {
        String exists = "SELECT count() AS n FROM system.tables WHERE database = '" + database + "' AND name = '" + HISTORY_TABLE + "'";
        if (queryAll(exists, "reading system.tables").getFirst().getLong("n") == 0) {
            return List.of();
        }
        String sql = "SELECT toInt64(version) AS version, name, checksum, toUnixTimestamp64Milli(applied_at) AS applied_ms FROM "
                + database + "." + HISTORY_TABLE + " FINAL ORDER BY version";
        List<AppliedMigration> rows = new ArrayList<>();
        for (GenericRecord r : queryAll(sql, "reading " + database + "." + HISTORY_TABLE)) {
            rows.add(new AppliedMigration(Math.toIntExact(r.getLong("version")), r.getString("name"), r.getString("checksum"),
                    Instant.ofEpochMilli(r.getLong("applied_ms"))));
        }
        return List.copyOf(rows);
    }

    /** The version the database is at: the highest applied version, 0 for none. */
    public int currentVersion() throws MigrationException {
        List<AppliedMigration> applied = applied();
        return applied.isEmpty() ? 0 : applied.getLast().version();
    }

    private void ensureDatabase() throws MigrationException {
        // Checked first so that a user allowed to use an existing database, but not to create
        // databases, can migrate it.
        String sql = "SELECT count() AS n FROM system.databases WHERE name = '" + database + "'";
        if (queryAll(sql, "connecting").getFirst().getLong("n") == 0) {
            execute(new SqlStatement("(migrator)", 1, 0, cluster == null ? "CREATE DATABASE IF NOT EXISTS " + database
                    : cluster.createDatabase(database)), true);
        }
    }

    private void ensureHistoryTable() throws MigrationException {
        execute(new SqlStatement("(migrator)", 2, 0, historyTableSql()), true);
    }

    /** The statement that creates {@code schema_migrations} (replicated on a cluster). */
    String historyTableSql() throws MigrationException {
        String sql = "CREATE TABLE IF NOT EXISTS " + database + "." + HISTORY_TABLE + " (\n"
                + "    version UInt32,\n"
                + "    name String,\n"
                + "    checksum String,\n"
                + "    applied_at DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')\n"
                + ") ENGINE = ReplacingMergeTree ORDER BY version";
        return cluster == null ? sql : cluster.rewrite(sql);
    }

    /** The statements of {@code migration} as this migrator runs them: for the database, and for the cluster if there is one. */
    public List<SqlStatement> statements(Migration migration) throws MigrationException {
        List<SqlStatement> statements = new ArrayList<>();
        for (SqlStatement s : migration.statements(database)) {
            statements.add(cluster == null ? s : new SqlStatement(s.fileName(), s.number(), s.line(), cluster.rewrite(s.sql())));
        }
        return statements;
    }

    private void verifyUnchanged(Map<Integer, AppliedMigration> applied) throws MigrationException {
        for (Migration migration : migrations) {
            AppliedMigration record = applied.get(migration.version());
            if (record != null && !record.checksum().equals(migration.checksum())) {
                throw new MigrationException(MigrationException.Reason.CHECKSUM_MISMATCH, "migration " + migration.fileName()
                        + " was changed after it was applied to database " + database + " (applied checksum "
                        + shortHash(record.checksum()) + ", file now " + shortHash(migration.checksum())
                        + "): restore the applied file and put the change in a new migration");
            }
        }
        for (AppliedMigration record : applied.values()) {
            if (migrations.stream().noneMatch(m -> m.version() == record.version())) {
                LOG.warn("database {} has migration {} ({}) applied, which this build does not know; leaving it alone",
                        database, record.version(), record.name());
            }
        }
    }

    private void apply(Migration migration) throws MigrationException {
        for (SqlStatement statement : statements(migration)) {
            Matcher exchange = EXCHANGE.matcher(SqlStatementSplitter.withoutComments(statement.sql()).strip());
            if (exchange.lookingAt()) {
                swapIn(statement, exchange.group(1), exchange.group(2), exchange.group(4));
            } else {
                execute(statement, isIdempotentCreate(statement));
            }
        }
    }

    /**
     * {@code EXCHANGE TABLES db.current AND db.rebuilt}, the one statement that is not idempotent by
     * itself: run only while {@code rebuilt} has a column {@code current} lacks (the rebuilt table is
     * not in place yet), so a re-run after a crash never swaps it back. Checked again after each
     * swap: a concurrent migrator that passed the same check a moment earlier swaps too, and the
     * pair would undo each other; whoever then finds the old table in place swaps once more, after
     * a random pause so two such migrators do not keep pace.
     */
    private void swapIn(SqlStatement statement, String db, String current, String rebuilt) throws MigrationException {
        for (int attempt = 1; attempt <= SWAP_ATTEMPTS; attempt++) {
            if (!hasColumnsBeyond(db, rebuilt, current)) {
                return;
            }
            execute(statement, false);
            pause(20 + ThreadLocalRandom.current().nextLong(200));
        }
        if (hasColumnsBeyond(db, rebuilt, current)) {
            throw new MigrationException(MigrationException.Reason.SQL, statement.location() + " `" + statement.abbreviated()
                    + "`: " + db + "." + rebuilt + " is still not in place after " + SWAP_ATTEMPTS + " exchanges (concurrent migrators?)");
        }
    }

    /** Whether {@code table} has a column that {@code other} lacks. */
    private boolean hasColumnsBeyond(String db, String table, String other) throws MigrationException {
        String sql = "SELECT count() AS n FROM system.columns WHERE database = '" + db + "' AND table = '" + table + "' AND name NOT IN"
                + " (SELECT name FROM system.columns WHERE database = '" + db + "' AND table = '" + other + "')";
        return queryAll(sql, "comparing the columns of " + db + "." + table + " and " + other).getFirst().getLong("n") > 0;
    }

    private void record(Migration migration) throws MigrationException {
        // name is [A-Za-z0-9_]+ and checksum hex (both checked in Migration), so literals are safe.
        String sql = "INSERT INTO " + database + "." + HISTORY_TABLE + " (version, name, checksum) VALUES ("
                + migration.version() + ", '" + migration.name() + "', '" + migration.checksum() + "')";
        execute(new SqlStatement(migration.fileName(), 0, 0, sql), false);
    }

    /**
     * Runs one statement. A {@code CREATE … IF NOT EXISTS} that fails because the object exists
     * lost a race with a concurrent migrator creating the same object: it is retried, and the
     * retry finds the object and does nothing.
     */
    private void execute(SqlStatement statement, boolean retryLostCreateRace) throws MigrationException {
        String doing = statement.number() == 0 ? "recording " + statement.fileName() + " in " + HISTORY_TABLE
                : statement.location() + " `" + statement.abbreviated() + "`";
        for (int attempt = 1; ; attempt++) {
            try (CommandResponse ignored = client.execute(statement.sql()).get(statementTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MigrationException(MigrationException.Reason.SQL, doing + " was interrupted", e);
            } catch (TimeoutException e) {
                throw new MigrationException(MigrationException.Reason.SQL, doing + " did not finish within " + statementTimeout, e);
            } catch (Exception e) {
                if (retryLostCreateRace && attempt < CREATE_ATTEMPTS && ClickHouseFailures.classify(e).alreadyExists()) {
                    pause(50L * attempt);
                    continue;
                }
                throw MigrationException.of(e, doing);
            }
        }
    }

    private List<GenericRecord> queryAll(String sql, String doing) throws MigrationException {
        try {
            return client.queryAll(sql);
        } catch (RuntimeException e) {
            throw MigrationException.of(e, doing);
        }
    }

    private static boolean isIdempotentCreate(SqlStatement statement) {
        String code = SqlStatementSplitter.withoutComments(statement.sql()).strip().toUpperCase(java.util.Locale.ROOT);
        return code.startsWith("CREATE") && code.replaceAll("\\s+", " ").contains(" IF NOT EXISTS ");
    }

    private static void pause(long millis) throws MigrationException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException(MigrationException.Reason.SQL, "interrupted", e);
        }
    }

    private static String shortHash(String checksum) {
        return checksum.length() <= 12 ? checksum : checksum.substring(0, 12) + "…";
    }
}
