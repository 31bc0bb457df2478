package com.clickhouse.analytics.writer.identity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.writer.clickhouse.ClickHouseBatchWriter;
import com.clickhouse.analytics.writer.clickhouse.ClickHouseErrorClassifier;
import com.clickhouse.analytics.writer.clickhouse.TableLayout;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;

/**
 * {@link GroupStore} on ClickHouse: claims read in full (a project has a handful), groups with
 * {@code FINAL}; query parameters, never values spliced into SQL; writes RowBinary. A claim's
 * {@code created_at} is left to the column's default, the server's {@code now64(6)}.
 */
public final class ClickHouseGroupStore implements GroupStore {

    private final Client client;
    private final String database;
    private final TableLayout<Claim> claims;
    private final TableLayout<GroupRow> groups;
    private final ClickHouseErrorClassifier classifier;
    private final Duration timeout;

    public ClickHouseGroupStore(Client client, String database, TableLayout<Claim> claims, TableLayout<GroupRow> groups,
                                ClickHouseErrorClassifier classifier, Duration timeout) {
        this.client = client;
        this.database = database;
        this.claims = claims;
        this.groups = groups;
        this.classifier = classifier;
        this.timeout = timeout;
    }

    @Override
    public List<Claim> claims(Collection<String> projects) {
        String sql = "SELECT project, group_type, toInt32(group_type_index) AS idx, created_at FROM " + database
                + ".group_type_mapping WHERE project IN {projects:Array(String)}";
        List<Claim> found = new ArrayList<>();
        for (GenericRecord r : query(sql, Map.of("projects", ClickHousePersonStore.arrayLiteral(List.copyOf(projects))))) {
            found.add(new Claim(r.getString("project"), r.getString("group_type"), r.getInteger("idx"), r.getInstant("created_at")));
        }
        return found;
    }

    @Override
    public void insertClaims(List<Claim> rows) {
        ClickHouseBatchWriter.insert(client, claims, rows, null, classifier, timeout);
    }

    /** One query per project and type index (and chunk of keys, as for persons): the sorting key serves it. */
    @Override
    public Map<GroupKey, GroupRow> groups(Collection<GroupKey> keys) {
        Map<GroupKey, List<String>> byType = new HashMap<>(); // keyed by project and index, key left blank
        for (GroupKey k : keys) {
            byType.computeIfAbsent(new GroupKey(k.project(), k.index(), ""), x -> new ArrayList<>()).add(k.key());
        }
        String sql = "SELECT group_key, group_properties, created_at, updated_at, version FROM " + database + ".groups FINAL"
                + " WHERE project = {project:String} AND group_type_index = {index:UInt8} AND group_key IN {keys:Array(String)}";
        Map<GroupKey, GroupRow> found = new HashMap<>();
        byType.forEach((type, groupKeys) -> {
            for (List<String> chunk : ClickHousePersonStore.chunks(groupKeys)) {
                for (GenericRecord r : query(sql, Map.of("project", type.project(), "index", String.valueOf(type.index()),
                        "keys", ClickHousePersonStore.arrayLiteral(chunk)))) {
                    GroupKey key = new GroupKey(type.project(), type.index(), r.getString("group_key"));
                    found.put(key, new GroupRow(key, r.getString("group_properties"), r.getInstant("created_at"),
                            r.getInstant("updated_at"), r.getLong("version")));
                }
            }
        });
        return found;
    }

    @Override
    public void insertGroups(List<GroupRow> rows) {
        ClickHouseBatchWriter.insert(client, groups, rows, null, classifier, timeout);
    }

    private List<GenericRecord> query(String sql, Map<String, Object> parameters) {
        try {
            return client.queryAll(sql, parameters);
        } catch (RuntimeException e) {
            throw classifier.classify("group lookup", e);
        }
    }
}
