-- V005: persons as PostHog's ingestion keeps them (issue 15).
--   * events.person_mode: how the writer processed the event for persons ('full', or
--     'propertyless' for $process_person_profile: false), PostHog's values.
--   * person_overrides and ingestion_warnings (created by V003) are written from now on: an
--     override on every merge and whenever a distinct id that had no person joins one (its earlier
--     events carry its deterministic id), kept resolved (an override's target is never itself
--     overridden) so one join attributes events to their final person (schema/README.md); a
--     warning for refused merges and illegal distinct ids.
--   * a skip index on person_distinct_ids.person_id: a merge moves every distinct id of the merged
--     person, and that table is sorted by distinct id.
--   * persons.last_seen_at now tracks activity: the latest event time of the person's full-mode
--     events, written at most once per hour per person (writer/README.md).

ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS person_mode LowCardinality(String) DEFAULT 'full' AFTER person_id;

ALTER TABLE {{DATABASE}}.person_distinct_ids ADD INDEX IF NOT EXISTS idx_person_id person_id TYPE bloom_filter(0.01) GRANULARITY 1;

ALTER TABLE {{DATABASE}}.person_distinct_ids MATERIALIZE INDEX idx_person_id;
