package com.clickhouse.analytics.schema.admin;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import com.clickhouse.analytics.ops.config.CommandLine;
import com.clickhouse.analytics.ops.config.ProjectKeys;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * {@code ./cpa delete-person <distinct_id> [--project P | --api-key K] [--actor NAME] [--settle-seconds N] [--dry-run]}:
 * erases a person. Steps, each printed:
 * <ol>
 *   <li>Resolve: the person ids of the distinct id (person_distinct_ids and its events), closed over
 *       person_overrides in both directions (merged into, merged from), then every distinct id of
 *       those persons.</li>
 *   <li>Count what would go. A dry run stops here.</li>
 *   <li>Add the distinct ids to {@code deleted_distinct_ids}, then wait {@code --settle-seconds}
 *       (default 15, above the writer's default refresh of 10 s) so every writer has refreshed its
 *       copy of the list and drops their events still in Kafka or arriving later.</li>
 *   <li>Lightweight {@code DELETE} of their sessions, events, persons, distinct ids and overrides.</li>
 *   <li>An audit row in {@code person_deletions}: who ({@code --actor}, else {@code $USER}), when, the
 *       ids and the counts.</li>
 * </ol>
 * With {@code --project} only that project's rows go (events, sessions, persons, distinct ids,
 * overrides: all are keyed by project since V009) and the list entry is for that project; the same
 * distinct id in another project is another person and stays. {@code --api-key K} means the project
 * K names: its project in {@code PUBLIC_API_KEYS} when that is set here ({@code project:key}
 * entries), else K itself (a bare key is its own project). Without either, the distinct id goes in
 * every project.
 * Running it again finds nothing left and records a second audit row with zero counts.
 */
public final class DeletePerson {

    static final String USAGE = "usage: ./cpa delete-person <distinct_id> [--project P | --api-key K] [--actor NAME] [--settle-seconds N]"
            + " [--dry-run]";
    private static final int MAX_OVERRIDE_HOPS = 20;

    private DeletePerson() {
    }

    public static void main(String[] args) {
        System.exit(run(System.getenv(), System.out, System.err, args));
    }

    public static int run(Map<String, String> env, PrintStream out, PrintStream err, String... args) {
        return AdminSession.run("delete-person", err, () -> {
            CommandLine line = CommandLine.parse(USAGE, List.of(args), 1, 1, Set.of("dry-run"),
                    Set.of("project", "api-key", "actor", "settle-seconds"));
            String project = project(env, line.option("project").orElse(null), line.option("api-key").orElse(null));
            String actor = line.option("actor").orElse(env.getOrDefault("USER", "unknown"));
            Duration settle = Duration.ofSeconds(Long.parseLong(line.option("settle-seconds").orElse("15")));
            if (line.positional().getFirst().isEmpty()) {
                throw new IllegalArgumentException(USAGE);
            }
            try (AdminSession session = AdminSession.open("delete-person", env, line.has("dry-run"), out)) {
                new DeletePerson.Run(session, project).delete(line.positional().getFirst(), actor, settle);
            }
            return 0;
        });
    }

    /** The project to delete in, {@code ""} for every project. */
    static String project(Map<String, String> env, String project, String apiKey) {
        if (project != null && apiKey != null) {
            throw new IllegalArgumentException("give --project or --api-key, not both\n" + USAGE);
        }
        if (project != null) {
            if (project.isBlank()) {
                throw new IllegalArgumentException("--project is empty\n" + USAGE);
            }
            return project;
        }
        if (apiKey == null || apiKey.isEmpty()) {
            return "";
        }
        String configured = env.getOrDefault("PUBLIC_API_KEYS", "");
        if (configured.isBlank()) {
            return apiKey;
        }
        List<String> entries = java.util.Arrays.stream(configured.split(",")).map(String::strip).filter(e -> !e.isEmpty()).toList();
        String named = ProjectKeys.parse(entries).projectOf(apiKey);
        if (named == null) {
            throw new IllegalArgumentException("--api-key is not one of PUBLIC_API_KEYS; give --project instead");
        }
        return named;
    }

    /** One deletion against one database; {@code project} {@code ""} means every project. */
    private record Run(AdminSession session, String project) {

