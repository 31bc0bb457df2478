package com.clickhouse.analytics.writer.identity;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.clickhouse.analytics.writer.WriterException;

/**
 * Where persons, distinct-id links, person overrides and ingestion warnings live ({@code persons},
 * {@code person_distinct_ids}, {@code person_overrides}, {@code ingestion_warnings} in ClickHouse).
 * Every method is one round trip (lookups of very many ids may be chunked); failures are
 * {@link WriterException}s. Every insert is safe to repeat: the first three tables keep the highest
 * version, and a repeated warning is the same event's warning again.
 */
public interface PersonStore {

    /** The current person of each of these distinct ids that has one (latest version, not deleted). */
    Map<DistinctKey, UUID> personIdsOf(Collection<DistinctKey> distinctIds);

    /** The current, not deleted row of each of these persons that has one. */
    Map<PersonKey, PersonRow> persons(Collection<PersonKey> persons);

    /**
     * The version of the current row of each of these persons that has one (not deleted): what a
     * cached row is checked against, without reading the properties again.
     */
    Map<PersonKey, Long> versionsOf(Collection<PersonKey> persons);

    /** Every distinct id whose current person is one of these, in the person's project (distinct id → person id). */
    Map<DistinctKey, UUID> distinctIdsOf(Collection<PersonKey> persons);

    /** The override of each of these persons that has one (old → override, in the old person's project). */
    Map<PersonKey, UUID> overridesOf(Collection<PersonKey> oldPersons);

    /** Every override whose target is one of these persons (old → override, in the target's project). */
    Map<PersonKey, UUID> overridesTo(Collection<PersonKey> targets);

    void insertDistinctIds(List<DistinctIdRow> rows);

    void insertPersons(List<PersonRow> rows);

    void insertOverrides(List<OverrideRow> rows);

    void insertWarnings(List<WarningRow> rows);

    /** A distinct id of a project: what a link is keyed by. */
    record DistinctKey(String project, String distinctId) {
    }

    /**
     * A person of a project: what persons and overrides are keyed by. Person ids made since projects
     * are derived from the project, but one made before (V009) may be a person in several projects.
     */
    record PersonKey(String project, UUID id) {
    }

    /** A {@code person_distinct_ids} row. */
    record DistinctIdRow(String project, String distinctId, UUID personId, Instant createdAt, long version) {
    }

    /**
     * A {@code persons} row; {@code properties} is a JSON object's text; {@code lastSeenAt} the
     * latest event time of the person's full-mode events that this row has seen (rewritten when it
     * moves into a later period of the writer's activity resolution, a day by default).
     */
    record PersonRow(String project, String distinctId, UUID id, String properties, Instant createdAt, Instant updatedAt,
                     Instant lastSeenAt, boolean identified, boolean deleted, long version) {
    }

    /**
     * A {@code person_overrides} row: events of {@code project} written with {@code oldPersonId}
     * belong to {@code overridePersonId}; {@code apiKey} is the key of the event that made it.
     */
    record OverrideRow(String project, String apiKey, UUID oldPersonId, UUID overridePersonId, long version) {
    }

    /** An {@code ingestion_warnings} row; {@code details} is a JSON object's text. */
    record WarningRow(String apiKey, String type, UUID eventUuid, String distinctId, String details, Instant timestamp) {
    }
}
