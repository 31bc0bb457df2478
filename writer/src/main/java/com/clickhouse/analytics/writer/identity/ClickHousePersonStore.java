package com.clickhouse.analytics.writer.identity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import com.clickhouse.analytics.writer.clickhouse.ClickHouseBatchWriter;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.analytics.writer.clickhouse.TableLayout;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * {@link PersonStore} on ClickHouse: reads with {@code FINAL} (latest version wins, deleted rows
 * skipped) and query parameters, never values spliced into SQL; writes RowBinary. Lookups of very
 * many ids are split into chunks so the parameters stay well under the server's URI limit.
 */
public final class ClickHousePersonStore implements PersonStore {

    static final int LOOKUP_CHUNK = 4_000;

    private final Client client;
    private final String database;
    private final TableLayout<DistinctIdRow> distinctIds;
    private final TableLayout<PersonRow> persons;
    private final TableLayout<OverrideRow> overrides;
    private final TableLayout<WarningRow> warnings;
    private final ClickHouseErrorClassifier classifier;
    private final Duration timeout;

    public ClickHousePersonStore(Client client, String database, TableLayout<DistinctIdRow> distinctIds,
                                 TableLayout<PersonRow> persons, TableLayout<OverrideRow> overrides, TableLayout<WarningRow> warnings,
                                 ClickHouseErrorClassifier classifier, Duration timeout) {
        this.client = client;
        this.database = database;
        this.distinctIds = distinctIds;
        this.persons = persons;
        this.overrides = overrides;
        this.warnings = warnings;
        this.classifier = classifier;
        this.timeout = timeout;
    }

    @Override
    public Map<DistinctKey, UUID> personIdsOf(Collection<DistinctKey> ids) {
        Map<DistinctKey, UUID> found = new HashMap<>();
        String sql = "SELECT project, distinct_id, argMax(person_id, version) AS person_id FROM " + database + ".person_distinct_ids"
                + " WHERE (project, distinct_id) IN {ids:Array(Tuple(String, String))} GROUP BY project, distinct_id"
                + " HAVING argMax(is_deleted, version) = 0";
        for (List<DistinctKey> chunk : chunks(ids)) {
            for (GenericRecord r : query(sql, tuples(chunk, DistinctKey::project, DistinctKey::distinctId))) {
                found.put(new DistinctKey(r.getString("project"), r.getString("distinct_id")), r.getUUID("person_id"));
            }
        }
        return found;
    }

    @Override
    public Map<PersonKey, PersonRow> persons(Collection<PersonKey> keys) {
        Map<PersonKey, PersonRow> found = new HashMap<>();
        String sql = "SELECT project, id, distinct_id, properties, created_at, updated_at, last_seen_at, toInt64(is_identified) AS identified,"
                + " version FROM " + database + ".persons FINAL WHERE (project, id) IN {ids:Array(Tuple(String, UUID))} AND is_deleted = 0";
        for (List<PersonKey> chunk : chunks(keys)) {
            for (GenericRecord r : query(sql, tuples(chunk, PersonKey::project, k -> k.id().toString()))) {
                PersonKey key = new PersonKey(r.getString("project"), r.getUUID("id"));
                found.put(key, new PersonRow(key.project(), r.getString("distinct_id"), key.id(), r.getString("properties"),
                        r.getInstant("created_at"), r.getInstant("updated_at"), r.getInstant("last_seen_at"),
                        r.getLong("identified") != 0, false, r.getLong("version")));
            }
        }
        return found;
    }

    /** No {@code FINAL} and no properties: the latest version per person, and whether it is a deletion. */
    @Override
    public Map<PersonKey, Long> versionsOf(Collection<PersonKey> keys) {
        Map<PersonKey, Long> found = new HashMap<>();
        String sql = "SELECT project, id, max(version) AS latest FROM " + database + ".persons"
                + " WHERE (project, id) IN {ids:Array(Tuple(String, UUID))} GROUP BY project, id HAVING argMax(is_deleted, version) = 0";
        for (List<PersonKey> chunk : chunks(keys)) {
            for (GenericRecord r : query(sql, tuples(chunk, PersonKey::project, k -> k.id().toString()))) {
                found.put(new PersonKey(r.getString("project"), r.getUUID("id")), r.getLong("latest"));
            }
        }
        return found;
    }

