-- V001: the tables of the original TypeScript project (events, persons, person_distinct_ids and
-- the sessions view), with this project's choices: events on a ReplacingMergeTree so a replayed
-- event (same uuid, same row) collapses, insert deduplication tokens honoured on a single server,
-- and columns for every field of the Kafka event record.
--
-- Rules for every migration file (the migrator relies on them):
--   * {{DATABASE}} is replaced by the validated database name; write no database name yourself.
--     The migrator creates the database (when missing) before it records anything, so no file
--     creates it, and a user without CREATE DATABASE rights can migrate an existing database.
--   * Each statement ends with ';' at the end of a line. Strings and comments may contain ';'.
--   * Every statement is idempotent (IF NOT EXISTS / IF EXISTS): two migrators started at the
--     same moment may both run it, and a run interrupted half-way simply runs it again.
--   * An applied file is never edited: its checksum is recorded. Add V002__… instead.

-- Which person a distinct_id belongs to. The writer reads it with FINAL; the highest version wins.
CREATE TABLE IF NOT EXISTS {{DATABASE}}.person_distinct_ids
(
    distinct_id String,
    person_id UUID,
    created_at DateTime64(6, 'UTC'),
    is_deleted Int8,
    version Int64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY distinct_id
SETTINGS index_granularity = 512;

-- One row per person; properties is the merged $set / $set_once JSON object.
CREATE TABLE IF NOT EXISTS {{DATABASE}}.persons
(
    distinct_id String,
    id UUID,
    properties String CODEC(ZSTD(3)),
    created_at DateTime64(6, 'UTC'),
    updated_at DateTime64(6, 'UTC'),
    last_seen_at DateTime64(6, 'UTC'),
    is_identified Int8,
    is_deleted Int8,
    version Int64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- One row per event. Rows with the same sorting key (same day, event, distinct_id and uuid)
-- collapse on merge; read with FINAL for exact counts before the merge happened.
CREATE TABLE IF NOT EXISTS {{DATABASE}}.events
(
    uuid UUID,
    api_key LowCardinality(String),
    event LowCardinality(String),
    distinct_id String,
    person_id UUID,
    properties String CODEC(ZSTD(3)),
    timestamp DateTime64(6, 'UTC'),
    sent_at Nullable(DateTime64(6, 'UTC')),
    received_at DateTime64(6, 'UTC'),
    inserted_at DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC'),
    session_id String,
    session_id_uuid Nullable(UUID) MATERIALIZED accurateCastOrNull(session_id, 'UUID'),
    window_id String,
    window_id_uuid Nullable(UUID) MATERIALIZED accurateCastOrNull(window_id, 'UUID'),
    current_url String,
    host String,
    elements_chain String CODEC(ZSTD(3)),
    ip String,
    user_agent String,
    set_properties String DEFAULT '' CODEC(ZSTD(3)),
    set_once_properties String DEFAULT '' CODEC(ZSTD(3)),
    anon_distinct_id String DEFAULT '',
    alias String DEFAULT '',
    is_deleted Int8 DEFAULT 0,
    INDEX idx_distinct_id distinct_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_window_id window_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_inserted_at inserted_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))
SAMPLE BY cityHash64(distinct_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- One row per (api_key, session_id). Reads events with FINAL, so a replayed event is counted
-- once. Entry and exit URL skip events without a URL (a server-side event in the middle of a
-- browser session does not blank them).
CREATE VIEW IF NOT EXISTS {{DATABASE}}.sessions AS
SELECT
    api_key,
    session_id,
    argMax(distinct_id, (timestamp, received_at, uuid)) AS distinct_id,
    argMax(person_id, (timestamp, received_at, uuid)) AS person_id,
    min(timestamp) AS started_at,
    max(timestamp) AS ended_at,
    dateDiff('second', min(timestamp), max(timestamp)) AS duration_seconds,
    groupUniqArrayIf(2000)(current_url, current_url != '') AS urls,
    argMinIf(current_url, (timestamp, uuid), current_url != '') AS entry_url,
    argMaxIf(current_url, (timestamp, uuid), current_url != '') AS exit_url,
    argMax(host, (timestamp, received_at, uuid)) AS host,
    count() AS event_count,
    countIf(event = '$pageview') AS pageview_count,
    countIf(event = '$autocapture') AS autocapture_count,
    groupUniqArray(2000)(event) AS event_names
FROM {{DATABASE}}.events FINAL
WHERE session_id != ''
  AND is_deleted = 0
GROUP BY api_key, session_id;
