-- V009: projects (issue 15). PUBLIC_API_KEYS entries may name their project (project:key); a bare
-- key is its own project. Events carry the project; persons, distinct ids and overrides are keyed
-- by it, so user "42" of app A and user "42" of app B are two persons.
--   * events.project: the writer fills it; older rows read it as their api key (the DEFAULT), which
--     is what a bare-key configuration means.
--   * persons, person_distinct_ids, person_overrides get project first in their sorting key. A
--     ReplacingMergeTree's sorting key cannot be prefixed by ALTER, so each is rebuilt: a new table
--     <name>_v009, a copy of every row version with its project, then an EXCHANGE that puts the new
--     table under the old name. Afterwards <name>_v009 holds the rows as they were before V009 (a
--     backup for the operator to drop once satisfied; schema/README.md, "V009").
--   * Re-running after a crash at any point is safe: a copy runs only while the old table has no
--     project column (a repeated copy writes the same rows, which collapse), and the migrator runs
--     an EXCHANGE only while the table to swap in has a column the current one lacks, so a re-run
--     never swaps a rebuilt table back. Every statement is valid in every state a crash can leave:
--     the copies read only columns both shapes have, and write into <name>_v009, which has a project
--     column in either shape (the backup gets an empty one on a re-run).
--   * The project of existing rows is the api key of their events: a link gets one row per key its
--     distinct id's events were sent with (a distinct id seen under two keys gets a link per
--     project, both to the person it had); a person gets one row per project of its distinct ids'
--     events and of the events written with its id; an override one per key of the events written
--     with the old id, and its own key. A row no event names keeps project ''. Person ids do not
--     change, so events written before the upgrade keep their person.
--   * Distinct ids with events but no link (personless ones): their events carry the old
--     deterministic id, sha1(distinct_id); from now on their person is sha1(project:distinct_id).
--     An override old → new per such (project, distinct id) lets the overrides join attribute the
--     old events (version 1: any override the writer makes later wins).
--   * deleted_distinct_ids and person_deletions get a project column (DEFAULT api_key, which old
--     rows meant): the deletion list is per project from now on.
--   * person_overrides keeps api_key: the key of the event that made the override (audit only).
-- Cost: each copy scans events' api_key, distinct_id and person_id. Stop the writers while it runs
-- (writer/README.md, "Upgrading to projects"): rows an old writer adds after a copy stay in the backup.

ALTER TABLE {{DATABASE}}.events ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT api_key AFTER api_key;

ALTER TABLE {{DATABASE}}.deleted_distinct_ids ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT api_key AFTER api_key;

ALTER TABLE {{DATABASE}}.person_deletions ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT api_key AFTER api_key;

CREATE TABLE IF NOT EXISTS {{DATABASE}}.person_distinct_ids_v009
(
    project LowCardinality(String),
    distinct_id String,
    person_id UUID,
    created_at DateTime64(6, 'UTC'),
    is_deleted Int8,
    version Int64,
    INDEX idx_person_id person_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project, distinct_id)
SETTINGS index_granularity = 512;

