package com.clickhouse.analytics.schema.admin;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.clickhouse.analytics.ops.config.CommandLine;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * {@code ./cpa materialize <property> [type] [--column=mat_x] [--dry-run]}: keeps one event property
 * as a materialized column of {@code events} with a skip index, and backfills it for the rows
 * already written ({@code ALTER … ADD COLUMN … MATERIALIZED}, {@code ADD INDEX}, then
 * {@code MATERIALIZE COLUMN} and {@code MATERIALIZE INDEX}). Idempotent: a column that exists with
 * the same expression and type is left alone (no second backfill); one that exists with another
 * expression is an error naming it (pick another name with {@code --column}). {@code --dry-run}
 * prints the SQL and changes nothing.
 */
public final class Materialize {

    static final String USAGE = "usage: ./cpa materialize <property> [string|lowcardinality|int|float|bool] [--column=mat_x] [--dry-run]";

    private Materialize() {
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err, args));
    }

    public static int run(Map<String, String> env, PrintStream out, PrintStream err, String... args) {
        return AdminSession.run("materialize", err, () -> {
            CommandLine line = CommandLine.parse(USAGE, List.of(args), 1, 2, Set.of("dry-run"), Set.of("column"));
            List<String> positional = line.positional();
            PropertyColumn.Type type = positional.size() == 2 ? PropertyColumn.Type.named(positional.get(1)) : PropertyColumn.Type.STRING;
            PropertyColumn wanted = PropertyColumn.of(positional.getFirst(), type);
            if (line.option("column").isPresent()) {
                wanted = new PropertyColumn(wanted.property(), line.option("column").get(), type);
            }
            try (AdminSession session = AdminSession.open("materialize", env, line.has("dry-run"), out)) {
                materialize(session, wanted);
            }
            return 0;
        });
    }

    static void materialize(AdminSession session, PropertyColumn wanted) {
        String db = session.database.value();
        List<GenericRecord> existing = session.query("SELECT type, default_kind, default_expression FROM system.columns WHERE database = "
                + AdminSession.quote(db) + " AND table = 'events' AND name = " + AdminSession.quote(wanted.column()));
        if (!existing.isEmpty()) {
            GenericRecord c = existing.getFirst();
            boolean same = c.getString("type").equals(wanted.sqlType()) && "MATERIALIZED".equals(c.getString("default_kind"))
                    && c.getString("default_expression").equals(wanted.expression());
            if (!same) {
                throw new IllegalArgumentException("events." + wanted.column() + " exists as " + c.getString("type") + " "
                        + c.getString("default_kind") + " " + c.getString("default_expression") + "; choose another name with --column=");
            }
            session.change(wanted.addIndexSql(db)); // a no-op when present; a column added by hand may lack it
            session.say("events." + wanted.column() + " already holds " + wanted.property() + " (" + wanted.sqlType() + "); nothing to backfill");
            return;
        }
        session.change(wanted.addColumnSql(db));
        session.change(wanted.addIndexSql(db));
        session.change(wanted.backfillSql(db));
        if (!session.dryRun()) {
            session.say("events." + wanted.column() + " added; the backfill runs in the background (SELECT * FROM system.mutations"
                    + " WHERE database = '" + db + "' AND NOT is_done)");
        }
    }
}
