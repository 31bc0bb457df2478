-- V008: sessions know their bots, and the materialized view costs inserts less.
--
-- Bots: the writer's enrichment flags events (V004: is_bot, bot_reason). A session with any bot
-- event is a bot's session (is_bot = 1). `sessions` leaves them out, as the issue asks of every
-- starter query; `sessions_with_bots` has every session and the is_bot column, for those who want
-- to see or count them.
--
-- Cost: V002's view made inserts into events far slower (docs/benchmarks.md, `./cpa bench
-- sessions`). Two of its costs had nothing to do with sessions: it parsed the properties JSON four
-- more times per event (referrer and UTM tags), which V003's materialized columns hold already, and
-- it kept three argMax states (distinct id, person id, host) over the same key, one tuple here. The
-- states keep V002's rule: each gives the same answer when an event is folded in twice (replays,
-- the backfill below overlapping live inserts, a migrator run again), so counts stay uniqExact of
-- uuids and the url / event name sets stay sets: they are the view's `urls` and `event_names`.
--
-- A new table, because a state's type cannot change in place: the new view feeds it from its
-- creation on, the backfill brings in every earlier event (overlap harmless, see above), then
-- `sessions` reads it and V002's view and table go. Run again, each step is a no-op or harmless.

CREATE TABLE IF NOT EXISTS {{DATABASE}}.sessions_aggregated_v2
(
    api_key LowCardinality(String),
    session_id String,
    -- (distinct_id, person_id, host) of the latest event, by (timestamp, received_at, uuid) as in V001.
    last_event_state AggregateFunction(argMax, Tuple(String, UUID, String), Tuple(DateTime64(6, 'UTC'), DateTime64(6, 'UTC'), UUID)),
    started_at SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    ended_at SimpleAggregateFunction(max, DateTime64(6, 'UTC')),
    urls_state AggregateFunction(groupUniqArrayIf(2000), String, UInt8),
    entry_url_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    exit_url_state AggregateFunction(argMaxIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    event_uuids AggregateFunction(uniqExact, UUID),
    pageview_uuids AggregateFunction(uniqExactIf, UUID, UInt8),
    autocapture_uuids AggregateFunction(uniqExactIf, UUID, UInt8),
    event_names_state AggregateFunction(groupUniqArray(2000), String),
    referrer_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    utm_source_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    utm_medium_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    utm_campaign_state AggregateFunction(argMinIf, String, Tuple(DateTime64(6, 'UTC'), UUID), UInt8),
    is_bot SimpleAggregateFunction(max, UInt8),
    INDEX idx_started_at started_at TYPE minmax GRANULARITY 1
)
ENGINE = AggregatingMergeTree
ORDER BY (api_key, session_id);

-- Fed by every insert into events. mat_referrer and mat_utm_* are V003's materialized columns,
-- computed once per insert for the events table anyway (a view sees them in the inserted block).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{DATABASE}}.sessions_mv_v2 TO {{DATABASE}}.sessions_aggregated_v2 AS
SELECT
    api_key,
    session_id,
    argMaxState((distinct_id, person_id, host), (timestamp, received_at, uuid)) AS last_event_state,
    min(timestamp) AS started_at,
    max(timestamp) AS ended_at,
    groupUniqArrayIfState(2000)(current_url, current_url != '') AS urls_state,
    argMinIfState(current_url, (timestamp, uuid), current_url != '') AS entry_url_state,
    argMaxIfState(current_url, (timestamp, uuid), current_url != '') AS exit_url_state,
    uniqExactState(uuid) AS event_uuids,
    uniqExactIfState(uuid, event = '$pageview') AS pageview_uuids,
    uniqExactIfState(uuid, event = '$autocapture') AS autocapture_uuids,
    groupUniqArrayState(2000)(toString(event)) AS event_names_state,
    argMinIfState(mat_referrer, (timestamp, uuid), mat_referrer != '') AS referrer_state,
    argMinIfState(mat_utm_source, (timestamp, uuid), mat_utm_source != '') AS utm_source_state,
    argMinIfState(mat_utm_medium, (timestamp, uuid), mat_utm_medium != '') AS utm_medium_state,
    argMinIfState(mat_utm_campaign, (timestamp, uuid), mat_utm_campaign != '') AS utm_campaign_state,
    max(is_bot) AS is_bot
FROM {{DATABASE}}.events
WHERE session_id != ''
  AND is_deleted = 0
GROUP BY api_key, session_id;

-- Backfill: every event written before the view above existed (and, harmlessly, some after).
INSERT INTO {{DATABASE}}.sessions_aggregated_v2
SELECT
    api_key,
    session_id,
    argMaxState((distinct_id, person_id, host), (timestamp, received_at, uuid)) AS last_event_state,
    min(timestamp) AS started_at,
    max(timestamp) AS ended_at,
    groupUniqArrayIfState(2000)(current_url, current_url != '') AS urls_state,
    argMinIfState(current_url, (timestamp, uuid), current_url != '') AS entry_url_state,
    argMaxIfState(current_url, (timestamp, uuid), current_url != '') AS exit_url_state,
    uniqExactState(uuid) AS event_uuids,
    uniqExactIfState(uuid, event = '$pageview') AS pageview_uuids,
    uniqExactIfState(uuid, event = '$autocapture') AS autocapture_uuids,
    groupUniqArrayState(2000)(toString(event)) AS event_names_state,
    argMinIfState(mat_referrer, (timestamp, uuid), mat_referrer != '') AS referrer_state,
    argMinIfState(mat_utm_source, (timestamp, uuid), mat_utm_source != '') AS utm_source_state,
    argMinIfState(mat_utm_medium, (timestamp, uuid), mat_utm_medium != '') AS utm_medium_state,
    argMinIfState(mat_utm_campaign, (timestamp, uuid), mat_utm_campaign != '') AS utm_campaign_state,
    max(is_bot) AS is_bot
FROM {{DATABASE}}.events
WHERE session_id != ''
  AND is_deleted = 0
GROUP BY api_key, session_id;

-- Every session, bots' included: V002's columns plus is_bot. The three argMaxMerge are one
-- aggregation (the same expression is computed once).
CREATE OR REPLACE VIEW {{DATABASE}}.sessions_with_bots AS
SELECT
    api_key,
    session_id,
    argMaxMerge(last_event_state).1 AS distinct_id,
    argMaxMerge(last_event_state).2 AS person_id,
    min(started_at) AS started_at,
    max(ended_at) AS ended_at,
    dateDiff('second', started_at, ended_at) AS duration_seconds,
    groupUniqArrayIfMerge(2000)(urls_state) AS urls,
    argMinIfMerge(entry_url_state) AS entry_url,
    argMaxIfMerge(exit_url_state) AS exit_url,
    argMaxMerge(last_event_state).3 AS host,
    uniqExactMerge(event_uuids) AS event_count,
    uniqExactIfMerge(pageview_uuids) AS pageview_count,
    uniqExactIfMerge(autocapture_uuids) AS autocapture_count,
    groupUniqArrayMerge(2000)(event_names_state) AS event_names,
    argMinIfMerge(referrer_state) AS referrer,
    argMinIfMerge(utm_source_state) AS utm_source,
    argMinIfMerge(utm_medium_state) AS utm_medium,
    argMinIfMerge(utm_campaign_state) AS utm_campaign,
    toUInt8(pageview_count <= 1 AND autocapture_count = 0 AND duration_seconds < 10) AS is_bounce,
    max(is_bot) AS is_bot
FROM {{DATABASE}}.sessions_aggregated_v2
GROUP BY api_key, session_id;

-- The sessions of people: a session with any event flagged as a bot's is left out.
CREATE OR REPLACE VIEW {{DATABASE}}.sessions AS
SELECT * EXCEPT (is_bot)
FROM {{DATABASE}}.sessions_with_bots
WHERE is_bot = 0;

DROP VIEW IF EXISTS {{DATABASE}}.sessions_mv;

DROP TABLE IF EXISTS {{DATABASE}}.sessions_aggregated;
