package com.clickhouse.analytics.writer.identity;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.writer.WriterException;

/**
 * Where persons and distinct-id links live ({@code persons} and {@code person_distinct_ids} in
 * ClickHouse). Every method is one round trip; failures are {@link WriterException}s.
 */
public interface PersonStore {

    /** The current person of each of these distinct ids that has one (latest version, not deleted). */
    Map<String, UUID> personIdsOf(Collection<String> distinctIds);

    /** The current row of each of these persons that exists. */
    Map<UUID, PersonRow> persons(Collection<UUID> personIds);

    void insertDistinctIds(List<DistinctIdRow> rows);

    void insertPersons(List<PersonRow> rows);

    /** A {@code person_distinct_ids} row. */
    record DistinctIdRow(String distinctId, UUID personId, Instant createdAt, long version) {
    }

    /** A {@code persons} row; {@code properties} is a JSON object's text. */
    record PersonRow(String distinctId, UUID id, String properties, Instant createdAt, Instant updatedAt,
                     Instant lastSeenAt, boolean identified, long version) {
    }
}
