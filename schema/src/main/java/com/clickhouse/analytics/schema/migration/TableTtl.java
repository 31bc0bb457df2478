package com.clickhouse.analytics.schema.migration;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.clickhouse.analytics.ops.config.DatabaseName;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * Retention as table TTLs: {@code events} (and the sessions folded from them) and
 * {@code ingestion_warnings} keep rows for N days, or forever (no TTL, the default). Applied by
 * {@code migrate} from {@code EVENTS_TTL_DAYS} / {@code WARNINGS_TTL_DAYS} and changed later with
 * {@code ./cpa ttl}. Dead letters live in a Kafka topic, whose {@code retention.ms} is Kafka's own
 * setting, so they have no table here.
 *
 * <p>Idempotent: a table whose TTL already has the wanted number of days is left alone, so running
 * {@code migrate} on every deploy does not start a TTL rewrite each time. Changing the TTL makes the
 * server apply it to existing parts in the background ({@code materialize_ttl_after_modify}).
 */
public final class TableTtl {

    /** The tables a retention setting governs, each with the column its age is measured on. */
    public enum Retention {
        EVENTS("events", List.of(new Target("events", "timestamp"), new Target("sessions_aggregated_v2", "ended_at"))),
        WARNINGS("ingestion_warnings", List.of(new Target("ingestion_warnings", "timestamp")));

        private final String name;
        private final List<Target> targets;

        Retention(String name, List<Target> targets) {
            this.name = name;
            this.targets = targets;
        }

        public String commandName() {
            return name;
        }

        public List<Target> targets() {
            return targets;
        }

        /** {@code events} or {@code warnings} / {@code ingestion_warnings}. */
        public static Retention named(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "events" -> EVENTS;
                case "warnings", "ingestion_warnings" -> WARNINGS;
                default -> throw new IllegalArgumentException("unknown retention '" + name + "' (events or warnings)");
            };
        }
    }

    /** One table and its time column. */
    public record Target(String table, String timeColumn) {
    }

    private static final Pattern DAYS = Pattern.compile(" TTL toDateTime\\((\\w+)\\) \\+ toIntervalDay\\((\\d+)\\)");

    private final Client client;
    private final DatabaseName database;

    public TableTtl(Client client, DatabaseName database) {
        this.client = Objects.requireNonNull(client, "client");
        this.database = Objects.requireNonNull(database, "database");
    }

    /** The statements that bring {@code retention} to {@code days} (empty: none), nothing when it is there already. */
    public List<String> plan(Retention retention, OptionalInt days) {
        if (days.isPresent() && days.getAsInt() <= 0) {
            throw new IllegalArgumentException("TTL days must be positive, got " + days.getAsInt());
        }
        return retention.targets().stream()
                .filter(t -> !current(t).equals(days))
                .map(t -> days.isPresent()
                        ? "ALTER TABLE " + database + "." + t.table() + " MODIFY TTL toDateTime(" + t.timeColumn() + ") + INTERVAL "
                                + days.getAsInt() + " DAY"
                        : "ALTER TABLE " + database + "." + t.table() + " REMOVE TTL")
                .toList();
    }

    /** The TTL in days of one table, empty when it has none (or one this class did not write). */
    public OptionalInt current(Target target) {
        List<GenericRecord> rows = client.queryAll("SELECT engine_full FROM system.tables WHERE database = '" + database
                + "' AND name = '" + target.table() + "'");
        if (rows.isEmpty()) {
            throw new IllegalStateException("table " + database + "." + target.table() + " does not exist: migrate first");
        }
        Matcher m = DAYS.matcher(rows.getFirst().getString(1));
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(2))) : OptionalInt.empty();
    }

    /** Days from an environment value: unset or blank is "no setting", {@code none} / {@code 0} is "no TTL". */
    public static java.util.Optional<OptionalInt> parseDays(String name, String value) throws MigrationException {
        if (value == null || value.isBlank()) {
            return java.util.Optional.empty();
        }
        String v = value.strip();
        if (v.equalsIgnoreCase("none") || v.equals("0")) {
            return java.util.Optional.of(OptionalInt.empty());
        }
        try {
            int days = Integer.parseInt(v);
            if (days > 0) {
                return java.util.Optional.of(OptionalInt.of(days));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new MigrationException(MigrationException.Reason.CONFIGURATION,
                name + " must be a positive number of days or none, got '" + v + "'");
    }
}
