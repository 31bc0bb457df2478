package com.clickhouse.analytics.gateway.limit;

/** Where one admitted event's record goes. */
public enum Route {
    /** The events topic, keyed by {@code key:distinct_id}: one person's events in order on one partition. */
    LIVE,
    /** The events topic with a key made unique per record: spread over the partitions, order given up (hot key). */
    SPREAD,
    /** The historical topic, keyed as live: backfills drained by their own writer group. */
    HISTORICAL
}
