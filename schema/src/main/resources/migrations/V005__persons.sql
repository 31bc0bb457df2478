-- V005: persons as PostHog's ingestion keeps them (issue 15).
--   * events.person_mode: how the writer processed the event for persons ('full', or
--     'propertyless' for $process_person_profile: false), PostHog's values.
--   * person_overrides: old person id -> surviving person id, written on every merge and whenever
--     a distinct id that had no person joins one (its earlier events carry its deterministic id).
--     The writer keeps chains resolved (an override's target is never itself overridden), so one
--     join attributes events to their final person (schema/README.md).
--   * ingestion_warnings: refused merges and other identity warnings, a row a user can query.
--     The two tables are also created by V003 (the lifecycle work) with exactly this text, so either
--     migration may run first.
--   * a skip index on person_distinct_ids.person_id: a merge moves every distinct id of the merged
--     person, and that table is sorted by distinct id.
--   * persons.last_seen_at now tracks activity: the latest event time of the person's full-mode
--     events, written at most once per hour per person (writer/README.md).

ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS person_mode LowCardinality(String) DEFAULT 'full' AFTER person_id;

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

ALTER TABLE {{DATABASE}}.person_distinct_ids ADD INDEX IF NOT EXISTS idx_person_id person_id TYPE bloom_filter(0.01) GRANULARITY 1;

ALTER TABLE {{DATABASE}}.person_distinct_ids MATERIALIZE INDEX idx_person_id;
