package com.clickhouse.analytics.writer.identity;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Where group types and groups live ({@code group_type_mapping}, {@code groups} in ClickHouse).
 * Every method is one round trip; failures are {@link com.clickhouse.analytics.writer.WriterException}s.
 * Inserts are safe to repeat: a repeated claim resolves as before ({@link GroupTypeClaims}), and
 * {@code groups} keeps the highest version.
 */
public interface GroupStore {

    /** Every claim of these projects, with the time the server stored it. */
    List<Claim> claims(Collection<String> projects);

    /** Stores claims; the store stamps each with its own insert time (never the writer's clock). */
    void insertClaims(List<Claim> claims);

    /** The current row of each of these groups that has one. */
    Map<GroupKey, GroupRow> groups(Collection<GroupKey> keys);

    void insertGroups(List<GroupRow> rows);

    /** A claim of {@code index} for {@code groupType} in {@code project}; {@code storedAt} is null until stored. */
    record Claim(String project, String groupType, int index, Instant storedAt) {
    }

    /** A group's identity: project, group type index, group key. */
    record GroupKey(String project, int index, String key) {
    }

    /** A {@code groups} row; {@code properties} is a JSON object's text. */
    record GroupRow(GroupKey key, String properties, Instant createdAt, Instant updatedAt, long version) {
    }
}
