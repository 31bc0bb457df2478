-- V003: hot properties as columns, and the tables of the data's lifecycle (person overrides,
-- ingestion warnings, the deletion list and its audit).

-- Hot properties, extracted from `properties` once at insert instead of on every query, each with a
-- skip index for equality filters. Names and expressions are exactly what `./cpa materialize`
-- generates (PropertyColumn), so the command sees these as present; add others with the command.
-- The writer never inserts MATERIALIZED columns (its TableLayout skips them).
ALTER TABLE {{DATABASE}}.events
    ADD COLUMN IF NOT EXISTS mat_pathname String MATERIALIZED JSONExtractString(properties, '$pathname'),
    ADD COLUMN IF NOT EXISTS mat_referrer String MATERIALIZED JSONExtractString(properties, '$referrer'),
    ADD COLUMN IF NOT EXISTS mat_referring_domain String MATERIALIZED JSONExtractString(properties, '$referring_domain'),
    ADD COLUMN IF NOT EXISTS mat_browser LowCardinality(String) MATERIALIZED JSONExtractString(properties, '$browser'),
    ADD COLUMN IF NOT EXISTS mat_os LowCardinality(String) MATERIALIZED JSONExtractString(properties, '$os'),
    ADD COLUMN IF NOT EXISTS mat_device_type LowCardinality(String) MATERIALIZED JSONExtractString(properties, '$device_type'),
    ADD COLUMN IF NOT EXISTS mat_utm_source String MATERIALIZED JSONExtractString(properties, 'utm_source'),
    ADD COLUMN IF NOT EXISTS mat_utm_medium String MATERIALIZED JSONExtractString(properties, 'utm_medium'),
    ADD COLUMN IF NOT EXISTS mat_utm_campaign String MATERIALIZED JSONExtractString(properties, 'utm_campaign'),
    ADD COLUMN IF NOT EXISTS mat_lib LowCardinality(String) MATERIALIZED JSONExtractString(properties, '$lib'),
    ADD COLUMN IF NOT EXISTS mat_screen_width Int64 MATERIALIZED JSONExtractInt(properties, '$screen_width'),
    ADD INDEX IF NOT EXISTS idx_mat_pathname mat_pathname TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_referrer mat_referrer TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_referring_domain mat_referring_domain TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_browser mat_browser TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_os mat_os TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_device_type mat_device_type TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_utm_source mat_utm_source TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_utm_medium mat_utm_medium TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_utm_campaign mat_utm_campaign TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_lib mat_lib TYPE bloom_filter(0.01) GRANULARITY 4,
    ADD INDEX IF NOT EXISTS idx_mat_screen_width mat_screen_width TYPE minmax GRANULARITY 1;

-- Backfill of the rows written before this migration: one mutation, run in the background by the
-- server (watch system.mutations); rewriting a column that is already computed changes nothing, so a
-- repeated run is harmless. Rewriting a column does not rebuild its skip index, hence MATERIALIZE INDEX as well.
ALTER TABLE {{DATABASE}}.events
    MATERIALIZE COLUMN mat_pathname,
    MATERIALIZE COLUMN mat_referrer,
    MATERIALIZE COLUMN mat_referring_domain,
    MATERIALIZE COLUMN mat_browser,
    MATERIALIZE COLUMN mat_os,
    MATERIALIZE COLUMN mat_device_type,
    MATERIALIZE COLUMN mat_utm_source,
    MATERIALIZE COLUMN mat_utm_medium,
    MATERIALIZE COLUMN mat_utm_campaign,
    MATERIALIZE COLUMN mat_lib,
    MATERIALIZE COLUMN mat_screen_width,
    MATERIALIZE INDEX idx_mat_pathname,
    MATERIALIZE INDEX idx_mat_referrer,
    MATERIALIZE INDEX idx_mat_referring_domain,
    MATERIALIZE INDEX idx_mat_browser,
    MATERIALIZE INDEX idx_mat_os,
    MATERIALIZE INDEX idx_mat_device_type,
    MATERIALIZE INDEX idx_mat_utm_source,
    MATERIALIZE INDEX idx_mat_utm_medium,
    MATERIALIZE INDEX idx_mat_utm_campaign,
    MATERIALIZE INDEX idx_mat_lib,
    MATERIALIZE INDEX idx_mat_screen_width;

-- Person overrides, modelled on PostHog's: when two persons merge, events written under the old
-- person id are attributed to the override person at query time (docs/queries.md shows the join).
-- Keyed by the old person id alone, as persons are not keyed by api_key here; the highest version
-- wins, so a later override of the same old id replaces the earlier one. Read with FINAL.
-- Written by the identity step (a later change); read by queries and by ./cpa delete-person.
CREATE TABLE IF NOT EXISTS {{DATABASE}}.person_overrides
(
    api_key LowCardinality(String),
    old_person_id UUID,
    override_person_id UUID,
    version Int64,
    created_at DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY old_person_id;

-- What the gateway dropped or corrected and what the writer refused, one row each: type is a stable
-- tag (e.g. missing_distinct_id, future_timestamp_clamped, merge_refused, illegal_distinct_id),
-- source is gateway or writer, details a JSON object's text. Sorted for "this key, this type, this
-- week"; WARNINGS_TTL_DAYS (or ./cpa ttl ingestion_warnings N) bounds its age.
CREATE TABLE IF NOT EXISTS {{DATABASE}}.ingestion_warnings
(
    api_key LowCardinality(String),
    type LowCardinality(String),
    source LowCardinality(String),
    event_uuid UUID DEFAULT toUUID('00000000-0000-0000-0000-000000000000'),
    distinct_id String DEFAULT '',
    details String DEFAULT '{}' CODEC(ZSTD(3)),
    timestamp DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (api_key, type, timestamp);

-- The deletion list: distinct ids whose person was deleted (./cpa delete-person). The writer drops
-- events of these ids, so events still in Kafka or arriving late do not bring the person back.
-- api_key '' means every key. Never expires: a deleted id stays deleted.
CREATE TABLE IF NOT EXISTS {{DATABASE}}.deleted_distinct_ids
(
    api_key LowCardinality(String),
    distinct_id String,
    person_id UUID,
    deletion_id UUID,
    deleted_at DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(deleted_at)
ORDER BY (api_key, distinct_id);

-- The audit of person deletions: who asked, when, for which ids, and how many rows went.
CREATE TABLE IF NOT EXISTS {{DATABASE}}.person_deletions
(
    deletion_id UUID,
    requested_at DateTime64(6, 'UTC'),
    actor String,
    api_key LowCardinality(String),
    requested_distinct_id String,
    distinct_ids Array(String),
    person_ids Array(UUID),
    events_deleted UInt64,
    sessions_deleted UInt64,
    persons_deleted UInt64,
    distinct_id_rows_deleted UInt64,
    overrides_deleted UInt64
)
ENGINE = MergeTree
ORDER BY requested_at;
