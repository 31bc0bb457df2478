package com.clickhouse.analytics.writer.deletion;

import java.util.List;

import com.clickhouse.client.api.Client;

/**
 * {@link DeletionList} over {@code <database>.deleted_distinct_ids} (migration V003; its project
 * column V009's, {@code api_key} for older entries, which is what they meant). A database
 * not yet at V003 has no list: that reads as empty, so a writer may start before the migration.
 */
public final class ClickHouseDeletionList implements DeletionList {

    private final Client client;
    private final String table;

    public ClickHouseDeletionList(Client client, String database) {
        this.client = client;
        this.table = database + ".deleted_distinct_ids";
    }

    @Override
    public List<DeletedId> newest(int limit) {
        try {
            return client.queryAll("SELECT project, distinct_id FROM " + table + " FINAL ORDER BY deleted_at DESC LIMIT " + limit)
                    .stream().map(r -> new DeletedId(r.getString(1), r.getString(2))).toList();
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("UNKNOWN_TABLE")) {
                return List.of();
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "ClickHouseDeletionList[" + table + "]";
    }
}