        void delete(String distinctId, String actor, Duration settle) {
            String db = session.database.value();
            Set<UUID> persons = persons(distinctId);
            Set<String> ids = new TreeSet<>(List.of(distinctId));
            if (!persons.isEmpty()) {
                session.query("SELECT DISTINCT distinct_id FROM " + db + ".person_distinct_ids FINAL WHERE person_id IN " + uuids(persons) + keyFilter())
                        .forEach(r -> ids.add(r.getString(1)));
                session.query("SELECT DISTINCT distinct_id FROM " + db + ".events WHERE person_id IN " + uuids(persons) + keyFilter())
                        .forEach(r -> ids.add(r.getString(1)));
            }
            session.say("distinct ids " + ids + ", persons " + persons);

            String events = "(distinct_id IN " + strings(ids) + (persons.isEmpty() ? "" : " OR person_id IN " + uuids(persons)) + ")" + keyFilter();
            String sessions = "(api_key, session_id) IN (SELECT api_key, session_id FROM " + db + ".events WHERE session_id != '' AND "
                    + events + ")";
            String personRows = persons.isEmpty() ? "0" : "id IN " + uuids(persons) + keyFilter();
            String idRows = "distinct_id IN " + strings(ids) + keyFilter();
            String overrides = persons.isEmpty() ? "0"
                    : "(old_person_id IN " + uuids(persons) + " OR override_person_id IN " + uuids(persons) + ")" + keyFilter();
            Map<String, String> targets = new LinkedHashMap<>();
            targets.put("sessions_aggregated_v2", sessions); // before events: it is found through them
            targets.put("events", events);
            targets.put("persons", personRows);
            targets.put("person_distinct_ids", idRows);
            targets.put("person_overrides", overrides);
            Map<String, Long> counts = new LinkedHashMap<>();
            count(targets, counts);
            session.say((session.dryRun() ? "would delete " : "deleting ") + counts.entrySet().stream()
                    .map(e -> e.getValue() + " " + (e.getKey().equals("sessions_aggregated_v2") ? "sessions" : e.getKey() + " rows"))
                    .collect(Collectors.joining(", ")));
            if (session.dryRun()) {
                return;
            }

            UUID deletion = UUID.randomUUID();
            UUID anyPerson = persons.isEmpty() ? new UUID(0, 0) : persons.iterator().next();
            // api_key as well: what a writer of before V009 reads (a bare key's project is the key).
            session.change("INSERT INTO " + db + ".deleted_distinct_ids (api_key, project, distinct_id, person_id, deletion_id) VALUES "
                    + ids.stream().map(id -> "(" + AdminSession.quote(project) + ", " + AdminSession.quote(project) + ", "
                    + AdminSession.quote(id) + ", '" + anyPerson + "', '"
                    + deletion + "')").collect(Collectors.joining(", ")));
            if (!settle.isZero()) {
                session.say("waiting " + settle.toSeconds() + " s for the writers to refresh their deletion list");
                try {
                    Thread.sleep(settle.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the writers; the ids are on the deletion list,"
                            + " run the command again to delete the rows", e);
                }
            }
            // Counted again: rows written between the first count and the list taking effect are deleted too.
            count(targets, counts);
            targets.forEach((table, where) -> session.change("DELETE FROM " + db + "." + table + " WHERE " + where));
            session.change("INSERT INTO " + db + ".person_deletions (deletion_id, requested_at, actor, api_key, project, requested_distinct_id,"
                    + " distinct_ids, person_ids, events_deleted, sessions_deleted, persons_deleted, distinct_id_rows_deleted,"
                    + " overrides_deleted) VALUES ('" + deletion + "', now64(6, 'UTC'), " + AdminSession.quote(actor) + ", "
                    + AdminSession.quote(project) + ", " + AdminSession.quote(project) + ", " + AdminSession.quote(distinctId) + ", [" + String.join(", ", ids.stream()
                    .map(AdminSession::quote).toList()) + "], [" + persons.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", "))
                    + "], " + counts.get("events") + ", " + counts.get("sessions_aggregated_v2") + ", " + counts.get("persons") + ", "
                    + counts.get("person_distinct_ids") + ", " + counts.get("person_overrides") + ")");
            session.say("deleted; audit row " + deletion + " in " + db + ".person_deletions");
        }

        /** Rows per table; sessions as sessions, not as the partial rows of sessions_aggregated_v2. */
        private void count(Map<String, String> targets, Map<String, Long> counts) {
            targets.forEach((table, where) -> counts.put(table, session.count("SELECT "
                    + (table.equals("sessions_aggregated_v2") ? "uniqExact(api_key, session_id)" : "count()") + " FROM "
                    + session.database + "." + table + " WHERE " + where)));
        }

        /** The person ids of {@code distinctId}, closed over person_overrides in both directions. */
        private Set<UUID> persons(String distinctId) {
            String db = session.database.value();
            Set<UUID> persons = new TreeSet<>();
            session.query("SELECT person_id FROM " + db + ".person_distinct_ids FINAL WHERE distinct_id = " + AdminSession.quote(distinctId)
                            + keyFilter())
                    .forEach(r -> persons.add(r.getUUID(1)));
            session.query("SELECT DISTINCT person_id FROM " + db + ".events WHERE distinct_id = " + AdminSession.quote(distinctId) + keyFilter())
                    .forEach(r -> persons.add(r.getUUID(1)));
            for (int hop = 0; hop < MAX_OVERRIDE_HOPS && !persons.isEmpty(); hop++) {
                String in = uuids(persons);
                List<GenericRecord> linked = session.query("SELECT old_person_id, override_person_id FROM " + db + ".person_overrides FINAL"
                        + " WHERE (old_person_id IN " + in + " OR override_person_id IN " + in + ")" + keyFilter());
                int before = persons.size();
                linked.forEach(r -> {
                    persons.add(r.getUUID(1));
                    persons.add(r.getUUID(2));
                });
                if (persons.size() == before) {
                    break;
                }
            }
            return persons;
        }

        private String keyFilter() {
            return project.isEmpty() ? "" : " AND project = " + AdminSession.quote(project);
        }

        private static String strings(Set<String> values) {
            return "(" + values.stream().map(AdminSession::quote).collect(Collectors.joining(", ")) + ")";
        }

        private static String uuids(Set<UUID> values) {
            return "(" + values.stream().map(u -> "toUUID('" + u + "')").collect(Collectors.joining(", ")) + ")";
        }
    }
}
