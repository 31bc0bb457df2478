-- V002: sessions without scanning events. V001's `sessions` view grouped `events FINAL` on every
-- query; now a materialized view folds every insert into `sessions_aggregated` (one partial row per
-- insert block and session, merged in the background) and `sessions` only finalizes those states.
--
-- Replays: `events` collapses a replayed event (same uuid) under FINAL, but a materialized view
-- sees every insert, replays included. So every state here gives the same answer when an event is
-- folded in twice: counts are uniqExact states of uuids, times are min / max, the "latest" and
-- "first" values are argMax / argMin over (timestamp, …, uuid), the arrays are sets. That is also
-- what makes the backfill below safe to repeat and safe to overlap with live inserts.
--
-- Entry values (URL, referrer, UTM) are those of the earliest event that has them, like V001's
-- entry_url; the exit URL is that of the latest event with a URL.

CREATE TABLE IF NOT EXISTS {{DATABASE}}.sessions_aggregated
(
    api_key LowCardinality(String),
    session_id String,
    distinct_id_state AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), DateTime64(6, 'UTC'), UUID)),
    person_id_state AggregateFunction(argMax, UUID, Tuple(DateTime64(6, 'UTC'), DateTime64(6, 'UTC'), UUID)),
    started_at SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    ended_at SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    urls_state AggregateFunction(groupUniqArrayIf(2000), String, UInt8),
    entry_url_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    exit_url_state AggregateFunction(argMaxIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    host_state AggregateFunction(argMax, String, Tuple(DateTime64(6, 'UTC'), DateTime64(6, 'UTC'), UUID)),
    event_uuids AggregateFunction(uniqExact, UUID),
    pageview_uuids AggregateFunction(uniqExactIf, UUID, UInt8),
    autocapture_uuids AggregateFunction(uniqExactIf, UUID, UInt8),
    event_names_state AggregateFunction(groupUniqArray(2000), String),
    referrer_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    utm_source_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    utm_medium_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    utm_campaign_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    INDEX idx_started_at started_at TYPE minmax GRANULARITY 1
)
ENGINE = AggregatingMergeTree
ORDER BY (api_key, session_id);

-- Fed by every insert into events (the writer's, a backfill's, a replay's).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{DATABASE}}.sessions_mv TO {{DATABASE}}.sessions_aggregated AS
SELECT
    api_key,
    session_id,
    argMaxState(distinct_id, (timestamp, received_at, uuid)) AS distinct_id_state,
    argMaxState(person_id, (timestamp, received_at, uuid)) AS person_id_state,
    min(timestamp) AS started_at,
    max(timestamp) AS ended_at,
    groupUniqArrayIfState(2000)(current_url, current_url != '') AS urls_state,
    argMinIfState(current_url, (timestamp, uuid), current_url != '') AS entry_url_state,
    argMaxIfState(current_url, (timestamp, uuid), current_url != '') AS exit_url_state,
    argMaxState(host, (timestamp, received_at, uuid)) AS host_state,
    uniqExactState(uuid) AS event_uuids,
    uniqExactIfState(uuid, event = '$pageview') AS pageview_uuids,
    uniqExactIfState(uuid, event = '$autocapture') AS autocapture_uuids,
    groupUniqArrayState(2000)(toString(event)) AS event_names_state,
    argMinIfState(JSONExtractString(properties, '$referrer') AS referrer, (timestamp, uuid), referrer != '') AS referrer_state,
    argMinIfState(JSONExtractString(properties, 'utm_source') AS utm_source, (timestamp, uuid), utm_source != '') AS utm_source_state,
    argMinIfState(JSONExtractString(properties, 'utm_medium') AS utm_medium, (timestamp, uuid), utm_medium != '') AS utm_medium_state,
    argMinIfState(JSONExtractString(properties, 'utm_campaign') AS utm_campaign, (timestamp, uuid), utm_campaign != '') AS utm_campaign_state
FROM {{DATABASE}}.events
WHERE session_id != ''
  AND is_deleted = 0
GROUP BY api_key, session_id;

-- The same columns as V001's view (plus the entry attribution and the bounce flag), finalized at
-- query time. Grouping here is cheap: one row per session and merged part, never one per event.
-- A bounce, as in PostHog: at most one pageview, no autocapture, and under 10 seconds.
CREATE OR REPLACE VIEW {{DATABASE}}.sessions AS
SELECT
    api_key,
    session_id,
    argMaxMerge(distinct_id_state) AS distinct_id,
    argMaxMerge(person_id_state) AS person_id,
    min(started_at) AS started_at,
    max(ended_at) AS ended_at,
    dateDiff('second', started_at, ended_at) AS duration_seconds,
    groupUniqArrayIfMerge(2000)(urls_state) AS urls,
    argMinIfMerge(entry_url_state) AS entry_url,
    argMaxIfMerge(exit_url_state) AS exit_url,
    argMaxMerge(host_state) AS host,
    uniqExactMerge(event_uuids) AS event_count,
    uniqExactIfMerge(pageview_uuids) AS pageview_count,
    uniqExactIfMerge(autocapture_uuids) AS autocapture_count,
    groupUniqArrayMerge(2000)(event_names_state) AS event_names,
    argMinIfMerge(referrer_state) AS referrer,
    argMinIfMerge(utm_source_state) AS utm_source,
    argMinIfMerge(utm_medium_state) AS utm_medium,
    argMinIfMerge(utm_campaign_state) AS utm_campaign,
    toUInt8(pageview_count <= 1 AND autocapture_count = 0 AND duration_seconds < 10) AS is_bounce
FROM {{DATABASE}}.sessions_aggregated
GROUP BY api_key, session_id;

-- Backfill: the events written before this migration. The materialized view exists already, so an
-- event inserted while this runs may be folded in twice, which the states above make harmless; for
-- the same reason a migrator interrupted here simply runs it again.
INSERT INTO {{DATABASE}}.sessions_aggregated
SELECT
    api_key,
    session_id,
    argMaxState(distinct_id, (timestamp, received_at, uuid)) AS distinct_id_state,
    argMaxState(person_id, (timestamp, received_at, uuid)) AS person_id_state,
    min(timestamp) AS started_at,
    max(timestamp) AS ended_at,
    groupUniqArrayIfState(2000)(current_url, current_url != '') AS urls_state,
    argMinIfState(current_url, (timestamp, uuid), current_url != '') AS entry_url_state,
    argMaxIfState(current_url, (timestamp, uuid), current_url != '') AS exit_url_state,
    argMaxState(host, (timestamp, received_at, uuid)) AS host_state,
    uniqExactState(uuid) AS event_uuids,
    uniqExactIfState(uuid, event = '$pageview') AS pageview_uuids,
    uniqExactIfState(uuid, event = '$autocapture') AS autocapture_uuids,
    groupUniqArrayState(2000)(toString(event)) AS event_names_state,
    argMinIfState(JSONExtractString(properties, '$referrer') AS referrer, (timestamp, uuid), referrer != '') AS referrer_state,
    argMinIfState(JSONExtractString(properties, 'utm_source') AS utm_source, (timestamp, uuid), utm_source != '') AS utm_source_state,
    argMinIfState(JSONExtractString(properties, 'utm_medium') AS utm_medium, (timestamp, uuid), utm_medium != '') AS utm_medium_state,
    argMinIfState(JSONExtractString(properties, 'utm_campaign') AS utm_campaign, (timestamp, uuid), utm_campaign != '') AS utm_campaign_state
FROM {{DATABASE}}.events
WHERE session_id != ''
  AND is_deleted = 0
GROUP BY api_key, session_id;