    /**
     * The table is sorted by project and distinct id, so the person ids are found through V005's
     * skip index on {@code person_id} first (V009 keeps it), then the current mapping of those
     * distinct ids is checked. Only batches with a merge ask.
     */
    @Override
    public Map<DistinctKey, UUID> distinctIdsOf(Collection<PersonKey> persons) {
        Map<DistinctKey, UUID> found = new HashMap<>();
        String table = database + ".person_distinct_ids";
        String sql = "SELECT project, distinct_id, argMax(person_id, version) AS person_id FROM " + table
                + " WHERE (project, distinct_id) IN (SELECT project, distinct_id FROM " + table
                + " WHERE (project, person_id) IN {ids:Array(Tuple(String, UUID))})"
                + " GROUP BY project, distinct_id HAVING argMax(is_deleted, version) = 0 AND (project, person_id) IN {ids:Array(Tuple(String, UUID))}";
        for (List<PersonKey> chunk : chunks(persons)) {
            for (GenericRecord r : query(sql, tuples(chunk, PersonKey::project, k -> k.id().toString()))) {
                found.put(new DistinctKey(r.getString("project"), r.getString("distinct_id")), r.getUUID("person_id"));
            }
        }
        return found;
    }

    @Override
    public Map<PersonKey, UUID> overridesOf(Collection<PersonKey> oldPersons) {
        return overrides("old_person_id", oldPersons);
    }

    @Override
    public Map<PersonKey, UUID> overridesTo(Collection<PersonKey> targets) {
        return overrides("override_person_id", targets);
    }

    private Map<PersonKey, UUID> overrides(String column, Collection<PersonKey> keys) {
        Map<PersonKey, UUID> found = new HashMap<>();
        String sql = "SELECT project, old_person_id, override_person_id FROM " + database + ".person_overrides FINAL"
                + " WHERE (project, " + column + ") IN {ids:Array(Tuple(String, UUID))}";
        for (List<PersonKey> chunk : chunks(keys)) {
            for (GenericRecord r : query(sql, tuples(chunk, PersonKey::project, k -> k.id().toString()))) {
                found.put(new PersonKey(r.getString("project"), r.getUUID("old_person_id")), r.getUUID("override_person_id"));
            }
        }
        return found;
    }

    @Override
    public void insertDistinctIds(List<DistinctIdRow> rows) {
        ClickHouseBatchWriter.insert(client, distinctIds, rows, null, classifier, timeout);
    }

    @Override
    public void insertPersons(List<PersonRow> rows) {
        ClickHouseBatchWriter.insert(client, persons, rows, null, classifier, timeout);
    }

    @Override
    public void insertOverrides(List<OverrideRow> rows) {
        ClickHouseBatchWriter.insert(client, overrides, rows, null, classifier, timeout);
    }

    @Override
    public void insertWarnings(List<WarningRow> rows) {
        ClickHouseBatchWriter.insert(client, warnings, rows, null, classifier, timeout);
    }

    private List<GenericRecord> query(String sql, String ids) {
        try {
            return client.queryAll(sql, Map.of("ids", ids));
        } catch (RuntimeException e) {
            throw classifier.classify("person lookup", e);
        }
    }

    /**
     * {@code [('p','a'),('p','b\'c')]}: the text form ClickHouse parses a parameter of type
     * {@code Array(Tuple(String, …))} from (a UUID parses from its quoted text).
     */
    static <T> String tuples(List<T> values, Function<T, String> first, Function<T, String> second) {
        StringBuilder out = new StringBuilder(values.size() * 60).append('[');
        for (int i = 0; i < values.size(); i++) {
            T v = values.get(i);
            out.append(i > 0 ? ",(" : "(");
            quote(out, first.apply(v));
            out.append(',');
            quote(out, second.apply(v));
            out.append(')');
        }
        return out.append(']').toString();
    }

    /** {@code ['a','b\'c']}: the text form ClickHouse parses a parameter of type Array(String) from. */
    static String arrayLiteral(List<String> values) {
        StringBuilder out = new StringBuilder(values.size() * 40).append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            quote(out, values.get(i));
        }
        return out.append(']').toString();
    }

    private static void quote(StringBuilder out, String v) {
        out.append('\'');
        for (int j = 0; j < v.length(); j++) {
            char c = v.charAt(j);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                case '\0' -> out.append("\\0");
                default -> out.append(c);
            }
        }
        out.append('\'');
    }

    static <T> List<List<T>> chunks(Collection<T> values) {
        List<T> all = new ArrayList<>(values);
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += LOOKUP_CHUNK) {
            chunks.add(all.subList(i, Math.min(all.size(), i + LOOKUP_CHUNK)));
        }
        return chunks;
    }
}
