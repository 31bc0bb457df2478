-- V006: groups as PostHog keeps them (issue 15), and the capture body's top-level $unset.
--   * group_type_mapping: per project, the index (0-4) of each group type, given in order of first
--     appearance. Rows are claims: a writer that meets a new type claims the lowest index it sees
--     free; the claims are resolved by the server's insert time (created_at, never sent by the
--     writer), then type, then index, the first claim of a free type on a free index winning
--     (writer/README.md, "Groups"). Plain MergeTree: every claim is kept so every reader resolves
--     them alike; a repeated claim is harmless.
--   * groups: one row per (project, group type index, group key); properties are the merged
--     $group_set objects ($set semantics). ReplacingMergeTree(version) like persons, read FINAL.
--   * events.$group_0 .. $group_4: the event's group key of each mapped type ('' for none).
--   * events.unset_properties: the top-level $unset (JSON text of an array of keys, or of an
--     object), like set_properties; '' when absent.
-- The project column is the event's api key until projects are configured (events.project, V007).

CREATE TABLE IF NOT EXISTS {{DATABASE}}.group_type_mapping
(
    project String,
    group_type String,
    group_type_index UInt8,
    created_at DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC')
)
ENGINE = MergeTree
ORDER BY (project, group_type_index, group_type);

CREATE TABLE IF NOT EXISTS {{DATABASE}}.groups
(
    project String,
    group_type_index UInt8,
    group_key String,
    group_properties String CODEC(ZSTD(3)),
    created_at DateTime64(6, 'UTC'),
    updated_at DateTime64(6, 'UTC'),
    version Int64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project, group_type_index, group_key);

ALTER TABLE {{DATABASE}}.events
    ADD COLUMN IF NOT EXISTS `$group_0` String DEFAULT '',
    ADD COLUMN IF NOT EXISTS `$group_1` String DEFAULT '',
    ADD COLUMN IF NOT EXISTS `$group_2` String DEFAULT '',
    ADD COLUMN IF NOT EXISTS `$group_3` String DEFAULT '',
    ADD COLUMN IF NOT EXISTS `$group_4` String DEFAULT '',
    ADD COLUMN IF NOT EXISTS unset_properties String DEFAULT '' CODEC(ZSTD(3));
