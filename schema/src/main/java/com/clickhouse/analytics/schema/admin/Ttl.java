package com.clickhouse.analytics.schema.admin;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import com.clickhouse.analytics.ops.config.CommandLine;
import com.clickhouse.analytics.schema.migration.TableTtl;

/**
 * {@code ./cpa ttl <events|warnings> [<days>|none] [--dry-run]}: shows or changes a retention TTL
 * (the same change {@code migrate} makes from {@code EVENTS_TTL_DAYS} / {@code WARNINGS_TTL_DAYS}).
 * Without days it prints the current TTL of each table concerned.
 */
public final class Ttl {

    static final String USAGE = "usage: ./cpa ttl events|warnings [<days>|none] [--dry-run]";

    private Ttl() {
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err, args));
    }

    public static int run(Map<String, String> env, PrintStream out, PrintStream err, String... args) {
        return AdminSession.run("ttl", err, () -> {
            CommandLine line = CommandLine.parse(USAGE, List.of(args), 1, 2, Set.of("dry-run"), Set.of());
            List<String> positional = line.positional();
            TableTtl.Retention retention = TableTtl.Retention.named(positional.getFirst());
            try (AdminSession session = AdminSession.open("ttl", env, line.has("dry-run"), out)) {
                TableTtl ttl = new TableTtl(session.client(), session.database);
                if (positional.size() == 1) {
                    for (TableTtl.Target target : retention.targets()) {
                        OptionalInt days = ttl.current(target);
                        session.say(session.database + "." + target.table() + ": "
                                + (days.isPresent() ? days.getAsInt() + " days (by " + target.timeColumn() + ")" : "no TTL"));
                    }
                    return 0;
                }
                OptionalInt days = TableTtl.parseDays("days", positional.get(1)).orElseThrow();
                List<String> plan = ttl.plan(retention, days);
                if (plan.isEmpty()) {
                    session.say(retention.commandName() + " already " + (days.isPresent() ? "at " + days.getAsInt() + " days" : "without TTL"));
                }
                plan.forEach(session::change);
            }
            return 0;
        });
    }
}
