package com.clickhouse.analytics.local.chdb;

/** A query the engine (or this server, acting as ClickHouse) refused; carries the ClickHouse error. */
final class ClickHouseException extends RuntimeException {

    private final ClickHouseError error;

    ClickHouseException(ClickHouseError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    ClickHouseError error() {
        return error;
    }
}