CREATE TABLE IF NOT EXISTS {{DATABASE}}.persons_v009
(
    project LowCardinality(String),
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
ORDER BY (project, id);

CREATE TABLE IF NOT EXISTS {{DATABASE}}.person_overrides_v009
(
    project LowCardinality(String),
    api_key LowCardinality(String) DEFAULT '',
    old_person_id UUID,
    override_person_id UUID,
    version Int64,
    created_at DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project, old_person_id);

-- No-ops on the first run. On a re-run after a swap, each <name>_v009 is the old table: with the
-- column, the copies below stay valid statements (their guards then copy nothing).
ALTER TABLE {{DATABASE}}.person_distinct_ids_v009 ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT '' FIRST;

ALTER TABLE {{DATABASE}}.persons_v009 ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT '' FIRST;

ALTER TABLE {{DATABASE}}.person_overrides_v009 ADD COLUMN IF NOT EXISTS project LowCardinality(String) DEFAULT '' FIRST;

INSERT INTO {{DATABASE}}.person_distinct_ids_v009 (project, distinct_id, person_id, created_at, is_deleted, version)
WITH
    id_projects AS (SELECT distinct_id, groupUniqArray(api_key) AS projects FROM {{DATABASE}}.events GROUP BY distinct_id),
    person_projects AS (
        SELECT person_id, groupUniqArrayArray(projects) AS projects FROM (
            SELECT l.person_id AS person_id, i.projects AS projects
            FROM {{DATABASE}}.person_distinct_ids AS l INNER JOIN id_projects AS i ON i.distinct_id = l.distinct_id
            UNION ALL
            SELECT person_id, groupUniqArray(api_key) AS projects FROM {{DATABASE}}.events GROUP BY person_id)
        GROUP BY person_id)
SELECT arrayJoin(if(notEmpty(i.projects), i.projects, if(notEmpty(p.projects), p.projects, ['']))) AS project,
       l.distinct_id, l.person_id, l.created_at, l.is_deleted, l.version
FROM {{DATABASE}}.person_distinct_ids AS l
LEFT JOIN id_projects AS i ON i.distinct_id = l.distinct_id
LEFT JOIN person_projects AS p ON p.person_id = l.person_id
WHERE (SELECT count() FROM system.columns WHERE database = '{{DATABASE}}' AND table = 'person_distinct_ids' AND name = 'project') = 0;

INSERT INTO {{DATABASE}}.persons_v009 (project, distinct_id, id, properties, created_at, updated_at, last_seen_at, is_identified, is_deleted, version)
WITH
    id_projects AS (SELECT distinct_id, groupUniqArray(api_key) AS projects FROM {{DATABASE}}.events GROUP BY distinct_id),
    person_projects AS (
        SELECT person_id, groupUniqArrayArray(projects) AS projects FROM (
            SELECT l.person_id AS person_id, i.projects AS projects
            FROM {{DATABASE}}.person_distinct_ids AS l INNER JOIN id_projects AS i ON i.distinct_id = l.distinct_id
            UNION ALL
            SELECT person_id, groupUniqArray(api_key) AS projects FROM {{DATABASE}}.events GROUP BY person_id)
        GROUP BY person_id)
SELECT arrayJoin(if(notEmpty(p.projects), p.projects, [''])) AS project,
       s.distinct_id, s.id, s.properties, s.created_at, s.updated_at, s.last_seen_at, s.is_identified, s.is_deleted, s.version
FROM {{DATABASE}}.persons AS s
LEFT JOIN person_projects AS p ON p.person_id = s.id
WHERE (SELECT count() FROM system.columns WHERE database = '{{DATABASE}}' AND table = 'persons' AND name = 'project') = 0;

INSERT INTO {{DATABASE}}.person_overrides_v009 (project, api_key, old_person_id, override_person_id, version, created_at)
WITH old_projects AS (SELECT person_id, groupUniqArray(api_key) AS projects FROM {{DATABASE}}.events GROUP BY person_id)
SELECT arrayJoin(arrayDistinct(arrayPushBack(e.projects, toString(o.api_key)))) AS project,
       o.api_key, o.old_person_id, o.override_person_id, o.version, o.created_at
FROM {{DATABASE}}.person_overrides AS o
LEFT JOIN old_projects AS e ON e.person_id = o.old_person_id
WHERE (SELECT count() FROM system.columns WHERE database = '{{DATABASE}}' AND table = 'person_overrides' AND name = 'project') = 0;

-- sha1(distinct_id) → sha1(project:distinct_id), both as PersonIds derives them (the first 16
-- bytes, version nibble 5, RFC 4122 variant), for every (project, distinct id) of the events
-- whose distinct id had no link (one that had gets a link in every project of its events above).
INSERT INTO {{DATABASE}}.person_overrides_v009 (project, api_key, old_person_id, override_person_id, version)
WITH
    (h) -> toUUID(UUIDNumToString(toFixedString(concat(substring(h, 1, 6),
        char(bitOr(bitAnd(reinterpretAsUInt8(substring(h, 7, 1)), 15), 80)), substring(h, 8, 1),
        char(bitOr(bitAnd(reinterpretAsUInt8(substring(h, 9, 1)), 63), 128)), substring(h, 10, 7)), 16))) AS person_uuid
SELECT u.project, u.project, person_uuid(SHA1(u.distinct_id)), person_uuid(SHA1(concat(u.project, ':', u.distinct_id))), 1
FROM (SELECT DISTINCT toString(api_key) AS project, distinct_id FROM {{DATABASE}}.events) AS u
LEFT ANTI JOIN (SELECT DISTINCT distinct_id FROM {{DATABASE}}.person_distinct_ids) AS l ON l.distinct_id = u.distinct_id
WHERE (SELECT count() FROM system.columns WHERE database = '{{DATABASE}}' AND table = 'person_overrides' AND name = 'project') = 0;

EXCHANGE TABLES {{DATABASE}}.person_distinct_ids AND {{DATABASE}}.person_distinct_ids_v009;

EXCHANGE TABLES {{DATABASE}}.persons AND {{DATABASE}}.persons_v009;

EXCHANGE TABLES {{DATABASE}}.person_overrides AND {{DATABASE}}.person_overrides_v009;
